"""The managers' reports add up to the money recorded, on the page and in the CSV."""

import csv
import datetime
import io
from decimal import Decimal as D
from http import HTTPStatus

import pytest
from django.utils import timezone

from billing import reports, services
from billing.models import Payment
from billing.money import ZERO
from billing.tests.factories import EstimateFactory, job
from billing.tests.test_services import approved_job, at
from core.models import Status
from customers.tests.factories import EquipmentFactory, equipment_type

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pay(item, kind, method, amount, actor, days_ago=0, note=""):
    payment = services.record_payment(
        item_pk=item.pk, kind=kind, method=method, amount=D(amount), actor=actor, note=note
    )
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Payment.objects.filter(pk=payment.pk).update(received_at=when)  # back-dated: a week of takings
    return payment


@pytest.fixture
def week(front_desk, manager):
    """A week of deposits, payments and a refund, by every method."""
    first, second = approved_job(front_desk, "100.00"), approved_job(front_desk, "250.00")
    pay(first, "deposit", "cash", "20.00", front_desk, days_ago=6)
    pay(first, "payment", "card", "80.00", front_desk, days_ago=2)
    pay(second, "deposit", "transfer", "50.00", front_desk, days_ago=6)
    pay(second, "payment", "other", "0.01", front_desk, days_ago=1)
    pay(second, "refund", "cash", "10.00", manager, days_ago=0, note="Overcharged")
    pay(job(), "deposit", "card", "33.33", front_desk, days_ago=0)
    return first, second


def test_takings_add_up_to_the_payments_recorded(manager_client, week):
    recorded = sum((p.signed_amount for p in Payment.objects.all()), ZERO)
    rows = reports.takings(TODAY - datetime.timedelta(days=6), TODAY)
    assert sum((row["total"] for row in rows), ZERO) == recorded == D("173.34")
    for method in Payment.Method.values:
        expected = sum((p.signed_amount for p in Payment.objects.filter(method=method)), ZERO)
        assert sum((row[method] for row in rows), ZERO) == expected
    assert rows[-1]["cash"] == D("-10.00") and rows[-1]["card"] == D("33.33")

    start = (TODAY - datetime.timedelta(days=6)).isoformat()
    page = manager_client.get("/billing/reports/takings/", {"start": start, "end": TODAY.isoformat()})
    assert "$173.34" in page.text and "<svg" in page.text
    sheet = manager_client.get("/billing/reports/takings.csv", {"start": start, "end": TODAY.isoformat()})
    lines = list(csv.reader(io.StringIO(sheet.content.decode())))
    assert lines[0] == ["Day", "Cash", "Card", "Bank transfer", "Other", "Total", "Payments"]
    assert sum(D(line[5]) for line in lines[1:]) == recorded


def test_the_cash_up_sheet_defaults_to_today(manager_client, week):
    page = manager_client.get("/billing/reports/takings/")
    assert TODAY.isoformat() in page.text
    assert "$23.33" in page.text  # 33.33 by card less a 10.00 cash refund


def test_open_balances_agree_with_each_jobs_balance(manager_client, week, front_desk):
    first, second = week
    deposit_only = Payment.objects.get(amount=D("33.33")).item
    balances = reports.open_balances()
    assert {row["item"].pk: row["due"] for row in balances.rows(balances.job_ids)} == {
        item.pk: services.balance(item).due for item in (second, deposit_only)
    }
    assert services.balance(first).due == 0  # settled, so not listed
    services.issue_invoice(item_pk=second.pk, actor=front_desk)
    balances = reports.open_balances()
    assert {row["item"].pk: row["due"] for row in balances.rows(balances.job_ids)}[second.pk] == D("209.99")
    assert balances.totals()["due"] == D("209.99") - D("33.33")
    page = manager_client.get("/billing/reports/balances/")
    assert "$176.66" in page.text and "Total of all 2 jobs" in page.text
    sheet = manager_client.get("/billing/reports/balances.csv").content.decode()
    assert f"{second.control_number}," in sheet and ",209.99" in sheet


def test_open_balances_come_a_page_at_a_time(manager_client, front_desk, monkeypatch):
    from billing.views import BalancesView

    for _ in range(3):
        pay(job(), "deposit", "cash", "1.00", front_desk)
    monkeypatch.setattr(BalancesView, "page_size", 2)
    assert manager_client.get("/billing/reports/balances/?page=2").text.count("-$1.00") == 1
    assert manager_client.get("/billing/reports/balances/?page=9").status_code == HTTPStatus.NOT_FOUND


def test_estimates_waiting_longest_first(manager_client, front_desk):
    old, new = at(job(), Status.DIAGNOSING, front_desk), at(job(), Status.DIAGNOSING, front_desk)
    for item, hours in ((new, 2), (old, 50)):
        estimate = EstimateFactory(item=item, number=1, status="sent", gross=D(10))
        estimate.sent_at = timezone.now() - datetime.timedelta(hours=hours)
        estimate.save()
    rows = reports.waiting_estimates()
    assert [row["item"] for row in rows] == [old, new]
    page = manager_client.get("/billing/reports/waiting/")
    assert "2\xa0days, 2\xa0hours" in page.text
    sheet = list(csv.reader(io.StringIO(manager_client.get("/billing/reports/waiting.csv").content.decode())))
    assert [line[4] for line in sheet[1:]] == ["50", "2"]


def test_revenue_per_month_and_equipment_type_nets_out_credit_notes(manager_client, front_desk, manager):
    drysuit = EquipmentFactory(kind=equipment_type("Drysuit"))
    regulator_job = approved_job(front_desk, "100.00")
    drysuit_job = at(job(customer=drysuit.owner, equipment=drysuit), Status.DIAGNOSING, front_desk)
    estimate = services.start_estimate(item_pk=drysuit_job.pk, actor=front_desk)
    services.add_line(estimate_pk=estimate.pk, actor=front_desk, description="Zip", unit_price=D("180.00"))
    services.set_preapproval(item_pk=drysuit_job.pk, limit=D(200), actor=front_desk)
    services.issue_invoice(item_pk=drysuit_job.pk, actor=front_desk)
    cancelled = services.issue_invoice(item_pk=regulator_job.pk, actor=front_desk)
    services.cancel_invoice(invoice_pk=cancelled.pk, reason="Wrong price", actor=manager)
    revenue = reports.revenue(TODAY - datetime.timedelta(days=30), TODAY)
    assert [(row["gross"], row["count"]) for row in revenue.months] == [(D("180.00"), 2)]
    assert {row["kind_name"]: row["gross"] for row in revenue.kinds} == {"Drysuit": D("180.00"), "Regulator": D(0)}
    page = manager_client.get("/billing/reports/revenue/")
    assert "$180.00" in page.text and "Drysuit" in page.text
    sheet = manager_client.get("/billing/reports/revenue.csv").content.decode()
    assert "Drysuit,1,180.00,180.00" in sheet


def test_a_bad_period_is_a_400_with_the_reason(manager_client):
    response = manager_client.get("/billing/reports/takings/", {"start": "2026-02-10", "end": "2026-02-01"})
    assert response.status_code == HTTPStatus.BAD_REQUEST and "can’t be before" in response.text
    response = manager_client.get("/billing/reports/revenue.csv", {"start": "yesterday"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_csv_cells_that_look_like_formulas_are_neutralised(manager_client, front_desk):
    item = approved_job(front_desk, "10")
    item.customer.name = '=HYPERLINK("http://evil")'
    item.customer.save()
    assert "'=HYPERLINK" in manager_client.get("/billing/reports/balances.csv").content.decode()


def test_a_bar_chart_scales_to_its_largest_bar_and_shows_refund_days_below_zero():
    chart = reports.bar_chart([("a", D(100)), ("b", D(-50)), ("c", D(0))], title="T", height=220)
    a, b, c = chart["bars"]
    assert a["height"] == 120 and a["y"] + a["height"] == chart["zero_y"]
    assert b["height"] == 60 and b["y"] == chart["zero_y"]
    assert c["height"] == 0
    assert reports.bar_chart([], title="Nothing")["bars"] == []
