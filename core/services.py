"""Writes to the logbook. Each one is atomic and leaves an entry in the item's timeline."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core import signals
from core.models import ServiceEvent, ServiceItem, Status
from customers import services as customers
from service_center.history import describe, label


class LogbookError(Exception):
    """A write the logbook refuses; the message is for the user."""


class StaleEdit(LogbookError):
    """Someone else saved the item after this form was opened."""

    def __init__(self, current: ServiceItem, changes: dict[str, list[str]]):
        self.current = current
        self.changes = changes  # {field label: [what the form saw, what is saved now]}
        super().__init__(_("Someone else saved this item after you opened the form. Your changes were not saved."))


def _lock(item_pk: int) -> ServiceItem:
    return ServiceItem.objects.select_for_update().get(pk=item_pk)


def _lock_open(item_pk: int) -> ServiceItem:
    """The item, locked, unless it is released or cancelled: then only notes may be added."""
    item = _lock(item_pk)
    if item.is_closed:
        raise LogbookError(_("This item is closed; only notes can be added."))
    return item


def _save_with_history(
    item: ServiceItem, values: dict, *, actor: AbstractUser, kind: ServiceEvent.Kind, note: str = ""
) -> None:
    """Set `values` on the locked item and, if anything really changed, save it and record old -> new."""
    changes = {}
    for name, value in values.items():
        before = describe(item, name)
        setattr(item, name, value)
        after = describe(item, name)
        if before != after:
            changes[label(item, name)] = [before, after]
    if not changes:
        return
    item.version += 1
    item.save(update_fields=[*values, "version", "updated_at"])
    ServiceEvent.objects.create(item=item, actor=actor, kind=kind, changes=changes, note=note)


def take_in(
    *,
    item: ServiceItem,
    received_by: AbstractUser,
    intake_token: uuid.UUID,
    new_customer: dict | None = None,
    new_piece: dict | None = None,
) -> tuple[ServiceItem, bool]:
    """Save a new job taken in at the counter. Returns (item, created).

    `item` has its customer and equipment set, or `new_customer` ({name, phone, email, consent}) and `new_piece`
    ({kind, brand, model, serial_number}) say who and what they are: a customer with that phone number and a
    piece with that brand and serial number are found and reused, others are created, all in the job's
    transaction. The same intake_token twice (a double click, or back and resubmit) returns the first job,
    created=False, and creates nothing.
    """
    existing = ServiceItem.objects.filter(intake_token=intake_token).first()
    if existing is not None:
        return existing, False
    item.received_by = received_by
    item.intake_token = intake_token
    item.status = Status.RECEIVED
    try:
        with transaction.atomic():
            if new_customer is not None:
                item.customer, _created = customers.find_or_create_customer(**new_customer, actor=received_by)
            if new_piece is not None:
                item.equipment, _created = customers.find_or_create_equipment(
                    owner=item.customer, **new_piece, actor=received_by
                )
            item.save()
            ServiceEvent.objects.create(item=item, actor=received_by, kind=ServiceEvent.Kind.CREATED)
            signals.item_taken_in.send(sender=ServiceItem, item=item, actor=received_by)
    except IntegrityError:
        existing = ServiceItem.objects.filter(intake_token=intake_token).first()
        if existing is None:
            raise
        return existing, False
    return item, True


@transaction.atomic
def change_status(
    *, item_pk: int, to_status: str, actor: AbstractUser, note: str = "", request: HttpRequest | None = None
) -> ServiceItem:
    """Move the item on in the workflow. `request`, when a person asked for it on a page, travels with the signals
    (a receiver that audits the change records the client's address)."""
    item = _lock(item_pk)
    if to_status not in item.allowed_next_statuses(actor):
        if to_status in item.allowed_next_statuses():  # the workflow allows it; this person may not
            raise LogbookError(_("Only a manager can cancel an item."))
        raise LogbookError(
            _("An item that is “%(current)s” can’t go to “%(new)s”.")
            % {"current": item.get_status_display(), "new": dict(Status.choices).get(to_status, to_status)}
        )
    signals.status_changing.send(
        sender=ServiceItem, item=item, to_status=to_status, actor=actor, note=note, request=request
    )
    from_status = item.status
    _save_with_history(item, {"status": to_status}, actor=actor, kind=ServiceEvent.Kind.STATUS, note=note)
    signals.status_changed.send(
        sender=ServiceItem,
        item=item,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
        request=request,
    )
    return item


@transaction.atomic
def assign(*, item_pk: int, technician: AbstractUser | None, actor: AbstractUser) -> ServiceItem:
    item = _lock_open(item_pk)
    _save_with_history(item, {"assigned_to": technician}, actor=actor, kind=ServiceEvent.Kind.ASSIGNED)
    return item


@transaction.atomic
def update_item(*, item_pk: int, data: dict, expected_version: int, actor: AbstractUser) -> ServiceItem:
    """Save edited fields, unless the item changed since the form was opened (version) or is closed."""
    item = _lock_open(item_pk)
    if item.version != expected_version:
        raise StaleEdit(item, _changes_since(item, data))
    _save_with_history(item, data, actor=actor, kind=ServiceEvent.Kind.EDITED)
    return item


def _changes_since(current: ServiceItem, data: dict) -> dict[str, list[str]]:
    """{label: [the user's value, the saved value]} for fields where they differ: what a stale form missed."""
    submitted = ServiceItem(**data)
    differences = {}
    for name in data:
        mine, saved = describe(submitted, name), describe(current, name)
        if mine != saved:
            differences[label(current, name)] = [mine, saved]
    return differences


def record_event(
    *, item: ServiceItem, kind: str, actor: AbstractUser | None = None, note: str = "", changes: dict | None = None
) -> ServiceEvent:
    """Add an entry to an item's timeline on behalf of another app (a message sent, a payment taken, ...).

    Call it inside the transaction that makes the change it records.
    """
    return ServiceEvent.objects.create(item=item, actor=actor, kind=kind, note=note, changes=changes or {})


@transaction.atomic
def add_note(*, item_pk: int, text: str, actor: AbstractUser) -> ServiceEvent:
    item = _lock(item_pk)
    return ServiceEvent.objects.create(item=item, actor=actor, kind=ServiceEvent.Kind.NOTE, note=text)


@transaction.atomic
def delete_mistaken(*, item_pk: int, actor: AbstractUser) -> str:
    """Delete an item entered by mistake. Only items nobody has worked on yet can go; others are cancelled."""
    item = _lock(item_pk)
    if item.status != Status.RECEIVED or item.events.exclude(kind=ServiceEvent.Kind.CREATED).exists():
        raise LogbookError(
            _("Only an item entered by mistake, with no work recorded on it, can be deleted. Cancel it instead.")
        )
    number = item.control_number
    item.delete()
    return number
