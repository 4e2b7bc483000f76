"""The shop's customers and the equipment they bring in: one record each, reused at every visit."""

import functools
import re

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import Case, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from customers import search


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message")


class ConsentMethod(models.TextChoices):
    COUNTER = "counter", _("In person at the counter")
    PHONE = "phone", _("On the phone")
    EMAIL = "email", _("By email")
    FORM = "form", _("Signed form")


# Terms shorter than this have no trigram: no index serves them.
TRIGRAM = 3
# pg_trgm makes trigrams of runs of letters and digits only: "a%b" has none.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")
_GLOB_SPECIAL = str.maketrans({"*": "[*]", "?": "[?]", "[": "[[]"})


def indexed_contains(term: str, *, fts_table: str) -> Q:
    """`search_document` contains `term` (a normalised query term), in the form this database answers from an index.

    PostgreSQL: `contains` is LIKE '%term%' (with % and _ escaped), which the pg_trgm GIN index on the column serves
    (or, for a term that many rows have, the planner walks the sort's index and stops when a page is full).
    SQLite: the rows of the FTS5 trigram table `fts_table` (external content, rowid = pk) whose text GLOBs
    '*term*' (GLOB, not LIKE: FTS5 takes no ESCAPE clause; documents and terms are both lowercase, so GLOB's case
    sensitivity changes nothing), unless more than BOUND rows have the term: then LIKE on the rows, which SQLite
    answers walking the sort's index until a page is full instead of listing every row that has it first.
    A term shorter than a trigram is matched with LIKE on the rows."""
    if connection.vendor == "postgresql" and not _TRIGRAM_WORD.search(term):
        # position(), not LIKE: the trigram index cannot help (it would read all of itself), the walk of the sort's
        # index with this as a filter stops when a page is full.
        return Q(GreaterThan(StrIndex("search_document", Value(term)), 0))
    if connection.vendor != "sqlite" or len(term) < TRIGRAM:
        return Q(search_document__contains=term)
    pattern = f"*{term.translate(_GLOB_SPECIAL)}*"
    if _common_in(fts_table, pattern):
        return Q(search_document__contains=term)
    # The table name is ours (a constant), never the user's; the pattern travels as a parameter.
    rows = RawSQL(f"SELECT rowid FROM {fts_table} WHERE search_document GLOB %s", [pattern])  # noqa: S608, S611
    return Q(pk__in=rows)


# More rows than this with a term: the term is common (see indexed_contains).
BOUND = 1000


@functools.lru_cache(maxsize=4096)
def _common_in(fts_table: str, pattern: str) -> bool:
    """Whether more than BOUND rows of the FTS table match (FTS5 stops at the LIMIT: a few milliseconds). Only
    the plan depends on it, never the result, so a remembered answer that has gone stale costs time, not truth."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {fts_table} WHERE search_document GLOB %s LIMIT %s)",  # noqa: S608
            [pattern, BOUND + 1],
        )
        return cursor.fetchone()[0] > BOUND


class CustomerQuerySet(models.QuerySet):
    def search(self, text: str):
        """Customers found by any part of a name, a phone number in any formatting, an email, or their gear's
        serial number, brand, model or type; or by a job of theirs (control number, fault words).

        Answered from the search indexes (see indexed_contains); customers whose phone number or name starts
        with the query come first, then those with a word (a surname, a number) that does, then by name."""
        terms = search.query_terms(text)
        if not terms:
            return self
        own = Q()
        jobs = Q()
        for term in terms:
            own &= indexed_contains(term, fts_table=FTS_TABLE)
            jobs &= indexed_contains(term, fts_table="core_serviceitem_fts")
        # The jobs are the logbook's (core's) model, named here rather than imported: core builds on customers.
        job_customers = apps.get_model("core", "ServiceItem").objects.filter(jobs).values("customer_id")
        first = terms[0]
        word_start = Q(search_document__startswith=first) | Q(search_document__contains=f" {first}")
        ranked = Case(
            When(name__istartswith=first, then=Value(0)),  # "peter": Peter Brown
            When(word_start, then=Value(1)),  # then Anna Petersen, and numbers that start so
            default=Value(2),
            output_field=models.IntegerField(),
        )
        return self.filter(own | Q(pk__in=job_customers)).alias(rank=ranked).order_by("rank", "name", "id")


# The FTS5 trigram table that serves customers' search on SQLite (migration 0004).
FTS_TABLE = "customers_customer_fts"


class Customer(models.Model):
    """A person (or company) who leaves equipment with the shop."""

    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    preferred_channel = models.CharField(
        _("preferred contact"), max_length=10, choices=ContactChannel, default=ContactChannel.EMAIL
    )
    # Consent to service messages (taken in, ready for pickup, reminders): when and how it was given.
    consent = models.BooleanField(_("agrees to service messages"), default=False)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_method = models.CharField(_("consent given"), max_length=10, choices=ConsentMethod, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set when the customer asked to be forgotten: the person is anonymised, the jobs' technical history stays.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # Optimistic locking for edits: a stale form is refused instead of overwriting someone else's save.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Name, email, phones as digits, and their gear: what the search box matches (customers/search.py).
    search_document = models.TextField(default="", editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        ordering = ["name", "id"]
        indexes = [models.Index(Lower("name"), name="customers_customer_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent=False) | Q(consent_at__isnull=False), name="customers_consent_has_date"
            ),
        ]
        permissions = [
            ("merge_customer", "Can merge two customers into one"),
            ("export_customer", "Can export a customer's data"),
            ("erase_customer", "Can erase (anonymise) a customer"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:customer-detail", kwargs={"pk": self.pk})

    @property
    def phone(self):
        """The first phone number, as typed ("" when there is none)."""
        first = next(iter(self.phones.all()), None)
        return first.as_typed if first else ""

    @property
    def is_erased(self):
        return self.erased_at is not None

    def build_search_document(self) -> str:
        pieces = self.equipment.select_related("kind") if self.pk else []
        gear = [part for piece in pieces for part in (piece.kind.name, piece.brand, piece.model, piece.serial_number)]
        phones = [(phone.as_typed, phone.number.as_e164 if phone.number else None) for phone in self.phones.all()]
        return search.document(self.name, self.email, *gear, phones=phones)

    def refresh_search_document(self) -> None:
        self.search_document = self.build_search_document()
        type(self).objects.filter(pk=self.pk).update(search_document=self.search_document)


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class CustomerPhone(models.Model):
    """One of a customer's phone numbers: stored in E.164 (+15554118402) for matching, shown as typed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    # Unique: the same number typed in any formatting is one customer. Empty only for legacy numbers that
    # could not be read; those keep what was typed.
    number = PhoneNumberField(_("phone"), null=True, blank=True, unique=True)
    as_typed = models.CharField(_("phone as typed"), max_length=40)
    label = models.CharField(_("label"), max_length=10, choices=PhoneLabel, default=PhoneLabel.MOBILE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("phone number")
        ordering = ["customer", "position", "id"]

    def __str__(self):
        return self.as_typed


class EquipmentType(models.Model):
    """A kind of equipment (regulator, BCD, dive computer, ...): a list managers keep in the admin."""

    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("offered at take-in"), default=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        verbose_name = _("equipment type")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="customers_equipmenttype_name_ci_unique")]

    def __str__(self):
        return self.name


class Equipment(models.Model):
    """A piece a customer owns that comes in for service; its serial number identifies it across visits."""

    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="equipment", verbose_name=_("owner"))
    kind = models.ForeignKey(EquipmentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type"))
    brand = models.CharField(_("brand"), max_length=60)
    model = models.CharField(_("model"), max_length=60, blank=True)
    serial_number = models.CharField(
        _("serial number"), max_length=60, blank=True, help_text=_("As printed on the item, letters and zeros too.")
    )
    purchased_on = models.DateField(_("purchase date"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["brand", "model", "id"]
        constraints = [
            # One record per physical piece: the same brand and serial number is the same piece, whoever owns it.
            models.UniqueConstraint(
                Lower("brand"),
                Upper("serial_number"),
                condition=~Q(serial_number=""),
                name="customers_equipment_serial_unique",
            ),
        ]
        indexes = [models.Index(Upper("serial_number"), name="customers_equipment_serial_idx")]

    def __str__(self):
        return " ".join(part for part in (self.brand, self.model, str(self.kind)) if part)


class Ownership(models.Model):
    """Who owned a piece of equipment when: a piece that is sold keeps its history with the old owner."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownerships")
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership")
        ordering = ["equipment", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment"], condition=Q(ended_at__isnull=True), name="customers_one_current_owner"
            ),
        ]

    def __str__(self):
        return f"{self.customer} owns {self.equipment}"


class CustomerEvent(models.Model):
    """One entry of a customer's history: created, edited, consent given or withdrawn, merged, exported, erased."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Details edited")
        CONSENT = "consent", _("Consent changed")
        EQUIPMENT = "equipment", _("Equipment changed")
        MERGED = "merged", _("Merged")
        EXPORTED = "exported", _("Data exported")
        ERASED = "erased", _("Erased")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    # {field label: [old, new]}; empty when the note says it all.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("customer history entry")
        verbose_name_plural = _("customer history")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customers_event_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
