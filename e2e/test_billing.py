"""Money on a job in a real browser: a deposit at take-in, an estimate approved by the customer, the invoice and
the final payment at pickup, and the managers' reports. Every page is checked like the other journeys (axe at
both sizes, no CSP violation, vnu)."""

import importlib
import re
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from billing import services
from billing.models import Estimate, Invoice, Payment
from billing.tests.factories import PriceItemFactory, job
from core.models import Status
from core.services import change_status
from customers.tests.factories import CustomerFactory
from e2e.test_journeys import PASSWORD, inspector_path, log_in
from e2e.test_notifications import assert_only_the_origin_was_sent, watch_referrers
from notifications.links import status_url
from notifications.tests.conftest import make_templates_and_grants
from service_center.roles import FRONT_DESK, MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _billing_rights(_site):
    # Transactional tests empty the tables: make the message templates, billing's permissions and discount limits
    # again as the migrations do.
    make_templates_and_grants()
    importlib.import_module("billing.migrations.0002_staff_permissions").grant(apps, None)


def staff(username, group):
    user = UserFactory(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_from_a_deposit_through_an_approved_estimate_to_the_invoice_and_payment_at_pickup(
    live_server, new_page, inspector
):
    base = live_server.url
    staff("desk", FRONT_DESK)
    staff("boss", MANAGERS)
    PriceItemFactory(code="KIT-XTX50", name="Service kit XTX50", unit_price=D("38.00"), stock=D(0))
    PriceItemFactory(code="LAB-REG", name="Regulator service (hour)", kind="labour", unit_price=D("45.00"))
    rosa = CustomerFactory(
        name="Rosa Reyes", email="rosa@example.com", consent=True, consent_at=timezone.now(), address="1 Reef Lane"
    )
    item = job(customer=rosa)

    # Right after take-in: the customer allows work up to 60 and leaves a deposit of 20 in cash.
    desk = new_page()
    log_in(desk, base, "desk")
    desk.goto(base + item.get_absolute_url())
    desk.get_by_label("Go ahead up to").fill("60")
    desk.get_by_role("button", name="Save the amount").click()
    expect(desk.get_by_text("The customer agrees to work up to $60.00.")).to_be_visible()
    desk.get_by_label("What").select_option(label="Deposit")
    desk.get_by_label("Amount").fill("20")
    desk.get_by_label("Method").select_option(label="Cash")
    desk.get_by_role("button", name="Record payment").click()
    expect(desk.get_by_text("Deposit of $20.00 recorded.")).to_be_visible()
    inspector.check(desk, "billing-job-panel")

    # Diagnosed: the estimate (a kit from the price list, an hour and a half of labour) is more than 60.
    desk.get_by_label("New status").select_option(label="Diagnosing")
    desk.get_by_role("button", name="Change status").click()
    desk.get_by_role("link", name="Estimate, invoice and payments").click()
    desk.get_by_role("button", name="Write an estimate").click()
    desk.get_by_label("From the price list").select_option(label="KIT-XTX50 Service kit XTX50")
    desk.get_by_role("button", name="Add line").click()
    expect(desk.get_by_text("Line added.")).to_be_visible()
    desk.get_by_label("From the price list").select_option(label="LAB-REG Regulator service (hour)")
    desk.get_by_label("Quantity").fill("1.5")
    desk.get_by_role("button", name="Add line").click()
    expect(desk.get_by_role("cell", name="$105.50").last).to_be_visible()
    inspector.check(desk, "billing-estimate-draft")
    desk.get_by_role("button", name="Send version 1 to the customer").click()
    expect(desk.get_by_text("Version 1 was sent to the customer.")).to_be_visible()
    item.refresh_from_db()
    assert item.status == Status.WAITING_APPROVAL

    # The customer gets the message through the outbox, opens the status page from its link and approves version
    # 1 with their name as a signature; the time, their address and the version are recorded.
    message = next(sent for sent in mail.outbox if sent.to == ["rosa@example.com"] and "/status/" in sent.body)
    link = re.search(r"http://\S+/status/\S+/", message.body).group(0)
    assert link == status_url(item)
    customer = new_page()
    customer.goto(link)
    expect(customer.get_by_text("Your estimate is waiting for you")).to_be_visible()
    inspector.check(customer, "billing-status-page-estimate")
    referrers = watch_referrers(customer)
    customer.get_by_role("link", name="Read and answer the estimate").click()
    expect(customer.get_by_role("cell", name="$67.50")).to_be_visible()
    inspector.check(customer, "billing-customer-estimate")
    customer.get_by_label("Your name, as your signature").fill("Rosa Reyes")
    customer.get_by_role("button", name="Approve $105.50").click()
    expect(customer.get_by_text("Approved by Rosa Reyes")).to_be_visible()
    inspector.check(customer, "billing-customer-approved")
    assert_only_the_origin_was_sent(referrers, base)  # the form passed the CSRF check all the same
    item.refresh_from_db()
    assert item.status == Status.IN_REPAIR
    approved = Estimate.objects.get()
    assert (approved.number, approved.signed_name, approved.signed_ip) == (1, "Rosa Reyes", "127.0.0.1")

    # Repaired; the invoice shows the estimate it comes from.
    desk.goto(base + item.get_absolute_url())
    desk.get_by_label("New status").select_option(label="Ready for pickup")
    desk.get_by_role("button", name="Change status").click()
    desk.get_by_role("link", name="Estimate, invoice and payments").click()
    desk.get_by_role("link", name="Invoice…").click()
    inspector.check(desk, "billing-invoice-issue")
    desk.get_by_role("button", name="Issue the invoice").click()
    invoice = Invoice.objects.get()
    expect(desk.get_by_text(f"Invoice {invoice.number} issued.")).to_be_visible()
    desk.get_by_role("link", name=f"Invoice {invoice.number}").click()
    expect(desk.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    expect(desk.get_by_text("balance due $85.50")).to_be_visible()
    inspector.check(desk, "billing-invoice")
    desk.emulate_media(media="print")
    desk.screenshot(path=str(inspector_path("billing-invoice-print.png")), full_page=True)
    pdf = desk.pdf(prefer_css_page_size=True)
    desk.emulate_media(media="screen")
    width, height = map(float, re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert (round(width), round(height)) == (595, 842), (width, height)  # A4 in points
    (inspector_path("billing-invoice.pdf")).write_bytes(pdf)

    # At pickup: releasing with money due is refused; the rest is paid by card, then it goes.
    desk.goto(base + item.get_absolute_url())
    desk.get_by_label("New status").select_option(label="Released")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.get_by_text("$85.50 is still due on this job")).to_be_visible()
    inspector.check(desk, "billing-release-refused", html_from="dom")
    desk.get_by_label("What").select_option(label="Payment")
    desk.get_by_label("Amount").fill("85.50")
    desk.get_by_label("Method").select_option(label="Card")
    desk.get_by_label("Reference (optional)").fill("slip 0042")
    desk.get_by_role("button", name="Record payment").click()
    expect(desk.get_by_text("Payment of $85.50 recorded.")).to_be_visible()
    desk.get_by_label("New status").select_option(label="Released")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.get_by_text(f"{item.control_number} is now “Released”.")).to_be_visible()
    assert services.balance(item).due == 0
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [D(20), D("85.50")]

    # The manager's cash-up sheet adds up to what was taken.
    boss = new_page()
    log_in(boss, base, "boss")
    boss.get_by_role("link", name="Money").click()
    inspector.check(boss, "billing-reports")
    boss.get_by_role("link", name=re.compile("Takings")).click()
    expect(boss.get_by_role("cell", name="$105.50").first).to_be_visible()
    inspector.check(boss, "billing-takings")
    boss.goto(base + "/billing/reports/revenue/")
    inspector.check(boss, "billing-revenue")
    boss.goto(base + "/billing/prices/")
    expect(boss.get_by_text("-1 (below zero)")).to_be_visible()
    inspector.check(boss, "billing-price-list")


def test_a_cancelled_jobs_estimate_is_withdrawn_and_the_customer_sees_no_form(live_server, new_page, inspector):
    """P8 in the browser: the manager cancels a job whose estimate waits; the customer's pages say it was
    withdrawn and offer no Approve button. And a report's refused period explains itself (P7)."""
    base = live_server.url
    desk_user = staff("desk", FRONT_DESK)
    staff("boss", MANAGERS)
    item = job()
    change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=desk_user)
    draft = services.start_estimate(item_pk=item.pk, actor=desk_user)
    services.add_line(estimate_pk=draft.pk, actor=desk_user, description="Regulator service", unit_price=D(500))
    services.send_estimate(estimate_pk=draft.pk, actor=desk_user)
    link = status_url(item)

    boss = new_page()
    log_in(boss, base, "boss")
    boss.goto(base + item.get_absolute_url())
    boss.get_by_label("New status").select_option(label="Cancelled")
    boss.get_by_role("button", name="Change status").click()
    expect(boss.get_by_text(f"{item.control_number} is now “Cancelled”.")).to_be_visible()
    assert Estimate.objects.get().status == Estimate.Status.WITHDRAWN

    customer = new_page()
    customer.goto(link)
    expect(customer.get_by_text("was withdrawn: the job is closed")).to_be_visible()
    expect(customer.get_by_role("link", name="Read and answer the estimate")).to_have_count(0)
    inspector.check(customer, "billing-status-page-withdrawn")
    customer.get_by_role("link", name="See the estimate").click()
    expect(customer.get_by_text("This estimate was withdrawn")).to_be_visible()
    expect(customer.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    inspector.check(customer, "billing-customer-estimate-withdrawn")

    boss.goto(base + "/billing/reports/waiting/?end=0001-01-01")
    expect(boss.get_by_text("Enter a date between 1900-01-01 and 2999-12-31.")).to_be_visible()
    inspector.check(boss, "billing-report-refused-period", html_from="dom")
