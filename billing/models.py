"""Money on the ticket: the price list, estimates and their approval, invoices and credit notes, payments.

Amounts are Decimal with three decimal places in the database (enough for any currency's minor unit); the
currency, its minor unit, its rounding and whether prices include tax are settings, and every total is computed
by billing.money.compute_totals(). Invoices, credit notes and payments are never changed or deleted once written.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.money import Line, Rules, Totals, compute_totals

MONEY = {"max_digits": 14, "decimal_places": 3}
QUANTITY = {"max_digits": 10, "decimal_places": 3}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


def default_tax_rate():
    return settings.DEFAULT_TAX_RATE


class Immutable(Exception):
    """An issued invoice, a credit note or a payment was about to be changed or deleted."""


class WrittenOnceModel(models.Model):
    """A record the law or the books need as it was written: saved once, never updated or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable(f"{self._meta.verbose_name} records are never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable(f"{self._meta.verbose_name} records are never deleted.")


class LineKind(models.TextChoices):
    PART = "part", _("Part")
    LABOUR = "labour", _("Labour")


class PriceItem(models.Model):
    """A part or a kind of labour on the price list that managers keep."""

    kind = models.CharField(_("kind"), max_length=10, choices=LineKind, default=LineKind.PART)
    code = models.CharField(_("code"), max_length=30, help_text=_("Unique, e.g. “ORING-112” or “LAB-REG”."))
    name = models.CharField(_("name"), max_length=120)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(0)])
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT, default=default_tax_rate)
    active = models.BooleanField(_("active"), default=True, help_text=_("Offered for new estimate lines."))
    # Parts only, and only when the shop counts them: using a part on a job (its invoice) takes it off; a count
    # below zero is allowed (the part was used before it was booked in) and flagged.
    stock = models.DecimalField(_("in stock"), **QUANTITY, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("price list entry")
        verbose_name_plural = _("price list")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="billing_priceitem_code_ci_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="billing_priceitem_price_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="billing_priceitem_tax_rate"),
            models.CheckConstraint(
                condition=Q(kind=LineKind.PART) | Q(stock__isnull=True), name="billing_priceitem_stock_parts_only"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def out_of_stock(self) -> bool:
        return self.stock is not None and self.stock < 0


class DiscountLimit(models.Model):
    """How much a member of a staff group may take off an estimate line, in percent (managers set it)."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="discount_limit")
    max_percent = models.DecimalField(_("largest discount (%)"), **PERCENT, default=Decimal(0))

    class Meta:
        verbose_name = _("discount limit")
        ordering = ["group__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_percent__gte=0, max_percent__lte=100), name="billing_discount_limit_range"
            )
        ]

    def __str__(self):
        return f"{self.group}: {self.max_percent}%"

    @classmethod
    def for_user(cls, user) -> Decimal:
        """The largest discount any of the user's groups allows (a superuser: 100)."""
        if user.is_superuser:
            return Decimal(100)
        limits = cls.objects.filter(group__user=user).values_list("max_percent", flat=True)
        return max(limits, default=Decimal(0))


class JobAccount(models.Model):
    """A job's money terms agreed at take-in: how much work the customer allowed without asking again."""

    item = models.OneToOneField("core.ServiceItem", on_delete=models.CASCADE, related_name="billing_account")
    preapproved_limit = models.DecimalField(
        _("go ahead up to"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Work up to this amount (with tax) needs no further approval."),
    )
    preapproved_at = models.DateTimeField(_("agreed"), null=True, blank=True)
    preapproved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("job account")
        permissions = [("release_unpaid_jobaccount", "Can release a job with a balance due (with a reason)")]

    def __str__(self):
        return f"Account of {self.item.control_number}"


class LineFields(models.Model):
    """What an estimate line and an invoice line both hold."""

    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind, default=LineKind.PART)
    code = models.CharField(_("code"), max_length=30, blank=True)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=Decimal(1))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), **PERCENT, default=Decimal(0))
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT, default=default_tax_rate)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.quantity} × {self.description}"

    def as_line(self) -> Line:
        return Line(
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            tax_rate=self.tax_rate,
        )


class EstimateQuerySet(models.QuerySet):
    def waiting(self):
        """Sent to the customer and not answered yet, oldest first."""
        return self.filter(status=Estimate.Status.SENT).order_by("sent_at", "id")


class Estimate(models.Model):
    """One version of what a job will cost. A sent version is frozen; a change is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Waiting for the customer")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Replaced by a newer version")

    class Via(models.TextChoices):
        CUSTOMER = "customer", _("by the customer on the status page")
        PREAPPROVAL = "preapproval", _("within the amount agreed at take-in")
        WITHIN_APPROVED = "within", _("within what the customer approved before")

    item = models.ForeignKey("core.ServiceItem", on_delete=models.CASCADE, related_name="estimates")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Frozen with the version when it is sent: what the customer was asked to approve.
    gross = models.DecimalField(_("total"), **MONEY, null=True, blank=True)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decided_via = models.CharField(_("answered"), max_length=12, choices=Via, blank=True)
    # The customer's answer on the status page: the name typed as a signature and the address it came from.
    signed_name = models.CharField(_("name typed as signature"), max_length=120, blank=True)
    signed_ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    objects = EstimateQuerySet.as_manager()

    class Meta:
        verbose_name = _("estimate")
        ordering = ["item", "-number"]
        permissions = [
            ("send_estimate", "Can send estimates to customers"),
            ("override_price_estimate", "Can set prices other than the price list's on estimate lines"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="billing_estimate_item_version_unique"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="draft"), name="billing_estimate_one_draft_per_item"
            ),
        ]
        indexes = [models.Index(fields=["status", "sent_at"], name="billing_estimate_status_idx")]

    def __str__(self):
        return f"Estimate {self.item.control_number} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def totals(self) -> Totals:
        return compute_totals((line.as_line() for line in self.lines.all()), Rules.from_settings())


class EstimateLine(LineFields):
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("price list")
    )

    class Meta(LineFields.Meta):
        verbose_name = _("estimate line")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="billing_estimateline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="billing_estimateline_price_not_negative"),
        ]


class InvoiceCounter(models.Model):
    """The last number issued in a series and year; its row is locked while a number is taken from it."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="billing_counter_series_year_unique")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last}"


class Invoice(WrittenOnceModel):
    """An invoice or a credit note, as issued: its lines, totals and both parties' details are copies."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit", _("Credit note")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.INVOICE)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    item = models.ForeignKey("core.ServiceItem", on_delete=models.PROTECT, related_name="invoices")
    # The version invoiced, and the version the customer approved (the invoice shows them side by side).
    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancels = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note")
    reason = models.TextField(_("reason"), max_length=500, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer_name = models.CharField(_("customer"), max_length=120)
    customer_address = models.TextField(_("customer address"), max_length=500, blank=True)
    shop_legal_name = models.CharField(max_length=200)
    shop_tax_id = models.CharField(max_length=60, blank=True)
    shop_address = models.TextField(max_length=500, blank=True)
    payment_terms = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField()
    net = models.DecimalField(_("net"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    gross = models.DecimalField(_("total"), **MONEY)
    # [[rate, net, tax], ...] as strings: the tax lines as printed.
    tax_breakdown = models.JSONField(default=list)

    class Meta:
        verbose_name = _("invoice")
        ordering = ["-issued_at", "-id"]
        permissions = [
            ("cancel_invoice", "Can cancel invoices with a credit note"),
            ("view_reports_invoice", "Can see the money reports"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="billing_invoice_series_unique"),
            models.CheckConstraint(
                condition=Q(kind="invoice", cancels__isnull=True) | Q(kind="credit", cancels__isnull=False),
                name="billing_invoice_credit_note_cancels",
            ),
        ]
        indexes = [models.Index(fields=["item", "issued_at"], name="billing_invoice_item_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return reverse("billing:invoice-detail", kwargs={"number": self.number})

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(WrittenOnceModel, LineFields):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta(LineFields.Meta):
        verbose_name = _("invoice line")


class PaymentQuerySet(models.QuerySet):
    def signed_total(self) -> Decimal:
        """Money in less money refunded."""
        totals = dict(self.order_by().values_list("kind").annotate(total=models.Sum("amount")))
        refunds = totals.pop(Payment.Kind.REFUND, None) or Decimal(0)
        return sum(totals.values(), Decimal(0)) - refunds


class Payment(WrittenOnceModel):
    """Money taken for a job, or given back. A mistake is put right by a refund, never by an edit."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        TRANSFER = "transfer", _("Bank transfer")
        OTHER = "other", _("Other")

    item = models.ForeignKey("core.ServiceItem", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.PAYMENT)
    method = models.CharField(_("method"), max_length=10, choices=Method, default=Method.CARD)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Card slip, transfer or receipt number.")
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("when"), default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        ordering = ["-received_at", "-id"]
        permissions = [("refund_payment", "Can refund payments")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["deposit", "payment", "refund"]), name="billing_payment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=["cash", "card", "transfer", "other"]), name="billing_payment_method_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["item", "received_at"], name="billing_payment_item_idx"),
            models.Index(fields=["received_at"], name="billing_payment_received_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.get_method_display()})"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == self.Kind.REFUND else self.amount
