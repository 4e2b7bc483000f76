"""Service clocks: what each kind of gear needs and how often, when each piece last had it, and when it is due.

A *clock* (ServiceClock) belongs to an equipment type's plan: "Regulator: annual service, every 12 months".
Each piece of that type has one EquipmentClock per clock, which stores the last date and the next due date, so
that the due list and the reminders read one indexed column instead of working through the whole history.
"""

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Equipment, EquipmentType
from maintenance.dates import add_months

MAX_INTERVAL_MONTHS = 240


class Outcome(models.TextChoices):
    """What a job does to a piece, as far as its clocks care: the work that resets a clock."""

    SERVICE = "service", _("Service")
    VISUAL_INSPECTION = "visual_inspection", _("Visual inspection")
    HYDROSTATIC_TEST = "hydrostatic_test", _("Hydrostatic test")
    BATTERY_CHECK = "battery_check", _("Battery and pressure check")
    SEALS_CHECK = "seals_check", _("Seals and valves check")
    ACCURACY_CHECK = "accuracy_check", _("Accuracy check")


# Words in a job's requested service that suggest an outcome, for the ticks the technician starts from.
# A hydrostatic test always includes a visual inspection, so "hydro" suggests both.
OUTCOME_WORDS = {
    Outcome.SERVICE: ("service", "overhaul", "rebuild"),
    Outcome.VISUAL_INSPECTION: ("visual", "vip", "inspection", "hydro"),
    Outcome.HYDROSTATIC_TEST: ("hydro", "pressure test", "requalif"),
    Outcome.BATTERY_CHECK: ("battery", "pressure check"),
    Outcome.SEALS_CHECK: ("seal", "valve", "zip"),
    Outcome.ACCURACY_CHECK: ("accuracy", "calibrat", "gauge check"),
}


class Region(models.TextChoices):
    """Whose rules a clock follows. A clock for every region is always in force; the others only where
    SERVICE_PLAN_REGION says the shop is."""

    ANY = "", _("Every region")
    US = "US", _("United States")
    UK = "UK", _("United Kingdom")


class ServiceClockQuerySet(models.QuerySet):
    def in_force(self):
        """Clocks for every region, and those of the shop's region (SERVICE_PLAN_REGION)."""
        return self.filter(region__in=[Region.ANY, settings.SERVICE_PLAN_REGION])


class ServiceClock(models.Model):
    """One clock of an equipment type's service plan: a name, how often, and the work that resets it."""

    equipment_type = models.ForeignKey(
        EquipmentType, on_delete=models.CASCADE, related_name="service_clocks", verbose_name=_("equipment type")
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("As customers read it, e.g. “Annual service”."))
    interval_months = models.PositiveSmallIntegerField(
        _("every (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_MONTHS)],
        help_text=_("30 for two and a half years, 60 for five."),
    )
    outcome = models.CharField(_("reset by"), max_length=20, choices=Outcome)
    region = models.CharField(_("region"), max_length=2, choices=Region, blank=True, default=Region.ANY)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where the interval comes from (a regulation, a maker).")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ServiceClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("service clock")
        ordering = ["equipment_type__position", "equipment_type__name", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                "equipment_type", "region", Lower("name"), name="maintenance_clock_name_unique_per_type"
            ),
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=MAX_INTERVAL_MONTHS),
                name="maintenance_clock_interval_range",
            ),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="maintenance_clock_outcome_valid"),
            models.CheckConstraint(condition=Q(region__in=Region.values), name="maintenance_clock_region_valid"),
        ]

    def __str__(self):
        return f"{self.equipment_type}: {self.name}"

    def suggested_by(self, text: str) -> bool:
        """Whether a job described by `text` looks like the work that resets this clock."""
        text = text.lower()
        return any(word in text for word in OUTCOME_WORDS[Outcome(self.outcome)])


class EquipmentClockQuerySet(models.QuerySet):
    def in_force(self):
        # A subquery on the handful of clocks, not a join, and on "clock_id + 0" so that no database takes the
        # (clock, next due) index for it: lists then walk the next-due index in order and stop after a page.
        # A filter on one clock (clock=...) still uses that index.
        return self.alias(clock_in_force=F("clock_id") + 0).filter(
            clock_in_force__in=ServiceClock.objects.in_force().values("pk")
        )

    def due_by(self, day: datetime.date):
        """Clocks that fall due on or before `day` (overdue ones included)."""
        return self.filter(next_due_on__lte=day)

    def for_lists(self):
        return self.select_related("clock", "equipment__kind", "equipment__owner")


class EquipmentClock(models.Model):
    """One clock of one piece: when it was last reset and when it falls due next (kept up to date by services)."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="clocks")
    clock = models.ForeignKey(ServiceClock, on_delete=models.CASCADE, related_name="equipment_clocks")
    interval_months = models.PositiveSmallIntegerField(
        _("own interval (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_MONTHS)],
        help_text=_("The maker's interval for this piece, when it differs from the plan's."),
    )
    last_done_on = models.DateField(_("last done"), null=True, blank=True)
    # Stored, so that lists read an index: the last date (or the purchase date) plus the interval.
    next_due_on = models.DateField(_("next due"), null=True, blank=True)

    objects = EquipmentClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("clock of a piece")
        verbose_name_plural = _("clocks of pieces")
        ordering = ["clock__position", "clock__name"]
        constraints = [
            models.UniqueConstraint(fields=["equipment", "clock"], name="maintenance_one_clock_per_piece"),
            models.CheckConstraint(
                condition=Q(interval_months__isnull=True)
                | Q(interval_months__gte=1, interval_months__lte=MAX_INTERVAL_MONTHS),
                name="maintenance_piece_interval_range",
            ),
        ]
        indexes = [
            models.Index(fields=["next_due_on"], name="maintenance_next_due_idx"),
            models.Index(fields=["clock", "next_due_on"], name="maintenance_clock_due_idx"),
        ]
        permissions = [
            ("view_due_list", "Can see the list of gear falling due"),
            ("export_due_list", "Can export the list of gear falling due"),
            ("reset_clocks", "Can record which clocks a job reset"),
        ]

    def __str__(self):
        return f"{self.equipment}: {self.clock.name}"

    @property
    def interval(self) -> int:
        return self.interval_months or self.clock.interval_months

    def compute_next_due(self, purchased_on: datetime.date | None) -> datetime.date | None:
        """The last reset plus the interval; from the purchase date while nothing was recorded; else unknown."""
        start = self.last_done_on or purchased_on
        return add_months(start, self.interval) if start else None

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.next_due_on is not None and self.next_due_on < (today or timezone.localdate())


class ServiceRecord(models.Model):
    """A clock reset: work done in the shop (by a released job) or elsewhere (recorded by staff)."""

    class Source(models.TextChoices):
        SHOP = "shop", _("In the shop")
        OUTSIDE = "outside", _("Elsewhere")

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="service_records")
    # A clock with history cannot be deleted from a plan: the history would go with it.
    clock = models.ForeignKey(ServiceClock, on_delete=models.PROTECT, related_name="records")
    done_on = models.DateField(_("done on"))
    source = models.CharField(_("where"), max_length=10, choices=Source)
    item = models.ForeignKey(
        "core.ServiceItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job")
    )
    done_by = models.CharField(_("done by"), max_length=120, blank=True)
    note = models.TextField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("service record")
        ordering = ["-done_on", "-id"]
        indexes = [models.Index(fields=["equipment", "-done_on"], name="maintenance_record_piece_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "clock"], condition=Q(item__isnull=False), name="maintenance_one_reset_per_job"
            ),
            models.CheckConstraint(condition=Q(source__in=["shop", "outside"]), name="maintenance_record_source"),
        ]

    def __str__(self):
        return f"{self.clock.name} {self.done_on:%Y-%m-%d}"


class JobClockSelection(models.Model):
    """The clocks a job will reset when it is released, as the technician ticked them on the job page."""

    item = models.OneToOneField(
        "core.ServiceItem", on_delete=models.CASCADE, primary_key=True, related_name="clock_selection"
    )
    clocks = models.ManyToManyField(ServiceClock, blank=True, related_name="+")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("clocks a job resets")
        verbose_name_plural = _("clocks jobs reset")

    def __str__(self):
        return f"{self.item}"


class Reminder(models.Model):
    """One due clock named in one reminder to one customer: the record that makes sending idempotent.

    Unique per customer, clock and due date: once a due date was reminded it never is again, and the next due
    date (after the clock is reset) is a new window.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    equipment_clock = models.ForeignKey(EquipmentClock, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField(_("due on"))
    sent_on = models.DateField(_("reminded on"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "equipment_clock", "due_on"], name="maintenance_one_reminder_per_due_date"
            ),
        ]
        indexes = [models.Index(fields=["sent_on"], name="maintenance_reminder_sent_idx")]

    def __str__(self):
        return f"{self.equipment_clock} due {self.due_on:%Y-%m-%d}"


GEAR_PAGE_SALT = "maintenance.gear-page"


class GearPage(models.Model):
    """A piece's public page, opened from the QR code of a sticker on it. It belongs to the piece, not the owner.

    Its address carries a signed "<piece>.<nonce>": unguessable without the site's secret key. Switching the
    page off makes every printed sticker lead nowhere; switching it on again draws a new nonce, so the old
    stickers stay dead.
    """

    equipment = models.OneToOneField(Equipment, on_delete=models.CASCADE, related_name="gear_page")
    nonce = models.CharField(max_length=16)
    enabled = models.BooleanField(_("public page on"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gear page")

    def __str__(self):
        return f"{self.equipment}"

    def get_absolute_url(self):
        return reverse("maintenance:gear-page", kwargs={"token": self.token})

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(6)

    @property
    def token(self) -> str:
        return signing.Signer(salt=GEAR_PAGE_SALT).sign(f"{self.equipment_id}.{self.nonce}")

    @classmethod
    def from_token(cls, token: str) -> "GearPage | None":
        """The switched-on page a token opens, or None (a forged, mangled, old or switched-off token)."""
        try:
            value = signing.Signer(salt=GEAR_PAGE_SALT).unsign(token)
        except signing.BadSignature:
            return None
        piece, _sep, nonce = value.partition(".")
        if not piece.isdigit():
            return None
        return (
            cls.objects.select_related("equipment__kind").filter(equipment_id=int(piece), nonce=nonce, enabled=True)
        ).first()
