"""The customers' forms: search, a customer's details and phones, a piece of equipment, picking another customer."""

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import search
from customers.models import ConsentMethod, Customer, CustomerPhone, Equipment, EquipmentType
from customers.services import DETAIL_FIELDS, EQUIPMENT_FIELDS
from service_center.forms import BootstrapFormMixin, clean_email_address, validate_calendar_range, visible_text

# A customer has up to three numbers on the form (more only after a merge brought them: those are all shown).
PHONE_FIELDS = 3
SEARCH_MAX_LENGTH = 100


class CustomerSearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, phone, email, serial number, job…")}),
    )
    erased = forms.BooleanField(label=_("Show erased customers"), required=False)

    def filter(self, customers):
        text = self.cleaned_data["q"].strip()
        if not self.cleaned_data["erased"]:
            customers = customers.filter(erased_at__isnull=True)
        return customers.search(text) if text else customers


def customer_link(customer: Customer, user) -> str:
    """The customer's name, linked to their page for someone who may see it."""
    if user is not None and user.has_perm("customers.view_customer"):
        return format_html('<a href="{}">{}</a>', customer.get_absolute_url(), customer.name)
    return format_html("{}", _("another customer"))


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    """A customer's details, phone numbers and consent. `version` is the one the form was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = Customer
        fields = [*DETAIL_FIELDS, "consent", "consent_method"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"consent_method": _("How consent was given")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        existing = list(self.instance.phones.all()) if self.instance.pk else []
        self.phone_names = [f"phone_{n}" for n in range(1, max(PHONE_FIELDS, len(existing)) + 1)]
        for position, name in enumerate(self.phone_names):
            field = forms.CharField(
                label=_("Phone") if position == 0 else _("Another phone"),
                required=False,
                max_length=CustomerPhone._meta.get_field("as_typed").max_length,
                # Added after BootstrapFormMixin styled the model's fields: given its class here.
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "class": "form-control"}),
            )
            if position < len(existing):
                field.initial = existing[position].as_typed
            self.fields[name] = field
        self.order_fields(["name", *self.phone_names, "email"])
        self.fields["consent_method"].required = False
        # An edit must say which version it started from (optimistic locking); a new customer has none.
        self.fields["version"].required = self.instance.pk is not None
        self.fields["name"].widget.attrs["autofocus"] = True

    @property
    def phone_fields(self):
        return [self[name] for name in self.phone_names]

    @property
    def other_fields(self):
        return [self[name] for name in self.fields if name not in self.phone_names and name != "version"]

    def clean_name(self):
        return visible_text(self.cleaned_data["name"])

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        return clean_email_address(email) if email else ""

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for name in self.phone_names:
            as_typed = " ".join(cleaned.get(name, "").split())
            cleaned[name] = as_typed
            if not as_typed:
                continue
            e164 = search.parse_phone(as_typed)
            if e164 is None:
                self.add_error(name, _("This is not a phone number we can read: type it with its area code."))
                continue
            if e164 in seen:
                self.add_error(name, _("This is the same number as above."))
                continue
            seen[e164] = as_typed
            taken = CustomerPhone.objects.select_related("customer").filter(number=e164)
            if self.instance.pk:
                taken = taken.exclude(customer=self.instance)
            phone = taken.first()
            if phone is not None:
                self.add_error(name, self.taken_message(phone.customer))
        if cleaned.get("consent") and not cleaned.get("consent_method"):
            cleaned["consent_method"] = ConsentMethod.COUNTER
        if not cleaned.get("consent"):
            cleaned["consent_method"] = ""
        return cleaned

    def taken_message(self, owner: Customer | None):
        if owner is None:
            return _("This number is taken by another customer.")
        return format_html("{} {}", _("This number is taken by"), customer_link(owner, self.user))

    @property
    def phones(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.phone_names if self.cleaned_data.get(name)]

    @property
    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS}


class EquipmentForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Equipment
        fields = list(EQUIPMENT_FIELDS)
        widgets = {"purchased_on": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The types offered at take-in, and the piece's own type even when it is no longer offered.
        types = EquipmentType.objects.filter(active=True)
        if self.instance.pk:
            types = EquipmentType.objects.filter(pk=self.instance.kind_id) | types
        self.fields["kind"].queryset = types.distinct()

    def clean_brand(self):
        return visible_text(self.cleaned_data["brand"])

    def clean_serial_number(self):
        return visible_text(self.cleaned_data["serial_number"])

    def clean_purchased_on(self):
        day = self.cleaned_data["purchased_on"]
        if day is None:
            return day
        validate_calendar_range(day)
        if day > timezone.localdate():
            raise forms.ValidationError(_("The purchase date cannot be in the future."), code="future")
        return day

    def clean(self):
        # The model's own unique check is an expression constraint: its message would not say whose piece it is.
        cleaned = super().clean()
        brand, serial = cleaned.get("brand"), cleaned.get("serial_number")
        if brand and serial:
            taken = Equipment.objects.select_related("owner").filter(brand__iexact=brand, serial_number__iexact=serial)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            piece = taken.first()
            if piece is not None:
                self.add_error("serial_number", self.taken_message(piece))
        return cleaned

    def _get_validation_exclusions(self):
        # clean() says whose piece it is; the model's constraint check would add a second, wordless error. The
        # constraint itself still holds in the database (the service turns a race into the same message).
        return {*super()._get_validation_exclusions(), "serial_number"}

    def taken_message(self, piece: Equipment):
        return format_html(
            "{} {}", _("This brand and serial number are already registered to"), customer_link(piece.owner, self.user)
        )

    @property
    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in EQUIPMENT_FIELDS}


class PickCustomerForm(forms.Form):
    """The other customer of a merge or a transfer: one the page's search found (not erased, not this one)."""

    other = forms.ModelChoiceField(
        queryset=Customer.objects.filter(erased_at__isnull=True),
        error_messages={"invalid_choice": _("That customer no longer exists or was erased: search again.")},
    )

    def __init__(self, *args, exclude: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.exclude = exclude

    def clean_other(self):
        other = self.cleaned_data["other"]
        if other.pk == self.exclude.pk:
            raise forms.ValidationError(_("Pick another customer than this one."), code="same")
        return other
