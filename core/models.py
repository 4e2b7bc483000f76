import contextlib
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import search
from customers.models import indexed_contains


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DIAGNOSING = "diagnosing", _("Diagnosing")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    WAITING_APPROVAL = "waiting_approval", _("Waiting for customer approval")
    IN_REPAIR = "in_repair", _("In repair")
    READY = "ready", _("Ready for pickup")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")


# The workflow: which status may follow which. Cancelling is allowed from every state before release.
TRANSITIONS = {
    Status.RECEIVED: (Status.DIAGNOSING, Status.CANCELLED),
    Status.DIAGNOSING: (Status.WAITING_PARTS, Status.WAITING_APPROVAL, Status.IN_REPAIR, Status.CANCELLED),
    Status.WAITING_PARTS: (Status.IN_REPAIR, Status.CANCELLED),
    Status.WAITING_APPROVAL: (Status.IN_REPAIR, Status.READY, Status.CANCELLED),
    Status.IN_REPAIR: (Status.WAITING_PARTS, Status.READY, Status.CANCELLED),
    Status.READY: (Status.RELEASED, Status.CANCELLED),
    Status.RELEASED: (),
    Status.CANCELLED: (),
}
CLOSED_STATUSES = (Status.RELEASED, Status.CANCELLED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


@contextlib.contextmanager
def index_scans_only(using):
    """On PostgreSQL, no sequential scan for the queries inside: for a LIMIT it expects to reach soon, the
    planner would read the table from its start, and all of it when its guess of how many rows match is wrong."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    # No savepoint: nothing here writes, and the setting is put back before the block ends.
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        before = cursor.fetchone()[0]
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


def technicians():
    """Active users who may be assigned items to repair (the Technicians group grants it)."""
    return get_user_model().objects.with_perm("core.repair_serviceitem", include_superusers=False).order_by("username")


class ServiceItemQuerySet(models.QuerySet):
    def for_logbook(self):
        """What a row of the logbook shows, in one query."""
        return self.select_related("assigned_to", "customer", "equipment__kind")

    def for_detail(self):
        """What an item's pages show about it, in one query (and one for the customer's phones)."""
        return self.select_related("received_by", "assigned_to", "customer", "equipment__kind").prefetch_related(
            "customer__phones"
        )

    def status_counts(self):
        """{status: number of items}, for every status, in one query: read from the counters the database keeps
        (StatusCount) for all items, counted for a narrowed queryset (see bounded_status_counts for a page)."""
        if not self.query.where:
            return StatusCount.as_dict()
        counts = dict.fromkeys(Status.values, 0)
        counts.update(self.order_by().values_list("status").annotate(n=Count("id")))
        return counts

    def bounded(self, bound=1000):
        """[(pk, status)] of at most bound + 1 items, in no particular order, read from an index: cheap whatever
        the size of the logbook, and all of them when there are `bound` or fewer."""
        with index_scans_only(self.db):
            return list(self.order_by().values_list("pk", "status")[: bound + 1])

    def bounded_status_counts(self, bound=1000):
        """({status: number of items}, [pk] or None): the counts and the items when `bound` or fewer match; when
        more match, (the counts of a sample, not to be shown, and None)."""
        found = self.bounded(bound)
        counts = dict.fromkeys(Status.values, 0)
        for _pk, status in found:
            counts[status] += 1
        return counts, [pk for pk, _status in found] if len(found) <= bound else None

    def bounded_count(self, bound=1000):
        """The number of items, or None when more than `bound`."""
        count = len(self.bounded(bound))
        return count if count <= bound else None

    def search(self, text):
        """Jobs found by control number, any part of the customer's name, a phone number in any formatting or in
        part, email, the equipment's serial number, brand, model or type, and words of the fault.

        Every term must be in the job's search document. The database answers from an index for terms of three
        characters or more: on PostgreSQL `LIKE '%term%'` is served by a pg_trgm GIN index; on SQLite by the FTS5
        trigram table (migration 0009). Shorter terms are matched with LIKE on the rows the others leave (alone,
        they read the logbook newest first until a page is full, and their counts are bounded)."""
        terms = search.query_terms(text)
        if not terms:
            return self
        condition = Q()
        for term in terms:
            condition &= indexed_contains(term, fts_table=FTS_TABLE)
        number = ServiceItem.number_from_control_number(text)
        if number is not None:
            condition |= Q(pk=number)
        return self.filter(condition)


# The FTS5 trigram table that serves the search on SQLite (core migration 0009).
FTS_TABLE = "core_serviceitem_fts"


class ServiceItem(models.Model):
    """A service job: one customer's piece of equipment in for service, known to people by its control number."""

    # Who brought it in and what it is: the customer's record and the piece, reused at every visit.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="service_items", verbose_name=_("customer")
    )
    equipment = models.ForeignKey(
        "customers.Equipment", on_delete=models.PROTECT, related_name="service_items", verbose_name=_("equipment")
    )
    item = models.CharField(
        _("item"),
        max_length=120,
        blank=True,
        help_text=_("What came in, if more than the piece itself, e.g. “First stage only”."),
    )
    requested_service = models.TextField(_("requested service or fault"), max_length=2000)
    accessories = models.CharField(
        _("accessories left with the item"), max_length=255, blank=True, help_text=_("e.g. “Case, charger”.")
    )
    received_at = models.DateTimeField(_("date received"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="items_received",
        verbose_name=_("received by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items_assigned",
        verbose_name=_("assigned technician"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.RECEIVED)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority, default=Priority.NORMAL)
    promised_on = models.DateField(_("promised date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Optimistic locking: every save through services.update_item() bumps it, so a stale form is detected.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Sent with the take-in form, so that submitting the same form twice creates one item.
    intake_token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Control number, the customer's name, phones and email, the piece and the fault: what the search box matches.
    # Kept by save() and, when a customer or a piece changes, by core.signals.
    search_document = models.TextField(default="", editable=False)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("change_status_serviceitem", "Can change the status of service items"),
            ("add_note_serviceitem", "Can add notes to service items"),
            ("print_slip_serviceitem", "Can print claim slips"),
            ("cancel_serviceitem", "Can cancel service items"),
            ("export_serviceitem", "Can export service items as CSV"),
            ("repair_serviceitem", "Can be assigned service items to repair"),
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="core_item_received_idx"),
            models.Index(fields=["status", "-received_at"], name="core_item_status_recv_idx"),
            models.Index(fields=["assigned_to", "-received_at"], name="core_item_tech_received_idx"),
            models.Index(fields=["customer", "-received_at"], name="core_item_customer_recv_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="core_item_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="core_item_priority_valid"),
        ]

    def __str__(self):
        return f"{self.control_number} {self.description}"

    # The fields the search text is made of; a save of other fields (a status change) leaves it alone.
    SEARCHED_FIELDS = frozenset({"customer", "equipment", "item", "requested_service", "search_document"})

    def save(self, *args, **kwargs):
        if self.pk is None:
            # The control number is the primary key: known only once the row exists.
            super().save(*args, **kwargs)
            kwargs = {"update_fields": ["search_document"]}
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not self.SEARCHED_FIELDS.intersection(update_fields):
            super().save(*args, **kwargs)
            return
        self.search_document = self.build_search_document()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_document"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("core:item-detail", kwargs={"number": self.pk})

    # What the piece is, read from the equipment record (templates and messages use these names).
    @property
    def item_type(self):
        return self.equipment.kind.name

    @property
    def brand(self):
        return self.equipment.brand

    @property
    def model(self):
        return self.equipment.model

    @property
    def serial_number(self):
        return self.equipment.serial_number

    @property
    def description(self):
        """What came in, in a few words: the item text when given, else the piece (“Apeks XTX50 Regulator”)."""
        return self.item or str(self.equipment)

    def build_search_document(self) -> str:
        customer, piece = self.customer, self.equipment
        phones = [(phone.as_typed, phone.number.as_e164 if phone.number else None) for phone in customer.phones.all()]
        return search.document(
            self.control_number,
            customer.name,
            customer.email,
            piece.kind.name,
            piece.brand,
            piece.model,
            piece.serial_number,
            self.item,
            self.requested_service,
            phones=phones,
        )

    @property
    def control_number(self):
        return self.format_control_number(self.pk) if self.pk else ""

    @staticmethod
    def format_control_number(number):
        return f"{settings.CONTROL_NUMBER_PREFIX}-{number:06d}"

    @staticmethod
    def number_from_control_number(text):
        """The item number in "SC-000123", "sc123" or "123", or None when text is no control number."""
        text = text.strip().upper()
        prefix = settings.CONTROL_NUMBER_PREFIX.upper()
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip("- ")
        if text.isascii() and text.isdigit() and len(text) <= 12:
            return int(text)
        return None

    # Django's generated get_FOO_display() rebuilds a dict of every (translated) choice on each call, which was
    # most of the time of a CSV export; looking the member up is the same answer, far cheaper.
    def get_status_display(self):
        return str(Status(self.status).label)

    def get_priority_display(self):
        return str(Priority(self.priority).label)

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES

    def allowed_next_statuses(self, user=None):
        """The statuses the workflow allows next; for a user who may not cancel items, without Cancelled."""
        allowed = TRANSITIONS[Status(self.status)]
        if user is not None and not user.has_perm("core.cancel_serviceitem"):
            allowed = tuple(status for status in allowed if status != Status.CANCELLED)
        return allowed


class ServiceEvent(models.Model):
    """One entry of an item's timeline: taken in, a status change, an assignment, an edit or a note."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Taken in")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assignment changed")
        EDITED = "edited", _("Details edited")
        NOTE = "note", _("Note")
        # Written by the other apps through core.services.record_event().
        MESSAGE = "message", _("Message to the customer")
        ESTIMATE = "estimate", _("Estimate")
        APPROVAL = "approval", _("Customer’s answer")
        PAYMENT = "payment", _("Payment")
        INVOICE = "invoice", _("Invoice")
        SERVICE = "service", _("Service recorded")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    # {field label: [old, new]} for status, assignment and edits; empty for notes.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "-created_at"], name="core_event_item_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class StatusCount(models.Model):
    """How many jobs have a status: the logbook's tabs and page count without counting millions of rows.

    Kept by the database itself (triggers on core_serviceitem, migration 0008), so that every write counts:
    saves, queryset updates, bulk inserts and raw SQL alike. A status no job ever had has no row.
    """

    status = models.CharField(primary_key=True, max_length=20)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("status count")

    def __str__(self):
        return f"{self.status}: {self.count}"

    @classmethod
    def as_dict(cls):
        """{status: jobs} for every status (0 for those without a row)."""
        counts = dict.fromkeys(Status.values, 0)
        counts.update(cls.objects.values_list("status", "count"))
        return counts


class LogbookRevision(models.Model):
    """A counter that changes whenever any item is saved or deleted: the key of the cached logbook pages.

    It lives in the database, not the cache, so that every app server agrees on it even without a shared cache.
    """

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.number)

    @classmethod
    def current(cls):
        return cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(number=F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
