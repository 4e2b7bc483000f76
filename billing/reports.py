"""The money reports' reads, one function per report; each returns plain rows that the page, the CSV and the
chart share. A chart is server-rendered SVG (no script, so the Content-Security-Policy holds)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from billing.models import Estimate, Invoice, Payment
from billing.money import ZERO
from core.models import ServiceItem

METHODS = Payment.Method


def _range(start: datetime.date, end: datetime.date) -> dict:
    tz = timezone.get_current_timezone()
    return {
        "gte": datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        "lt": datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    }


def takings(start: datetime.date, end: datetime.date) -> list[dict]:
    """The cash-up sheet: per day, money taken less money refunded, per method and in all."""
    bounds = _range(start, end)
    rows = (
        Payment.objects.filter(received_at__gte=bounds["gte"], received_at__lt=bounds["lt"])
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "method", "kind")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("day")
    )
    days: dict = defaultdict(lambda: {**dict.fromkeys(METHODS.values, ZERO), "total": ZERO, "count": 0})
    for row in rows:
        amount = -row["total"] if row["kind"] == Payment.Kind.REFUND else row["total"]
        day = days[row["day"]]
        day[row["method"]] += amount
        day["total"] += amount
        day["count"] += row["count"]
    return [{"day": day, **values} for day, values in sorted(days.items())]


def totals_row(rows: list[dict], keys) -> dict:
    return {key: sum((row[key] for row in rows), ZERO) for key in keys}


@dataclass(frozen=True)
class Balances:
    """{job id: (owed, paid)} for every job whose money is not settled, and the jobs' rows one page at a time."""

    amounts: dict[int, tuple[Decimal, Decimal]]

    @property
    def job_ids(self) -> list[int]:
        return sorted(self.amounts)  # in job number order: the oldest job first

    def totals(self) -> dict:
        owed = sum((owed for owed, _paid in self.amounts.values()), ZERO)
        paid = sum((paid for _owed, paid in self.amounts.values()), ZERO)
        return {"owed": owed, "paid": paid, "due": owed - paid}

    def rows(self, job_ids) -> list[dict]:
        items = ServiceItem.objects.filter(pk__in=job_ids).select_related("customer").order_by("id")
        return [
            {"item": item, "owed": owed, "paid": paid, "due": owed - paid}
            for item in items
            for owed, paid in [self.amounts[item.pk]]
        ]


def open_balances() -> Balances:
    """Jobs on which money is due or owed back: invoiced (or, before the invoice, approved) less paid, as
    services.balance() has it. Three grouped reads, one pass over each table, whatever the number of jobs; rows
    (model instances) only for the page shown."""
    refund = Payment.Kind.REFUND
    paid = dict(
        Payment.objects.order_by()
        .values_list("item")
        .annotate(total=Sum(Case(When(kind=refund, then=-F("amount")), default=F("amount"))))
    )
    invoiced = dict(Invoice.objects.order_by().values_list("item").annotate(total=Sum("gross")))
    owed = dict(
        Estimate.objects.filter(status=Estimate.Status.APPROVED, item__invoices__isnull=True)
        .order_by("item", "number")
        .values_list("item", "gross")  # the latest approved version of each job wins
    )
    owed.update(invoiced)
    amounts = {pk: (owed.get(pk, ZERO), paid.get(pk, ZERO)) for pk in paid.keys() | owed.keys()}
    return Balances(amounts={pk: pair for pk, pair in amounts.items() if pair[0] != pair[1]})


def waiting_estimates(now: datetime.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    return [
        {"estimate": estimate, "item": estimate.item, "waited": now - estimate.sent_at}
        for estimate in Estimate.objects.waiting().select_related("item", "item__customer")
    ]


@dataclass(frozen=True)
class Revenue:
    months: list[dict]  # {"month": date, "net", "tax", "gross", "count"}
    kinds: list[dict]  # {"kind": name, "net", "gross", "count"}


def revenue(start: datetime.date, end: datetime.date) -> Revenue:
    """Invoiced less credit notes, per month of issue and per equipment type."""
    bounds = _range(start, end)
    invoices = Invoice.objects.filter(issued_at__gte=bounds["gte"], issued_at__lt=bounds["lt"])
    months = list(
        invoices.annotate(month=TruncMonth("issued_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(
            net=Sum("net"), tax=Sum("tax"), gross=Sum("gross"), count=Count("id", filter=Q(kind=Invoice.Kind.INVOICE))
        )
        .order_by("month")
    )
    kinds = list(
        invoices.values(kind_name=Coalesce("item__equipment__kind__name", Value("Unknown")))
        .annotate(net=Sum("net"), gross=Sum("gross"), count=Count("id", filter=Q(kind=Invoice.Kind.INVOICE)))
        .order_by("-gross", "kind_name")
    )
    return Revenue(months=months, kinds=kinds)


# Charts ----------------------------------------------------------------------------------------------------------

BAR_COLOUR = "#0a58ca"


def bar_chart(points: list[tuple[str, Decimal]], *, title: str, width: int = 640, height: int = 220) -> dict:
    """Bars for (label, value) pairs, as numbers for templates/billing/includes/bar_chart.svg (never floats in
    money: only the bar geometry is computed in pixels)."""
    top = max((value for _label, value in points), default=ZERO)
    bottom = min((value for _label, value in points), default=ZERO)
    span = (max(top, ZERO) - min(bottom, ZERO)) or Decimal(1)
    plot_height, label_space = height - 40, 24

    def pixels(value):
        return int((value / span * plot_height).to_integral_value())

    zero_y = 10 + pixels(max(top, ZERO))
    slot = (width - 20) // max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        size = pixels(abs(value))
        y = zero_y - size if value >= 0 else zero_y
        bars.append(
            {
                "x": 10 + index * slot + slot // 8,
                "y": y,
                "width": max(slot - slot // 4, 1),
                "height": size,
                "label": label,
                "label_x": 10 + index * slot + slot // 2,
                "value": value,
            }
        )
    return {
        "title": title,
        "width": width,
        "height": height + label_space,
        "bars": bars,
        "zero_y": zero_y,
        "label_y": height + 14,
        "colour": BAR_COLOUR,
    }
