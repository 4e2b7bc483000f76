"""Writes to customers and their equipment. Each is atomic, leaves a history entry, and tells the apps built on
customers what changed through customers.signals (inside the same transaction)."""

from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEvent
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
from service_center.history import describe, label


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
    """The owner's piece with this brand and serial number, or a new one. Returns (piece, created).

    A piece another customer owns is refused (PieceOwnedElsewhere): it changes hands only through
    transfer_equipment, on purpose, with both customers' histories saying so.
    """
    serial_number = serial_number.strip()
    if serial_number:
        piece = _known_piece(brand=brand, serial_number=serial_number, owner=owner)
        if piece is not None:
            return piece, False
    try:
        with transaction.atomic():
            piece = Equipment.objects.create(
                owner=owner, kind=kind, brand=brand, model=model, serial_number=serial_number
            )
            Ownership.objects.create(equipment=piece, customer=owner, started_at=piece.created_at)
    except IntegrityError:  # the same piece, registered by someone else a moment ago
        piece = _known_piece(brand=brand, serial_number=serial_number, owner=owner)
        if piece is None:
            raise
        return piece, False
    CustomerEvent.objects.create(
        customer=owner, actor=actor, kind=CustomerEvent.Kind.EQUIPMENT, note=_("Added %(piece)s.") % {"piece": piece}
    )
    owner.refresh_search_document()
    return piece, True


class PieceOwnedElsewhere(CustomerError):
    """The brand and serial number typed are another customer's piece."""


def _known_piece(*, brand: str, serial_number: str, owner: Customer) -> Equipment | None:
    piece = Equipment.objects.select_related("owner").filter(brand__iexact=brand, serial_number__iexact=serial_number)
    piece = piece.first()
    if piece is not None and piece.owner_id != owner.pk:
        raise PieceOwnedElsewhere(
            _("The shop knows this %(brand)s %(serial)s as another customer’s. If it was sold, move it on the "
              "customer’s page (Sold…) first.") % {"brand": piece.brand, "serial": piece.serial_number}
        )  # fmt: skip
    return piece


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


# Pages' writes: create and edit a customer, their pieces, merge two records, export and erase ------------------

# The customer's own fields a form edits (phones and consent are handled apart).
DETAIL_FIELDS = ("name", "email", "address", "notes", "preferred_channel")


class StaleEdit(CustomerError):
    """Someone else saved the customer after this form was opened."""

    def __init__(self, current: Customer, changes: dict[str, list[str]]):
        self.current = current
        self.changes = changes  # {field label: [what the form sent, what is saved now]}
        super().__init__(_("Someone else saved this customer after you opened the form. Your changes were not saved."))


class PhoneTaken(CustomerError):
    """A number typed for one customer already belongs to another (found when saving, after the form's check)."""

    def __init__(self, as_typed: str, owner: Customer | None):
        self.as_typed = as_typed
        self.owner = owner
        super().__init__(_("The number %(phone)s is taken by another customer.") % {"phone": as_typed})


def _phones_text(customer: Customer) -> str:
    return ", ".join(phone.as_typed for phone in customer.phones.all())


def _customer_snapshot(customer: Customer, *, phones: str | None = None) -> dict[str, str]:
    """{label: value} of everything an edit may change, for the history entry and a stale form's report."""
    snapshot = {label(Customer, name): describe(customer, name) for name in DETAIL_FIELDS}
    snapshot[str(_("Phones"))] = _phones_text(customer) if phones is None else phones
    snapshot[label(Customer, "consent")] = describe(customer, "consent")
    snapshot[str(_("Consent given by"))] = describe(customer, "consent_method")
    return snapshot


def _differences(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {label: [before[label], after[label]] for label in before if before[label] != after[label]}


def _write_phones(customer: Customer, phones: list[str]) -> None:
    """Make the customer's numbers these, in this order; a number kept keeps its label.

    Numbers are unique: one that another customer took meanwhile is refused with PhoneTaken.
    """
    current = {phone.number.as_e164 if phone.number else phone.as_typed: phone for phone in customer.phones.all()}
    wanted = []
    for as_typed in phones:
        e164 = search.parse_phone(as_typed)
        if e164 is None:
            raise CustomerError(_("%(phone)s is not a phone number we can read.") % {"phone": as_typed})
        wanted.append((e164, as_typed))
    keep = {e164 for e164, _typed in wanted}
    CustomerPhone.objects.filter(pk__in=[p.pk for key, p in current.items() if key not in keep]).delete()
    for position, (e164, as_typed) in enumerate(wanted):
        phone = current.get(e164)
        try:
            with transaction.atomic():
                if phone is None:
                    CustomerPhone.objects.create(customer=customer, number=e164, as_typed=as_typed, position=position)
                else:
                    phone.as_typed, phone.position = as_typed, position
                    phone.save(update_fields=["as_typed", "position"])
        except IntegrityError as error:
            raise PhoneTaken(as_typed, find_customer_by_phone(e164)) from error
    if hasattr(customer, "_prefetched_objects_cache"):
        customer._prefetched_objects_cache.pop("phones", None)


def _apply_consent(customer: Customer, consent: bool, method: str) -> bool:
    """Set consent as the form says; consent_at is when it was turned on. Returns whether consent changed."""
    if consent == customer.consent:
        if consent:
            customer.consent_method = method
        return False
    _set_consent(customer, consent, method or ConsentMethod.COUNTER)
    return True


def _consent_event(customer: Customer, actor: AbstractUser | None) -> None:
    note = _("Agrees to service messages (%(method)s).") % {"method": customer.get_consent_method_display()}
    CustomerEvent.objects.create(
        customer=customer,
        actor=actor,
        kind=CustomerEvent.Kind.CONSENT,
        note=note if customer.consent else _("No longer agrees to service messages."),
    )


def _changed(customer: Customer) -> None:
    """What every change to a customer's name, phones, email or gear ends with (inside the transaction)."""
    customer.refresh_search_document()
    signals.customer_changed.send(sender=Customer, customer=customer)


@transaction.atomic
def create_customer(
    *, data: dict, phones: list[str], consent: bool = False, consent_method: str = "", actor: AbstractUser
) -> Customer:
    """A new customer with these details (`data`: DETAIL_FIELDS) and phone numbers (as typed)."""
    customer = Customer.objects.create(**{name: data.get(name, "") for name in DETAIL_FIELDS}, created_by=actor)
    _write_phones(customer, phones)
    CustomerEvent.objects.create(customer=customer, actor=actor, kind=CustomerEvent.Kind.CREATED)
    if consent:
        _apply_consent(customer, True, consent_method)
        customer.save(update_fields=["consent", "consent_at", "consent_method"])
        _consent_event(customer, actor)
    _changed(customer)
    return customer


@transaction.atomic
def update_customer(
    *,
    customer_pk: int,
    data: dict,
    phones: list[str],
    consent: bool,
    consent_method: str = "",
    expected_version: int,
    actor: AbstractUser,
) -> Customer:
    """Save an edit made on a form opened at `expected_version`; a stale form raises StaleEdit, saving nothing."""
    customer = Customer.objects.select_for_update().get(pk=customer_pk)
    if customer.is_erased:
        raise CustomerError(_("This customer was erased: their record cannot be edited."))
    before = _customer_snapshot(customer)
    if customer.version != expected_version:
        mine = Customer(
            **{name: data.get(name, "") for name in DETAIL_FIELDS},
            consent=consent,
            consent_method=consent_method if consent else "",
        )
        submitted = _customer_snapshot(mine, phones=", ".join(phones))
        raise StaleEdit(customer, _differences(submitted, before))
    for name in DETAIL_FIELDS:
        setattr(customer, name, data.get(name, ""))
    consent_changed = _apply_consent(customer, consent, consent_method)
    customer.version += 1
    customer.save()
    _write_phones(customer, phones)
    changes = _differences(before, _customer_snapshot(customer))
    if changes:
        CustomerEvent.objects.create(customer=customer, actor=actor, kind=CustomerEvent.Kind.EDITED, changes=changes)
    if consent_changed:
        _consent_event(customer, actor)
    _changed(customer)
    return customer


@transaction.atomic
def withdraw_consent(*, customer_pk: int, actor: AbstractUser | None = None, note: str = "") -> Customer | None:
    """Turn a customer's consent to service messages off (their own request: the unsubscribe link, a call), with
    the history entry; a form opened before is stale afterwards. None when there is no such customer."""
    customer = Customer.objects.select_for_update().filter(pk=customer_pk).first()
    if customer is None or not customer.consent:
        return customer
    _set_consent(customer, False, "")
    customer.version += 1
    customer.save(update_fields=["consent", "consent_at", "consent_method", "version", "updated_at"])
    CustomerEvent.objects.create(
        customer=customer,
        actor=actor,
        kind=CustomerEvent.Kind.CONSENT,
        changes={label(Customer, "consent"): [_("Yes"), _("No")]},
        note=note or _("No longer agrees to service messages."),
    )
    return customer


EQUIPMENT_FIELDS = ("kind", "brand", "model", "serial_number", "purchased_on", "notes")


def _serial_owner(*, brand: str, serial_number: str, exclude_pk: int | None = None) -> Equipment | None:
    if not serial_number:
        return None
    pieces = Equipment.objects.select_related("owner").filter(brand__iexact=brand, serial_number__iexact=serial_number)
    if exclude_pk is not None:
        pieces = pieces.exclude(pk=exclude_pk)
    return pieces.first()


class SerialTaken(CustomerError):
    """Another record already has this brand and serial number."""

    def __init__(self, piece: Equipment):
        self.piece = piece
        super().__init__(_("Another record already has this brand and serial number."))


@transaction.atomic
def add_equipment(*, owner: Customer, data: dict, actor: AbstractUser) -> Equipment:
    """A new piece for `owner` (`data`: EQUIPMENT_FIELDS). The same brand and serial number raise SerialTaken."""
    owner = Customer.objects.select_for_update().get(pk=owner.pk)
    if owner.is_erased:
        raise CustomerError(_("This customer was erased: no equipment can be added."))
    data = {**data, "serial_number": data.get("serial_number", "").strip()}
    try:
        with transaction.atomic():
            piece = Equipment.objects.create(owner=owner, **data)
    except IntegrityError as error:
        taken = _serial_owner(brand=data["brand"], serial_number=data["serial_number"])
        if taken is None:
            raise
        raise SerialTaken(taken) from error
    Ownership.objects.create(equipment=piece, customer=owner, started_at=piece.created_at)
    CustomerEvent.objects.create(
        customer=owner, actor=actor, kind=CustomerEvent.Kind.EQUIPMENT, note=_("Added %(piece)s.") % {"piece": piece}
    )
    _changed(owner)
    signals.equipment_changed.send(sender=Equipment, equipment=piece)
    return piece


@transaction.atomic
def update_equipment(*, piece_pk: int, data: dict, actor: AbstractUser) -> Equipment:
    """Save a piece's details; the owner's history says what changed."""
    piece = Equipment.objects.select_for_update().select_related("kind", "owner").get(pk=piece_pk)
    before = {label(Equipment, name): describe(piece, name) for name in EQUIPMENT_FIELDS}
    for name in EQUIPMENT_FIELDS:
        setattr(piece, name, data[name].strip() if isinstance(data[name], str) else data[name])
    try:
        with transaction.atomic():
            piece.save()
    except IntegrityError as error:
        taken = _serial_owner(brand=piece.brand, serial_number=piece.serial_number, exclude_pk=piece.pk)
        if taken is None:
            raise
        raise SerialTaken(taken) from error
    changes = _differences(before, {label(Equipment, name): describe(piece, name) for name in EQUIPMENT_FIELDS})
    if changes:
        CustomerEvent.objects.create(
            customer=piece.owner,
            actor=actor,
            kind=CustomerEvent.Kind.EQUIPMENT,
            note=_("Edited %(piece)s.") % {"piece": piece},
            changes=changes,
        )
    _changed(piece.owner)
    signals.equipment_changed.send(sender=Equipment, equipment=piece)
    return piece


def related_counts(customer: Customer) -> dict[str, int]:
    """{what: how many} of every record that hangs on the customer, read through the reverse relations (jobs,
    messages, ... of the apps built on customers, without naming them)."""
    counts = {}
    for relation in Customer._meta.related_objects:
        if relation.related_name and relation.related_name.endswith("+"):
            continue
        count = getattr(customer, relation.get_accessor_name()).count()
        meta = relation.related_model._meta
        counts[str(meta.verbose_name if count == 1 else meta.verbose_name_plural)] = count
    return counts


def _check_mergeable(source: Customer, target: Customer) -> None:
    if source.pk == target.pk:
        raise CustomerError(_("A customer cannot be merged with themselves: pick another customer."))
    if source.is_erased or target.is_erased:
        raise CustomerError(_("An erased customer cannot be merged: their data is gone."))


def merge_preview(*, source: Customer, target: Customer) -> dict[str, int]:
    """What merging `source` into `target` moves: {what: how many} (CustomerError when they cannot be merged)."""
    _check_mergeable(source, target)
    return {label: count for label, count in related_counts(source).items() if count}


@transaction.atomic
def merge_customers(*, source: Customer, target: Customer, actor: AbstractUser, request=None) -> Customer:
    """Make `source` and `target` one customer: everything of `source` moves to `target`, then `source` goes.

    Both rows are locked (in id order, so two merges of the same pair wait for each other rather than deadlock);
    the second of two merges of the same pair finds `source` gone and is refused.
    """
    if source.pk == target.pk:
        _check_mergeable(source, target)
    rows = Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    locked = {customer.pk: customer for customer in rows}
    if source.pk not in locked or target.pk not in locked:
        raise CustomerError(_("One of these customers no longer exists: it was merged or removed meanwhile."))
    source, target = locked[source.pk], locked[target.pk]
    _check_mergeable(source, target)
    moved = merge_preview(source=source, target=target)

    offset = target.phones.count()
    for position, phone in enumerate(source.phones.all(), start=offset):
        phone.customer, phone.position = target, position
        phone.save(update_fields=["customer", "position"])
    pieces = list(source.equipment.all())
    Equipment.objects.filter(owner=source).update(owner=target)
    Ownership.objects.filter(customer=source).update(customer=target)
    CustomerEvent.objects.filter(customer=source).update(customer=target)

    filled = {}
    kept_aside = []  # the other record's values where this one has its own: kept in the notes, never dropped
    for name in ("email", "address", "notes"):
        mine, theirs = getattr(target, name), getattr(source, name)
        if theirs and not mine:
            setattr(target, name, theirs)
            filled[label(Customer, name)] = ["", theirs]
        elif theirs and theirs != mine:
            kept_aside.append(theirs if name == "notes" else f"{label(Customer, name)}: {theirs}")
    if kept_aside:
        # Whole: a notes field has no length limit in the database (the forms' limit is for typing).
        before = target.notes
        aside = _("From the merged record:") + "\n" + "\n".join(kept_aside)
        target.notes = f"{before}\n\n{aside}" if before else aside
        filled[label(Customer, "notes")] = [before, target.notes]
    if source.consent and (not target.consent or source.consent_at < target.consent_at):
        # Consent given on either record holds, from the earliest time it was given.
        if not target.consent:
            filled[label(Customer, "consent")] = [_("No"), _("Yes")]
        target.consent, target.consent_at, target.consent_method = True, source.consent_at, source.consent_method
    target.version += 1
    target.save()

    signals.customers_merging.send(sender=Customer, source=source, target=target, actor=actor)
    left = {label: count for label, count in related_counts(source).items() if count}
    if left:  # a receiver did not move its rows: deleting would lose them (or PROTECT would refuse)
        raise CustomerError(_("The merge was stopped: some records could not be moved."))

    summary = ", ".join(f"{count} {label}" for label, count in moved.items()) or _("nothing")
    CustomerEvent.objects.create(
        customer=target,
        actor=actor,
        kind=CustomerEvent.Kind.MERGED,
        note=_("Merged customer #%(pk)s (%(name)s) into this one; moved: %(moved)s.")
        % {"pk": source.pk, "name": source.name, "moved": summary},
        changes=filled,
    )
    audit.record(AuditEvent.Kind.CUSTOMERS_MERGED, request=request, actor=actor, source=source.pk, target=target.pk)
    source_pk = source.pk
    source.delete()
    source.pk = source_pk
    _changed(target)
    for piece in pieces:
        piece.owner = target
        signals.equipment_changed.send(sender=Equipment, equipment=piece)
    return target


def export_customer(*, customer: Customer, actor: AbstractUser, request=None) -> dict:
    """Everything held about the customer, as plain data; the export is recorded in their history and audited."""
    data = customer_data(customer)
    with transaction.atomic():
        CustomerEvent.objects.create(customer=customer, actor=actor, kind=CustomerEvent.Kind.EXPORTED)
        audit.record(AuditEvent.Kind.CUSTOMER_EXPORTED, request=request, actor=actor, customer=customer.pk)
    return data


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def customer_data(customer: Customer) -> dict:
    """What the shop holds about a customer: contact, consent, phones, gear and who owned it when, jobs with their
    timelines, messages sent, history. Jobs and messages are read through the reverse relations."""
    data = {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "address": customer.address,
        "notes": customer.notes,
        "preferred_channel": customer.get_preferred_channel_display(),
        "consent": customer.consent,
        "consent_at": _when(customer.consent_at),
        "consent_method": customer.get_consent_method_display() if customer.consent_method else "",
        "created_at": _when(customer.created_at),
        "erased_at": _when(customer.erased_at),
        "phones": [
            {"as_typed": p.as_typed, "number": p.number.as_e164 if p.number else "", "label": p.get_label_display()}
            for p in customer.phones.all()
        ],
        "equipment": [
            {
                "id": piece.pk,
                "type": piece.kind.name,
                "brand": piece.brand,
                "model": piece.model,
                "serial_number": piece.serial_number,
                "purchased_on": piece.purchased_on.isoformat() if piece.purchased_on else None,
                "notes": piece.notes,
            }
            for piece in customer.equipment.select_related("kind")
        ],
        "ownerships": [
            {"equipment": str(o.equipment), "from": _when(o.started_at), "until": _when(o.ended_at)}
            for o in customer.ownerships.select_related("equipment__kind")
        ],
        "history": [
            {
                "when": _when(event.created_at),
                "what": event.get_kind_display(),
                "by": event.actor.get_username() if event.actor else "the shop",
                "note": event.note,
                "changes": event.changes,
            }
            for event in customer.events.select_related("actor")
        ],
    }
    jobs = getattr(customer, "service_items", None)
    if jobs is not None:
        data["jobs"] = [
            {
                "control_number": job.control_number,
                "equipment": str(job.equipment),
                "item": job.item,
                "requested_service": job.requested_service,
                "accessories": job.accessories,
                "status": job.get_status_display(),
                "received_at": _when(job.received_at),
                "timeline": [
                    {"when": _when(e.created_at), "what": e.get_kind_display(), "note": e.note}
                    for e in job.events.all()
                ],
            }
            for job in jobs.select_related("equipment__kind").prefetch_related("events").order_by("-received_at")
        ]
    messages = getattr(customer, "messages", None)
    if messages is not None:
        data["messages"] = [
            {
                "when": _when(message.created_at),
                "sent_at": _when(message.sent_at),
                "channel": message.channel,
                "address": message.address,
                "subject": message.subject,
                "body": message.body_text,
                "status": message.get_status_display(),
            }
            for message in messages.order_by("-created_at")
        ]
    return data


@transaction.atomic
def erase_customer(*, customer: Customer, actor: AbstractUser, request=None) -> Customer:
    """Forget the person (name, contact, notes, phones, consent), keep the jobs and pieces: the technical history
    and the counts stay. Every app removes its own copies (customers.signals.customer_erased)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_erased:
        raise CustomerError(_("This customer was already erased."))
    customer.phones.all().delete()
    customer.name = _("Erased customer #%(pk)s") % {"pk": customer.pk}
    customer.email = customer.address = customer.notes = ""
    _set_consent(customer, False, "")
    customer.erased_at = timezone.now()
    customer.version += 1
    customer.save()
    Equipment.objects.filter(owner=customer).exclude(notes="").update(notes="")
    # Earlier entries may quote old names, addresses or numbers: what happened and when stays, not the words.
    customer.events.update(note="", changes={})
    CustomerEvent.objects.create(customer=customer, actor=actor, kind=CustomerEvent.Kind.ERASED)
    audit.record(AuditEvent.Kind.CUSTOMER_ERASED, request=request, actor=actor, customer=customer.pk)
    signals.customer_erased.send(sender=Customer, customer=customer, actor=actor)
    _changed(customer)
    return customer
