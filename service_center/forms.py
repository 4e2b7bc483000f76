"""Form parts every app uses: Bootstrap markup (the site's FORM_RENDERER and a widget mixin), email and date checks."""

import datetime
import unicodedata

from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email


def visible_text(value: str) -> str:
    """Text as people see it: invisible format characters (zero-width spaces, right-to-left overrides) removed
    and runs of white space made one space. A serial number with a hidden character is not a new serial number,
    and a name cannot be disguised in a list."""
    return " ".join("".join(char for char in value if unicodedata.category(char) != "Cf").split())


def clean_email_address(value):
    """The address checked and normalised by email-validator, or a ValidationError saying what is wrong."""
    try:
        return validate_email(value, check_deliverability=settings.EMAIL_CHECK_DELIVERABILITY).normalized
    except EmailNotValidError as error:
        raise forms.ValidationError(str(error), code="invalid") from error


EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def validate_calendar_range(value):
    """A date (or date and time) people type is between 1900 and 2999.

    Outside that it is a typo or a probe, and at the calendar's very ends the code breaks: the day after
    9999-12-31 (the end of a date range) and 0001-01-01 moved to UTC do not exist (OverflowError, a 500).
    """
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class BootstrapFormRenderer(TemplatesSetting):
    """Renders `{{ form }}` and `{{ field.as_field_group }}` with our Bootstrap templates."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


class BootstrapFormMixin:
    """Gives widgets Bootstrap's classes and, once validated, marks invalid fields for assistive technology."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            attrs = self.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            described_by = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described_by.append(f"{bound.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described_by)
