"""Writes to the service clocks: keeping each piece's clocks and next due dates true, recording service done in
the shop or elsewhere, the ticks of a job before release, the gear page switch, and choosing the day's reminders.

Each write is atomic and typed; "today" is the shop's day (TIME_ZONE), never the server's.
"""

import dataclasses
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import ServiceEvent, ServiceItem
from core.services import record_event
from customers.models import Customer, Equipment
from maintenance.models import (
    EquipmentClock,
    GearPage,
    JobClockSelection,
    Reminder,
    ServiceClock,
    ServiceRecord,
)
from notifications import rendering
from notifications import services as outbox
from notifications.models import Event

BATCH = 2000


class MaintenanceError(Exception):
    """A write the service clocks refuse; the message is for the user."""


def today() -> datetime.date:
    """The shop's date now: TIME_ZONE decides when a day begins."""
    return timezone.localdate()


def readable(day: datetime.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else _("not known")


# Keeping the clocks true -----------------------------------------------------------------------------------------


def _last_dates(equipment_ids: Iterable[int], clock_ids: Iterable[int]) -> dict[tuple[int, int], datetime.date]:
    """{(piece, clock): the latest recorded service} for those pieces and clocks."""
    rows = (
        ServiceRecord.objects.filter(equipment_id__in=equipment_ids, clock_id__in=clock_ids)
        .values_list("equipment_id", "clock_id")
        .annotate(last=Max("done_on"))
    )
    return {(piece, clock): last for piece, clock, last in rows}


@transaction.atomic
def sync_piece(*, equipment: Equipment) -> list[EquipmentClock]:
    """Give a piece one clock for each clock of its type's plan (every region), drop those of a type it no longer
    is, and bring their dates up to date (a new purchase date, a changed plan). Returns its clocks."""
    EquipmentClock.objects.filter(equipment=equipment).exclude(clock__equipment_type_id=equipment.kind_id).delete()
    clocks = list(ServiceClock.objects.filter(equipment_type_id=equipment.kind_id))
    rows = {row.clock_id: row for row in EquipmentClock.objects.select_for_update().filter(equipment=equipment)}
    last = _last_dates([equipment.pk], [clock.pk for clock in clocks])
    result = []
    for clock in clocks:
        row = rows.get(clock.pk) or EquipmentClock(equipment=equipment, clock=clock)
        row.clock = clock
        row.last_done_on = last.get((equipment.pk, clock.pk))
        next_due = row.compute_next_due(equipment.purchased_on)
        if row.pk is None or row.next_due_on != next_due:
            row.next_due_on = next_due
            row.save()
        result.append(row)
    return result


def refresh_clock(*, clock_id: int) -> int:
    """After a plan's clock was added or changed: every piece of its type gets it, and every next due date of it
    is computed again (in batches). Returns how many pieces' dates changed."""
    clock = ServiceClock.objects.filter(pk=clock_id).first()
    if clock is None:
        return 0
    with transaction.atomic():
        EquipmentClock.objects.filter(clock=clock).exclude(equipment__kind_id=clock.equipment_type_id).delete()
    fill_missing_clocks(clocks=[clock])
    changed = 0
    rows = (
        EquipmentClock.objects.filter(clock=clock)
        .select_related("equipment")
        .only("pk", "interval_months", "last_done_on", "next_due_on", "clock_id", "equipment__purchased_on")
        .order_by("pk")
    )
    pending = []
    for row in rows.iterator(chunk_size=BATCH):
        row.clock = clock
        next_due = row.compute_next_due(row.equipment.purchased_on)
        if next_due != row.next_due_on:
            row.next_due_on = next_due
            pending.append(row)
        if len(pending) >= BATCH:
            changed += EquipmentClock.objects.bulk_update(pending, ["next_due_on"])
            pending = []
    return changed + (EquipmentClock.objects.bulk_update(pending, ["next_due_on"]) if pending else 0)


def fill_missing_clocks(*, clocks: Iterable[ServiceClock] | None = None) -> int:
    """Create the clocks that pieces lack (pieces added in bulk, plans added by a migration). Returns how many."""
    created = 0
    for clock in clocks if clocks is not None else ServiceClock.objects.all():
        missing = Equipment.objects.filter(kind_id=clock.equipment_type_id).exclude(
            Exists(EquipmentClock.objects.filter(equipment=OuterRef("pk"), clock=clock))
        )
        pieces = list(missing.values_list("pk", "purchased_on")[: BATCH * 50])
        while pieces:
            for start in range(0, len(pieces), BATCH):
                batch = pieces[start : start + BATCH]
                last = _last_dates([pk for pk, _ in batch], [clock.pk])
                new = []
                for pk, purchased_on in batch:
                    row = EquipmentClock(equipment_id=pk, clock=clock, last_done_on=last.get((pk, clock.pk)))
                    row.next_due_on = row.compute_next_due(purchased_on)
                    new.append(row)
                created += len(EquipmentClock.objects.bulk_create(new, ignore_conflicts=True))
            pieces = list(missing.values_list("pk", "purchased_on")[: BATCH * 50])
    return created


# Recording service -----------------------------------------------------------------------------------------------


@transaction.atomic
def record_service(
    *,
    equipment: Equipment,
    clocks: Iterable[ServiceClock],
    done_on: datetime.date,
    source: str,
    actor: AbstractUser | None,
    item: ServiceItem | None = None,
    done_by: str = "",
    note: str = "",
) -> list[EquipmentClock]:
    """Record that the piece had the work of `clocks` on `done_on`; returns those clocks with their new dates.

    An older date than one already recorded is kept in the history and changes no due date.
    """
    clocks = list(clocks)
    if done_on > today():
        raise MaintenanceError(_("The service date can’t be in the future."))
    if any(clock.equipment_type_id != equipment.kind_id for clock in clocks):
        raise MaintenanceError(_("That clock is not part of this piece’s service plan."))
    sync_piece(equipment=equipment)
    rows = {
        row.clock_id: row
        for row in EquipmentClock.objects.select_for_update()
        .select_related("clock")
        .filter(equipment=equipment, clock__in=clocks)
    }
    changed = []
    for clock in clocks:
        ServiceRecord.objects.create(
            equipment=equipment,
            clock=clock,
            done_on=done_on,
            source=source,
            item=item,
            done_by=done_by,
            note=note,
            recorded_by=actor,
        )
        row = rows[clock.pk]
        if row.last_done_on is None or done_on > row.last_done_on:
            row.last_done_on = done_on
            row.next_due_on = row.compute_next_due(equipment.purchased_on)
            row.save(update_fields=["last_done_on", "next_due_on"])
        changed.append(row)
    return changed


def job_clocks(item: ServiceItem) -> list[ServiceClock]:
    """The clocks a job may reset: those in force of its piece's type."""
    return list(ServiceClock.objects.in_force().filter(equipment_type_id=item.equipment.kind_id))


def chosen_clocks(item: ServiceItem) -> list[ServiceClock] | None:
    """The clocks ticked for a job; None while nobody has saved a choice."""
    selection = JobClockSelection.objects.filter(item=item).first()
    return None if selection is None else list(selection.clocks.all())


def suggested_clocks(item: ServiceItem) -> list[ServiceClock]:
    """The ticks a job's panel starts from: what was chosen before, else what the requested service suggests."""
    chosen = chosen_clocks(item)
    if chosen is not None:
        return chosen
    return [clock for clock in job_clocks(item) if clock.suggested_by(item.requested_service)]


@transaction.atomic
def choose_job_clocks(*, item_pk: int, clock_ids: Iterable[int], actor: AbstractUser) -> JobClockSelection:
    """Save which clocks the job resets when it is released (replacing an earlier choice)."""
    item = ServiceItem.objects.select_for_update(of=("self",)).select_related("equipment").get(pk=item_pk)
    if item.is_closed:
        raise MaintenanceError(_("This job is closed: its service was recorded when it was released."))
    allowed = {clock.pk: clock for clock in job_clocks(item)}
    chosen = set(clock_ids)
    if chosen - set(allowed):
        raise MaintenanceError(_("That clock is not part of this piece’s service plan."))
    selection, _created = JobClockSelection.objects.update_or_create(
        item=item, defaults={"chosen_by": actor, "chosen_at": timezone.now()}
    )
    selection.clocks.set([allowed[pk] for pk in chosen])
    return selection


def reset_clocks_of_released_job(*, item: ServiceItem, actor: AbstractUser | None) -> list[EquipmentClock]:
    """On release (inside its transaction): reset the ticked clocks, dated the release day, and say so on the
    job's timeline. Nothing ticked on a piece with clocks is said too, so that nobody assumes otherwise."""
    clocks = chosen_clocks(item) or []
    if not clocks:
        if job_clocks(item):
            record_event(item=item, kind=ServiceEvent.Kind.SERVICE, actor=actor, note=_("No service clock was reset."))
        return []
    rows = record_service(
        equipment=item.equipment,
        clocks=clocks,
        done_on=today(),
        source=ServiceRecord.Source.SHOP,
        actor=actor,
        item=item,
    )
    lines = [
        _("%(clock)s: next due %(date)s") % {"clock": row.clock.name, "date": readable(row.next_due_on)}
        for row in rows
    ]
    record_event(
        item=item,
        kind=ServiceEvent.Kind.SERVICE,
        actor=actor,
        note=_("Service clocks reset.") + "\n" + "\n".join(lines),
    )
    return rows


@transaction.atomic
def set_own_interval(*, equipment_clock_pk: int, months: int | None, actor: AbstractUser) -> EquipmentClock:
    """Give one piece its maker's interval for a clock (None: the plan's again), and move its next due date."""
    row = EquipmentClock.objects.select_for_update().select_related("clock", "equipment").get(pk=equipment_clock_pk)
    row.interval_months = months
    row.next_due_on = row.compute_next_due(row.equipment.purchased_on)
    row.save(update_fields=["interval_months", "next_due_on"])
    return row


# The gear's public page ------------------------------------------------------------------------------------------


@transaction.atomic
def switch_gear_page(*, equipment: Equipment, enabled: bool, actor: AbstractUser) -> GearPage | None:
    """Switch a piece's public page on (a new address, so stickers printed before stay dead) or off."""
    page = GearPage.objects.select_for_update().filter(equipment=equipment).first()
    if page is None and not enabled:
        return None
    if page is None:
        page = GearPage(equipment=equipment)
    if enabled and not page.enabled or page.pk is None:
        page.nonce = GearPage.new_nonce()
    page.enabled, page.changed_by, page.changed_at = enabled, actor, timezone.now()
    page.save()
    return page


# Reminders -------------------------------------------------------------------------------------------------------


def why_no_reminder(customer: Customer) -> str:
    """Why a customer gets no reminders, in words for staff; empty when they do."""
    if customer.erased_at is not None:
        return _("Erased customer")
    if not customer.consent:
        return _("No consent to messages")
    if not customer.email:
        return _("No email address")
    return ""


@dataclasses.dataclass
class ReminderPlan:
    """One customer's reminder: every clock of theirs due within the window and not reminded for that date yet."""

    customer: Customer
    clocks: list[EquipmentClock]

    @property
    def pieces(self) -> int:
        """The jobs this reminder may bring to the bench: one per piece, however many of its clocks are due."""
        return len({row.equipment_id for row in self.clocks})


def pieces_reminded_in_week(day: datetime.date) -> int:
    """Pieces named in reminders of the seven days up to `day`."""
    week = Reminder.objects.filter(sent_on__gt=day - datetime.timedelta(days=7), sent_on__lte=day)
    return week.values("equipment_clock__equipment_id").distinct().count()


def plan_reminders(*, day: datetime.date) -> tuple[list[ReminderPlan], list[ReminderPlan]]:
    """(who is reminded on `day`, the first who wait for room on the bench), earliest due first.

    A customer is reminded of every clock of theirs due within SERVICE_REMINDER_DAYS of `day`, overdue ones
    included, that no reminder named for that due date yet; only customers who consented, are not erased and
    have an address. The reminders of any seven days name at most SERVICE_JOBS_PER_WEEK pieces: the customers
    whose first due date is earliest go first, and the first one who does not fit waits with everyone after
    them (a customer with more pieces than a whole week's room goes alone in an empty week).
    """
    capacity = settings.SERVICE_JOBS_PER_WEEK
    room = capacity - pieces_reminded_in_week(day)
    eligible = reminder_candidates(day)
    # Walk the next-due index only as far as needed: each customer reminded takes at least one piece of the room,
    # so the first room + 1 customers decide the day (the last of them, if anyone, is the first who waits).
    owners: dict[int, None] = {}
    for owner in eligible.values_list("equipment__owner_id", flat=True).iterator(chunk_size=500):
        owners.setdefault(owner)
        if len(owners) > max(room, 1):
            break
    plans: dict[int, ReminderPlan] = {}
    for row in eligible.filter(equipment__owner__in=list(owners)).for_lists():
        plans.setdefault(row.equipment.owner_id, ReminderPlan(customer=row.equipment.owner, clocks=[])).clocks.append(
            row
        )
    chosen, waiting = [], []
    # A customer another run reminded meanwhile has no clocks left here.
    for plan in (plans[owner] for owner in owners if owner in plans):
        fits = plan.pieces <= room or (room == capacity > 0 and not chosen)
        if waiting or not fits:
            waiting.append(plan)
            continue
        chosen.append(plan)
        room -= plan.pieces
    return chosen, waiting


def reminder_candidates(day: datetime.date):
    """Clocks of reminded customers due within the window, not yet reminded for that date, earliest first."""
    horizon = day + datetime.timedelta(days=settings.SERVICE_REMINDER_DAYS)
    already = Reminder.objects.filter(
        equipment_clock=OuterRef("pk"), due_on=OuterRef("next_due_on"), customer=OuterRef("equipment__owner")
    )
    return (
        EquipmentClock.objects.in_force()
        .due_by(horizon)
        .exclude(Exists(already))
        .filter(equipment__owner__consent=True, equipment__owner__erased_at__isnull=True)
        .exclude(equipment__owner__email="")
        .order_by("next_due_on", "pk")
    )


@dataclasses.dataclass
class ReminderRun:
    """What one run of the reminders did."""

    day: datetime.date
    sent: list[ReminderPlan]
    waiting: int
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "customers": len(self.sent),
            "pieces": sum(plan.pieces for plan in self.sent),
            "waiting": self.waiting,
            "dry_run": self.dry_run,
        }


def send_service_reminders(*, day: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """The daily run: each customer chosen by plan_reminders() gets ONE message listing their due gear.

    Safe to run any number of times, also at once on two machines: the Reminder rows are written in the same
    transaction as the message, and their unique constraint lets only one run remind a due date.
    """
    day = day or today()
    fill_missing_clocks()
    chosen, waiting = plan_reminders(day=day)
    if waiting:  # how many in all wait: counted only on days when anyone does
        everyone = reminder_candidates(day).order_by().values("equipment__owner_id").distinct().count()
        waiting_count = everyone - len(chosen)
    else:
        waiting_count = 0
    if dry_run:
        return ReminderRun(day=day, sent=chosen, waiting=waiting_count, dry_run=True)
    sent = [plan for plan in chosen if _remind(plan, day)]
    return ReminderRun(day=day, sent=sent, waiting=waiting_count)


def _remind(plan: ReminderPlan, day: datetime.date) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.bulk_create(
                [
                    Reminder(customer=plan.customer, equipment_clock=row, due_on=row.next_due_on, sent_on=day)
                    for row in plan.clocks
                ]
            )
            queue_reminder_message(plan=plan, day=day)
    except IntegrityError:
        return False  # another run reminded this customer of these dates first
    return True


def reminder_lines(plan: ReminderPlan, day: datetime.date) -> list[str]:
    """One line per due clock, as the customer reads it: the piece, the work, and when (dated as messages are)."""
    lines = []
    for row in plan.clocks:
        piece = row.equipment
        what = " ".join(part for part in (piece.brand, piece.model, piece.kind.name.lower()) if part)
        if piece.serial_number:
            what += " " + _("(serial %(serial)s)") % {"serial": piece.serial_number}
        if row.next_due_on < day:
            when = _("overdue since %(date)s") % {"date": outbox.day(row.next_due_on)}
        else:
            when = _("due %(date)s") % {"date": outbox.day(row.next_due_on)}
        lines.append(f"{what}: {row.clock.name.lower()}, {when}")
    return lines


def booking_line() -> str:
    """How a reminded customer books: the booking page, or a reply and the shop's contact line."""
    if settings.SERVICE_BOOKING_URL:
        return _("Book your service here: %(url)s") % {"url": settings.SERVICE_BOOKING_URL}
    return _("Reply to this message to book, or contact us: %(contact)s") % {"contact": settings.SHOP_CONTACT}


def queue_reminder_message(*, plan: ReminderPlan, day: datetime.date) -> None:
    """Hand one customer's reminder to the outbox (notifications' "service due" message, which managers edit),
    inside the caller's transaction: it is delivered by the worker once the reminder records are committed."""

    def context() -> dict:
        return {
            **rendering.shop_context(),
            "customer_name": plan.customer.name,
            "service_due": "\n".join(f"- {line}" for line in reminder_lines(plan, day)),
            "booking": booking_line(),
        }

    outbox.queue_customer_message(customer=plan.customer, event=Event.SERVICE_DUE, context=context)
