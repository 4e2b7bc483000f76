import datetime
import uuid

from django import forms
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ServiceItem, Status, technicians
from service_center.forms import BootstrapFormMixin, clean_email_address, validate_calendar_range

ITEM_FIELDS = [
    "customer_name",
    "customer_phone",
    "customer_email",
    "item",
    "item_type",
    "brand",
    "model",
    "serial_number",
    "requested_service",
    "accessories",
    "priority",
    "promised_on",
    "received_at",
]


class ServiceItemForm(BootstrapFormMixin, forms.ModelForm):
    """The item's details, as the counter takes them in and as staff edit them later."""

    class Meta:
        model = ServiceItem
        fields = ITEM_FIELDS
        widgets = {
            "requested_service": forms.Textarea(attrs={"rows": 3}),
            "promised_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "received_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "customer_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Browsers enforce these too, but the server checks every one of them again (the model's max_length).
        self.fields["requested_service"].widget.attrs["maxlength"] = "2000"
        for name in ("promised_on", "received_at"):
            self.fields[name].validators.append(validate_calendar_range)

    def clean_customer_email(self):
        email = self.cleaned_data["customer_email"]
        return clean_email_address(email) if email else ""

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("The date received can’t be in the future."), code="future")
        return received_at

    def clean(self):
        cleaned = super().clean()
        received_at, promised_on = cleaned.get("received_at"), cleaned.get("promised_on")
        if received_at and promised_on and promised_on < timezone.localtime(received_at).date():
            self.add_error("promised_on", _("The promised date can’t be before the date received."))
        return cleaned


# A hidden field that arrives missing or altered: the page was not the one we sent.
_EXPIRED = _("This form is out of date. Reload the page and enter your changes again.")
FORM_EXPIRED_MESSAGES = {"required": _EXPIRED, "invalid": _EXPIRED, "min_value": _EXPIRED}


class TakeInForm(ServiceItemForm):
    assigned_to = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assigned technician"), empty_label=_("Not assigned yet")
    )
    intake_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, error_messages=FORM_EXPIRED_MESSAGES)

    field_order = ["customer_name", "customer_phone", "customer_email", "item", "item_type", "brand", "model"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians()
        self.fields["customer_name"].widget.attrs["autofocus"] = True


class EditForm(ServiceItemForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages=FORM_EXPIRED_MESSAGES)


class StatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000, widget=forms.TextInput())

    def __init__(self, *args, item, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(status.value, status.label) for status in item.allowed_next_statuses(user)]


class AssignForm(BootstrapFormMixin, forms.Form):
    assigned_to = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assigned technician"), empty_label=_("Not assigned")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians()


class NoteForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class LogbookFilterForm(BootstrapFormMixin, forms.Form):
    """Search, filters and sort of the logbook; every value travels in the URL."""

    UNASSIGNED = "none"
    SORTS = {
        "-received": ("-received_at", "-id"),
        "received": ("received_at", "id"),
        "-number": ("-id",),
        "number": ("id",),
    }

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Control number, customer name, phone or serial number."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    technician = forms.ChoiceField(label=_("Technician"), required=False)
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_calendar_range],
    )
    received_to = forms.DateField(
        label=_("Received to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_calendar_range],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-received", _("Newest first")),
            ("received", _("Oldest first")),
            ("-number", _("Control number, high to low")),
            ("number", _("Control number, low to high")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Cached for a minute: the busiest page needs the list on every load, and it changes only when a manager
        # moves someone in or out of the Technicians group.
        people = cache.get_or_set(
            "logbook:technician-choices", lambda: [(str(user.pk), str(user)) for user in technicians()], 60
        )
        self.fields["technician"].choices = [("", _("Anyone")), (self.UNASSIGNED, _("Not assigned")), *people]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("“Received to” can’t be before “Received from”."))
        return cleaned

    def filter(self, queryset, *, by_status=True):
        """The queryset narrowed by this (valid) form; by_status=False leaves the status filter out."""
        data = self.cleaned_data
        queryset = queryset.search(data.get("q") or "")
        if by_status and data.get("status"):
            queryset = queryset.filter(status=data["status"])
        technician = data.get("technician")
        if technician == self.UNASSIGNED:
            queryset = queryset.filter(assigned_to__isnull=True)
        elif technician:
            queryset = queryset.filter(assigned_to_id=int(technician))
        tz = timezone.get_current_timezone()
        if data.get("received_from"):
            start = datetime.datetime.combine(data["received_from"], datetime.time.min, tzinfo=tz)
            queryset = queryset.filter(received_at__gte=start)
        if data.get("received_to"):
            end = datetime.datetime.combine(
                data["received_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            queryset = queryset.filter(received_at__lt=end)
        return queryset.order_by(*self.SORTS[data.get("sort") or "-received"])
