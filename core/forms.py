import datetime
import uuid

from django import forms
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ServiceItem, Status, technicians
from customers import search
from customers import services as customers
from customers.models import Customer, Equipment, EquipmentType
from service_center.forms import BootstrapFormMixin, clean_email_address, validate_calendar_range, visible_text

# The job's own fields; who brought it and what it is are the customer's and the equipment's records.
ITEM_FIELDS = [
    "item",
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
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Browsers enforce these too, but the server checks every one of them again (the model's max_length).
        self.fields["requested_service"].widget.attrs["maxlength"] = "2000"
        for name in ("promised_on", "received_at"):
            self.fields[name].validators.append(validate_calendar_range)

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
    """Who it is, which piece, and the job: a known customer and piece are picked, a new one is typed in here."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(erased_at__isnull=True),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That customer no longer exists. Search for them again.")},
    )
    # A new customer, when none was picked.
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("Email"), max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    consent = forms.BooleanField(
        label=_("Agrees to service messages (taken in, ready for pickup, service reminders)"), required=False
    )
    # One of the customer's pieces, or a new one.
    equipment = forms.ModelChoiceField(
        queryset=Equipment.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        label=_("Equipment"),
        empty_label=None,
        error_messages={"invalid_choice": _("Pick one of this customer’s pieces, or add a new one.")},
    )
    kind = forms.ModelChoiceField(
        queryset=EquipmentType.objects.filter(active=True), required=False, label=_("Type"), empty_label="—"
    )
    brand = forms.CharField(label=_("Brand"), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    serial_number = forms.CharField(
        label=_("Serial number"),
        max_length=60,
        required=False,
        help_text=_("As printed on the item, letters and zeros too."),
    )
    assigned_to = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assigned technician"), empty_label=_("Not assigned yet")
    )
    intake_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, error_messages=FORM_EXPIRED_MESSAGES)

    NEW_CUSTOMER_FIELDS = ("name", "phone", "email", "consent")
    NEW_PIECE_FIELDS = ("kind", "brand", "model", "serial_number")

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians()
        self.chosen_customer = customer
        if customer is None and self.is_bound:
            customer_id = self.data.get("customer")
            if customer_id and str(customer_id).isdigit():
                customer = Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first()
                self.chosen_customer = customer
        if customer is not None:
            self.initial.setdefault("customer", customer.pk)
            pieces = customer.equipment.select_related("kind").order_by("-created_at", "-id")
            self.fields["equipment"].queryset = pieces
            latest = self.latest_piece(customer)
            if latest is not None:
                self.initial.setdefault("equipment", latest)
            self.fields["requested_service"].widget.attrs["autofocus"] = True

    @staticmethod
    def latest_piece(customer):
        """The piece the customer brought last (most often the one they bring again), else their newest."""
        job = customer.service_items.order_by("-received_at", "-id").values_list("equipment_id", flat=True).first()
        return job or customer.equipment.order_by("-created_at", "-id").values_list("pk", flat=True).first()

    def clean_name(self):
        return visible_text(self.cleaned_data["name"])

    def clean_brand(self):
        return visible_text(self.cleaned_data["brand"])

    def clean_model(self):
        return visible_text(self.cleaned_data["model"])

    def clean_serial_number(self):
        return visible_text(self.cleaned_data["serial_number"])

    def clean_email(self):
        email = self.cleaned_data["email"]
        return clean_email_address(email) if email else ""

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and search.parse_phone(phone) is None:
            raise forms.ValidationError(
                _("This doesn’t read as a phone number. Type it with its area code, e.g. (202) 555-0143."),
                code="invalid_phone",
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is None and not self.has_error("customer"):
            if not cleaned.get("name"):
                self.add_error("name", _("Pick a customer above, or type the new customer’s name."))
            if not cleaned.get("phone") and not cleaned.get("email") and not self.has_error("phone"):
                self.add_error("phone", _("A new customer needs a phone number or an email address."))
        if cleaned.get("equipment") is None and cleaned.get("serial_number") and cleaned.get("brand"):
            self.use_known_piece(cleaned, customer)
        if cleaned.get("equipment") is None and not self.has_error("equipment"):
            if not cleaned.get("kind"):
                if customer is None:
                    self.add_error("kind", _("Pick the new piece’s type."))
                else:
                    self.add_error("kind", _("Pick one of the customer’s pieces, or the type of a new one."))
            if not cleaned.get("brand"):
                self.add_error("brand", _("Type the new piece’s brand."))
        return cleaned

    def use_known_piece(self, cleaned, customer):
        """A "new" piece whose brand and serial number the shop knows: the customer's own is used; another
        customer's is refused (a piece changes hands on its page, deliberately, never as a side effect)."""
        piece = (
            Equipment.objects.select_related("owner")
            .filter(brand__iexact=cleaned["brand"], serial_number__iexact=cleaned["serial_number"])
            .first()
        )
        if piece is None:
            return
        if customer is not None and piece.owner_id == customer.pk:
            cleaned["equipment"] = piece
            return
        if customer is None and cleaned.get("phone"):
            # A "new" customer whose number is the piece's owner's is that owner (the service finds both).
            known = customers.find_customer_by_phone(cleaned["phone"])
            if known is not None and known.pk == piece.owner_id:
                return
        self.add_error(
            "serial_number",
            _(
                "The shop knows this %(brand)s %(serial)s as %(owner)s’s. If it was sold, move it to its new owner "
                "on the customer’s page (Sold…) first."
            )
            % {"brand": piece.brand, "serial": piece.serial_number, "owner": piece.owner.name},
        )

    def new_customer(self):
        return {name: self.cleaned_data[name] for name in self.NEW_CUSTOMER_FIELDS}

    def new_piece(self):
        return {name: self.cleaned_data[name] for name in self.NEW_PIECE_FIELDS}


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
        help_text=_("Control number, name, phone (any formatting), email, serial number, brand, model or fault."),
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
