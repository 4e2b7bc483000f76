"""How a change reads in a record's history (a job's timeline, a customer's history): {label: [old, new]}."""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _


def label(model: type[models.Model] | models.Model, field_name: str) -> str:
    """A field's name as people read it: "Accessories left with the item"."""
    return str(model._meta.get_field(field_name).verbose_name).capitalize()


def describe(instance: models.Model, field_name: str) -> str:
    """A field's value as people read it: a choice's label, Yes/No, a local date and time, "" for nothing."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field_name)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
