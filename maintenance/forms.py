import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import EquipmentType
from maintenance.models import MAX_INTERVAL_MONTHS, ServiceClock
from service_center.forms import BootstrapFormMixin


class DueListFilterForm(BootstrapFormMixin, forms.Form):
    """The due list's filters; every one lives in the URL."""

    weeks = forms.IntegerField(
        label=_("Falling due within (weeks)"),
        min_value=1,
        max_value=104,
        required=False,
        help_text=_("Overdue gear is always shown."),
    )
    kind = forms.ModelChoiceField(
        label=_("Equipment type"), queryset=EquipmentType.objects.none(), required=False, empty_label=_("Any type")
    )
    clock = forms.ModelChoiceField(
        label=_("Clock"), queryset=ServiceClock.objects.none(), required=False, empty_label=_("Any clock")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weeks"].widget.attrs["placeholder"] = str(settings.SERVICE_DUE_WEEKS)
        self.fields["kind"].queryset = EquipmentType.objects.filter(service_clocks__isnull=False).distinct()
        self.fields["clock"].queryset = ServiceClock.objects.in_force().select_related("equipment_type")
        self.fields["clock"].label_from_instance = str

    def horizon(self, today: datetime.date) -> datetime.date:
        if self.cleaned_data.get("overdue"):
            return today - datetime.timedelta(days=1)
        weeks = self.cleaned_data.get("weeks") or settings.SERVICE_DUE_WEEKS
        return today + datetime.timedelta(weeks=weeks)

    def filter(self, rows):
        if kind := self.cleaned_data.get("kind"):
            rows = rows.filter(clock__equipment_type=kind)
        if clock := self.cleaned_data.get("clock"):
            rows = rows.filter(clock=clock)
        return rows


class JobClocksForm(forms.Form):
    """The clocks a job resets at release, ticked by the technician."""

    clocks = forms.ModelMultipleChoiceField(
        label=_("This job resets"),
        queryset=ServiceClock.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Applied when the job is released, dated that day."),
    )

    def __init__(self, *args, clocks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clocks"].queryset = ServiceClock.objects.filter(pk__in=[clock.pk for clock in clocks])
        self.fields["clocks"].label_from_instance = lambda clock: clock.name


class OutsideServiceForm(BootstrapFormMixin, forms.Form):
    """Service a piece had somewhere else: it resets the clocks as the shop's own would."""

    clocks = forms.ModelMultipleChoiceField(
        label=_("What was done"), queryset=ServiceClock.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    done_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    done_by = forms.CharField(label=_("Done by"), max_length=120, help_text=_("The shop or service centre."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, clocks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clocks"].queryset = ServiceClock.objects.filter(pk__in=[clock.pk for clock in clocks])
        self.fields["clocks"].label_from_instance = lambda clock: clock.name
        # Bootstrap's form-control does not suit a list of checkboxes.
        self.fields["clocks"].widget.attrs.pop("class", None)

    def clean_done_on(self):
        done_on = self.cleaned_data["done_on"]
        if done_on > timezone.localdate():
            raise forms.ValidationError(_("The date can’t be in the future."), code="future")
        if done_on.year < 1950:
            raise forms.ValidationError(_("Enter a date after 1950."), code="too_old")
        return done_on


class OwnIntervalForm(BootstrapFormMixin, forms.Form):
    """A piece's own interval for one clock (its maker's); empty returns to the plan's."""

    months = forms.IntegerField(
        label=_("Own interval (months)"),
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
        required=False,
        help_text=_("Empty: the plan’s interval."),
    )


class GearPageForm(forms.Form):
    enabled = forms.BooleanField(required=False)
