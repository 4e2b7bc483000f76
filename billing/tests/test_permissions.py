"""Every billing URL for every kind of visitor: anonymous, no group, and each staff group."""

from decimal import Decimal as D
from http import HTTPStatus

import pytest

from accounts.tests.factories import UserFactory, staff_user
from billing import services
from billing.models import Invoice, Payment
from billing.tests.factories import PriceItemFactory, job
from billing.tests.test_services import approved_job, at
from core.models import Status
from service_center.roles import FRONT_DESK, MANAGERS, STAFF_GROUPS, TECHNICIANS

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_group", FRONT_DESK, TECHNICIANS, MANAGERS]
OK, FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN
EVERYONE = (FORBIDDEN, OK, OK, OK)
MANAGERS_ONLY = (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
REPORTS = [
    "",
    "takings/",
    "takings.csv",
    "balances/",
    "balances.csv",
    "waiting/",
    "waiting.csv",
    "revenue/",
    "revenue.csv",
]

# method, URL ({job}: the draft job's money page, {paid}: a job with an approved estimate, {invoice}: an issued
# invoice, {part}: a price list entry, {line}: the draft's line), data, and the answer for
# (no group, Front desk, Technicians, Managers); anonymous visitors always go to the login page.
MATRIX = [
    ("get", "/billing/prices/", None, EVERYONE),
    ("get", "/billing/prices/new/", None, MANAGERS_ONLY),
    (
        "post",
        "/billing/prices/new/",
        {"kind": "part", "code": "NEW-1", "name": "Hose", "unit_price": "9.90", "tax_rate": "0"},
        (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND),
    ),
    ("get", "/billing/prices/{part}/edit/", None, MANAGERS_ONLY),
    (
        "post",
        "/billing/prices/{part}/edit/",
        {"kind": "part", "code": "PART-X", "name": "Kit", "unit_price": "1", "tax_rate": "0", "version": "1"},
        (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND),
    ),
    ("get", "/billing/discounts/", None, MANAGERS_ONLY),
    ("get", "{job}", None, EVERYONE),
    ("post", "{job}preapproval/", {"preapproval-limit": "60"}, (FORBIDDEN, FOUND, FORBIDDEN, FOUND)),
    (
        "post",
        "{job}payments/",
        {"payment-kind": "deposit", "payment-method": "cash", "payment-amount": "10"},
        (FORBIDDEN, FOUND, FORBIDDEN, FOUND),
    ),
    (
        "post",
        "{job}payments/",
        {"payment-kind": "refund", "payment-method": "cash", "payment-amount": "5", "payment-note": "Overpaid"},
        (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND),
    ),
    ("post", "{job}estimate/", {}, (FORBIDDEN, FOUND, FOUND, FOUND)),
    (
        "post",
        "{job}estimate/lines/",
        {"line-price_item": "{part}", "line-kind": "part", "line-quantity": "2"},
        (FORBIDDEN, FOUND, FOUND, FOUND),
    ),
    ("post", "{job}estimate/lines/{line}/remove/", {}, (FORBIDDEN, FOUND, FOUND, FOUND)),
    ("post", "{job}estimate/send/", {}, (FORBIDDEN, FOUND, FORBIDDEN, FOUND)),
    ("get", "{paid}invoice/", None, (FORBIDDEN, OK, FORBIDDEN, OK)),
    ("post", "{paid}invoice/", {}, (FORBIDDEN, FOUND, FORBIDDEN, FOUND)),
    ("get", "/billing/invoices/{invoice}/", None, EVERYONE),
    ("get", "/billing/invoices/{invoice}/cancel/", None, MANAGERS_ONLY),
    ("post", "/billing/invoices/{invoice}/cancel/", {"reason": "Typo"}, (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND)),
    *(("get", f"/billing/reports/{report}", None, MANAGERS_ONLY) for report in REPORTS),
]


@pytest.fixture
def places():
    """The records the URLs name, made by a manager who is not the visitor."""
    boss = staff_user(MANAGERS)
    part = PriceItemFactory(code="PART-X", name="Kit", unit_price=D(1))
    draft_job = at(job(), Status.DIAGNOSING, boss)
    draft = services.start_estimate(item_pk=draft_job.pk, actor=boss)
    line = services.add_line(estimate_pk=draft.pk, actor=boss, price_item=part)
    services.record_payment(item_pk=draft_job.pk, kind="deposit", method="cash", amount=D(20), actor=boss)
    invoice = services.issue_invoice(item_pk=approved_job(boss, "50").pk, actor=boss)
    return {
        "job": f"/billing/jobs/{draft_job.control_number}/",
        "paid": f"/billing/jobs/{approved_job(boss, '40').control_number}/",
        "invoice": invoice.number,
        "part": str(part.pk),
        "line": str(line.pk),
    }


def login_as(client, role):
    if role != "anonymous":
        client.force_login(UserFactory() if role == "no_group" else staff_user(role))


def fill(text, places):
    return text.format(**places)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data", "answers"), MATRIX, ids=[f"{m} {p} {sorted(d or {})}" for m, p, d, _ in MATRIX]
)
def test_permission_matrix(client, places, role, method, path, data, answers):
    login_as(client, role)
    data = {key: fill(value, places) for key, value in (data or {}).items()}
    response = getattr(client, method)(fill(path, places), data)
    if role == "anonymous":
        assert response.status_code == FOUND
        assert response.url.startswith("/accounts/login/?next=")
        return
    expected = dict(zip(ROLES[1:], answers, strict=True))[role]
    assert response.status_code == expected, response.content[:400]
    if expected == FORBIDDEN:
        assert "ask a manager to grant you access" in response.text


@pytest.mark.parametrize("role", ["no_group", *STAFF_GROUPS])
def test_refused_money_posts_change_nothing(client, places, role):
    login_as(client, role)
    client.post(
        f"{places['job']}payments/",
        {"payment-kind": "refund", "payment-method": "cash", "payment-amount": "5", "payment-note": "x"},
    )
    client.post(f"/billing/invoices/{places['invoice']}/cancel/", {"reason": "x"})
    assert Payment.objects.filter(kind="refund").exists() == (role == MANAGERS)
    assert Invoice.objects.filter(kind="credit").exists() == (role == MANAGERS)


@pytest.mark.parametrize("path", ["preapproval/", "payments/", "estimate/", "estimate/lines/", "estimate/send/"])
def test_action_urls_refuse_get(manager_client, places, path):
    assert manager_client.get(f"{places['job']}{path}").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_the_job_page_shows_the_money_panel_only_to_staff_with_billing_rights(client, places):
    from core.models import ServiceItem

    item = ServiceItem.objects.get(estimates__status="draft")
    client.force_login(staff_user(TECHNICIANS))
    page = client.get(item.get_absolute_url())
    assert "Balance due" in page.text or "In credit" in page.text
    assert "Take a payment" not in page.text  # technicians don't take money
