from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from billing.models import MONEY, DiscountLimit, LineKind, Payment, PriceItem
from service_center.forms import BootstrapFormMixin


def money_field(label, *, required=True, min_value=Decimal(0), help_text=""):
    """An amount in the shop's currency: at most its minor unit's decimal places, checked on the server."""
    places = settings.CURRENCY_DECIMAL_PLACES
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=min_value,
        max_digits=MONEY["max_digits"] - MONEY["decimal_places"] + places,
        decimal_places=places,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": str(Decimal(1).scaleb(-places)), "inputmode": "decimal"}),
    )


def percent_field(label, *, required=True, initial=None):
    return forms.DecimalField(
        label=label,
        required=required,
        initial=initial,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class PreapprovalForm(BootstrapFormMixin, forms.Form):
    prefix = "preapproval"  # the job page holds other apps' forms too: ids stay unique

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["limit"] = money_field(
            _("Go ahead up to"),
            required=False,
            help_text=_("Work up to this amount (with tax) needs no further approval. Empty: ask for every estimate."),
        )
        self.fields["limit"].widget.attrs["class"] = "form-control"


class PaymentForm(BootstrapFormMixin, forms.Form):
    prefix = "payment"
    kind = forms.ChoiceField(label=_("What"), choices=Payment.Kind.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(
        label=_("Reference (optional)"), required=False, max_length=100, help_text=_("Card slip or transfer number.")
    )
    note = forms.CharField(label=_("Reason (for refunds)"), required=False, max_length=300)

    field_order = ["kind", "amount", "method", "reference", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"] = money_field(
            _("Amount"), min_value=Decimal(1).scaleb(-settings.CURRENCY_DECIMAL_PLACES)
        )
        self.fields["amount"].widget.attrs["class"] = "form-control"
        self.order_fields(self.field_order)
        if not user.has_perm("billing.refund_payment"):
            self.fields["kind"].choices = [c for c in Payment.Kind.choices if c[0] != Payment.Kind.REFUND]
            del self.fields["note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Payment.Kind.REFUND and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the money is given back."))
        return cleaned


class LineForm(BootstrapFormMixin, forms.Form):
    """A line from the price list (pick it; the rest may stay empty) or in free text."""

    prefix = "line"

    price_item = forms.ModelChoiceField(
        label=_("From the price list"), queryset=None, required=False, empty_label=_("— free text —")
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices, initial=LineKind.PART)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        initial=Decimal(1),
        min_value=Decimal("0.001"),
        max_digits=10,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_item"].queryset = PriceItem.objects.filter(active=True)
        self.fields["unit_price"] = money_field(
            _("Unit price"), required=False, help_text=_("Empty: the price list’s price.")
        )
        self.fields["discount_percent"] = percent_field(_("Discount (%)"), required=False)
        self.fields["tax_rate"] = percent_field(_("Tax rate (%)"), required=False)
        for name in ("unit_price", "discount_percent", "tax_rate"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("price_item") is None and "price_item" not in self.errors:
            if not cleaned.get("description", "").strip():
                self.add_error("description", _("Describe the line, or pick it from the price list."))
            if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
                self.add_error("unit_price", _("A line that is not on the price list needs a unit price."))
        return cleaned


class PriceItemForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = PriceItem
        fields = ["kind", "code", "name", "unit_price", "tax_rate", "active", "stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_price"] = money_field(_("Unit price"))
        self.fields["unit_price"].widget.attrs["class"] = "form-control"
        self.fields["stock"].help_text = _("Parts only, and only if you count them. Empty: not counted.")
        self.order_fields(["kind", "code", "name", "unit_price", "tax_rate", "stock", "active"])

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == LineKind.LABOUR and cleaned.get("stock") is not None:
            self.add_error("stock", _("Labour has no stock count."))
        return cleaned


class DiscountLimitsForm(BootstrapFormMixin, forms.Form):
    """One field per staff group: the largest discount its members may give."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = dict(DiscountLimit.objects.values_list("group_id", "max_percent"))
        self.groups = list(Group.objects.order_by("name"))
        for group in self.groups:
            field = percent_field(group.name, initial=limits.get(group.pk, Decimal(0)))
            field.widget.attrs["class"] = "form-control"
            self.fields[f"group_{group.pk}"] = field

    def limits(self):
        return {group: self.cleaned_data[f"group_{group.pk}"] for group in self.groups}


class CancelInvoiceForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(BootstrapFormMixin, forms.Form):
    """The customer's answer to an estimate on the status page."""

    APPROVE, DECLINE = "approve", "decline"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    signed_name = forms.CharField(
        label=_("Your name, as your signature"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    answer = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (DECLINE, _("Decline"))])


class ReportForm(BootstrapFormMixin, forms.Form):
    """A report's period: every value travels in the URL."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("“To” can’t be before “From”."))
        return cleaned
