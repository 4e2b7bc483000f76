"""Writes to customers and their equipment. Each is atomic, leaves a history entry, and tells the apps built on
customers what changed through customers.signals (inside the same transaction)."""

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import search, signals
from customers.models import (
    ConsentMethod,
    Customer,
    CustomerEvent,
    CustomerPhone,
    Equipment,
    EquipmentType,
    Ownership,
)


class CustomerError(Exception):
    """A write customers refuses; the message is for the user."""


def find_customer_by_phone(as_typed: str) -> Customer | None:
    """The customer who has this number, however it is typed."""
    e164 = search.parse_phone(as_typed)
    if e164 is None:
        return None
    phone = CustomerPhone.objects.select_related("customer").filter(number=e164).first()
    return phone.customer if phone else None


def find_or_create_customer(
    *, name: str, phone: str, email: str = "", consent: bool = False, actor: AbstractUser
) -> tuple[Customer, bool]:
    """The customer with this phone number, or a new one. Returns (customer, created).

    Two clerks taking in the same new customer at once make one customer: the phone number is unique, and the
    second insert finds the first one's row.
    """
    existing = find_customer_by_phone(phone) if phone else None
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            customer = Customer.objects.create(name=name, email=email, created_by=actor)
            if consent:
                _set_consent(customer, True, ConsentMethod.COUNTER)
                customer.save(update_fields=["consent", "consent_at", "consent_method"])
            if phone:
                CustomerPhone.objects.create(customer=customer, number=search.parse_phone(phone), as_typed=phone)
            customer.refresh_search_document()
            CustomerEvent.objects.create(customer=customer, actor=actor, kind=CustomerEvent.Kind.CREATED)
    except IntegrityError:
        existing = find_customer_by_phone(phone) if phone else None
        if existing is None:
            raise
        return existing, False
    return customer, True


def _set_consent(customer: Customer, consent: bool, method: str) -> None:
    customer.consent = consent
    customer.consent_at = timezone.now() if consent else None
    customer.consent_method = method if consent else ""


def find_or_create_equipment(
    *,
    owner: Customer,
    kind: EquipmentType,
    brand: str,
    model: str = "",
    serial_number: str = "",
    actor: AbstractUser,
) -> tuple[Equipment, bool]:
    """The piece with this brand and serial number, or a new one owned by `owner`. Returns (piece, created).

    A piece with a serial number that another customer owned changes hands: the old ownership ends, a new one
    starts, and both customers' histories say so.
    """
    serial_number = serial_number.strip()
    if serial_number:
        piece = Equipment.objects.filter(brand__iexact=brand, serial_number__iexact=serial_number).first()
        if piece is not None:
            if piece.owner_id != owner.pk:
                transfer_equipment(piece=piece, to=owner, actor=actor)
            return piece, False
    try:
        with transaction.atomic():
            piece = Equipment.objects.create(
                owner=owner, kind=kind, brand=brand, model=model, serial_number=serial_number
            )
            Ownership.objects.create(equipment=piece, customer=owner, started_at=piece.created_at)
    except IntegrityError:  # the same piece, registered by someone else a moment ago
        piece = Equipment.objects.filter(brand__iexact=brand, serial_number__iexact=serial_number).first()
        if piece is None:
            raise
        if piece.owner_id != owner.pk:
            transfer_equipment(piece=piece, to=owner, actor=actor)
        return piece, False
    CustomerEvent.objects.create(
        customer=owner, actor=actor, kind=CustomerEvent.Kind.EQUIPMENT, note=_("Added %(piece)s.") % {"piece": piece}
    )
    owner.refresh_search_document()
    return piece, True


@transaction.atomic
def transfer_equipment(*, piece: Equipment, to: Customer, actor: AbstractUser) -> Equipment:
    """Record that `piece` now belongs to `to` (it was sold or given): who owned it when is kept."""
    piece = Equipment.objects.select_for_update().get(pk=piece.pk)
    previous = piece.owner
    if previous.pk == to.pk:
        return piece
    now = timezone.now()
    Ownership.objects.filter(equipment=piece, ended_at__isnull=True).update(ended_at=now)
    Ownership.objects.create(equipment=piece, customer=to, started_at=now)
    piece.owner = to
    piece.save(update_fields=["owner"])
    CustomerEvent.objects.create(
        customer=previous,
        actor=actor,
        kind=CustomerEvent.Kind.EQUIPMENT,
        note=_("%(piece)s now belongs to another customer.") % {"piece": piece},
    )
    CustomerEvent.objects.create(
        customer=to,
        actor=actor,
        kind=CustomerEvent.Kind.EQUIPMENT,
        note=_("%(piece)s came from another customer.") % {"piece": piece},
    )
    previous.refresh_search_document()
    to.refresh_search_document()
    signals.equipment_changed.send(sender=Equipment, equipment=piece)
    return piece
