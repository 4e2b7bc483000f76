"""Estimates, approval, invoices, payments and release, through the services every page uses."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from billing import services
from billing.models import Estimate, Immutable, Invoice, Payment
from billing.services import BillingError
from billing.tests.factories import PriceItemFactory, job
from core.models import ServiceEvent, Status
from core.services import LogbookError, change_status

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def at(item, status, actor):
    """Walk a job along the workflow to `status`."""
    path = {
        Status.DIAGNOSING: [Status.DIAGNOSING],
        Status.IN_REPAIR: [Status.DIAGNOSING, Status.IN_REPAIR],
        Status.READY: [Status.DIAGNOSING, Status.IN_REPAIR, Status.READY],
    }[status]
    for step in path:
        change_status(item_pk=item.pk, to_status=step, actor=actor)
    item.refresh_from_db()
    return item


def estimate_with(item, actor, *prices, send=False):
    draft = services.start_estimate(item_pk=item.pk, actor=actor)
    for price in prices:
        services.add_line(estimate_pk=draft.pk, actor=actor, description="Service", unit_price=D(price))
    if send:
        services.send_estimate(estimate_pk=draft.pk, actor=actor)
    draft.refresh_from_db()
    return draft


def approved_job(actor, *prices):
    item = at(job(), Status.DIAGNOSING, actor)
    estimate = estimate_with(item, actor, *prices, send=True)
    services.approve_estimate(item_pk=item.pk, version=estimate.number, signed_name="Rosa Reyes", ip="127.0.0.1")
    item.refresh_from_db()
    return item


# Estimates -------------------------------------------------------------------------------------------------------


def test_sending_an_estimate_asks_the_customer_and_waits(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate = estimate_with(item, front_desk, "80.00", "12.50", send=True)
    item.refresh_from_db()
    assert (estimate.status, estimate.gross) == (Estimate.Status.SENT, D("92.50"))
    assert item.status == Status.WAITING_APPROVAL
    assert item.events.filter(kind=ServiceEvent.Kind.ESTIMATE, note__contains="$92.50").exists()


def test_approval_records_the_signature_and_moves_the_job_to_repair(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate = estimate_with(item, front_desk, "80.00", send=True)
    services.approve_estimate(item_pk=item.pk, version=1, signed_name="  Rosa   Reyes ", ip="203.0.113.9")
    estimate.refresh_from_db()
    item.refresh_from_db()
    assert (estimate.status, estimate.signed_name, estimate.signed_ip) == ("approved", "Rosa Reyes", "203.0.113.9")
    assert estimate.decided_via == Estimate.Via.CUSTOMER and estimate.decided_at is not None
    assert item.status == Status.IN_REPAIR
    assert item.events.filter(kind=ServiceEvent.Kind.APPROVAL, note__contains="approved estimate version 1").exists()


def test_declining_sends_the_job_back_unrepaired(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "300.00", send=True)
    estimate = services.decline_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    item.refresh_from_db()
    assert estimate.status == Estimate.Status.DECLINED
    assert item.status == Status.READY
    assert "return it unrepaired" in item.events.filter(kind=ServiceEvent.Kind.STATUS).first().note


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_signature_is_a_name_of_sensible_length(front_desk, name):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", send=True)
    with pytest.raises(BillingError):
        services.approve_estimate(item_pk=item.pk, version=1, signed_name=name, ip=None)
    assert item.estimates.get().status == Estimate.Status.SENT


def test_a_changed_estimate_needs_a_new_approval_and_the_old_one_stays_frozen(front_desk):
    item = approved_job(front_desk, "80.00")
    first = item.estimates.get()
    with pytest.raises(BillingError, match="can’t change"):
        services.add_line(estimate_pk=first.pk, actor=front_desk, description="More", unit_price=D(1))
    second = services.start_estimate(item_pk=item.pk, actor=front_desk)
    assert (second.number, second.lines.count()) == (2, 1)
    services.add_line(estimate_pk=second.pk, actor=front_desk, description="Hose", unit_price=D("30.00"))
    services.send_estimate(estimate_pk=second.pk, actor=front_desk)
    first.refresh_from_db()
    assert (first.status, first.gross, first.lines.count()) == (Estimate.Status.APPROVED, D("80.00"), 1)
    assert item.estimates.get(number=2).status == Estimate.Status.SENT


def test_answering_an_old_version_is_refused(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", send=True)
    second = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.send_estimate(estimate_pk=second.pk, actor=front_desk)
    with pytest.raises(BillingError, match="changed since you opened it"):
        services.approve_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    assert item.estimates.get(number=1).status == Estimate.Status.SUPERSEDED


def test_an_answered_estimate_cannot_be_answered_again(front_desk):
    item = approved_job(front_desk, "80.00")
    with pytest.raises(BillingError, match="already answered"):
        services.decline_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)


def test_a_draft_or_unknown_version_cannot_be_answered(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00")
    for version in (1, 7):
        with pytest.raises(BillingError, match="no such estimate"):
            services.approve_estimate(item_pk=item.pk, version=version, signed_name="Rosa", ip=None)


def test_an_empty_estimate_is_not_sent(front_desk):
    item = job()
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    with pytest.raises(BillingError, match="at least one line"):
        services.send_estimate(estimate_pk=draft.pk, actor=front_desk)


def test_a_price_list_line_takes_its_code_name_price_and_rate(technician):
    part = PriceItemFactory(code="ORING-112", name="O-ring 112", unit_price=D("1.20"), tax_rate=D(19))
    draft = services.start_estimate(item_pk=job().pk, actor=technician)
    line = services.add_line(estimate_pk=draft.pk, actor=technician, price_item=part, quantity=D(3))
    assert (line.code, line.description, line.unit_price, line.tax_rate) == ("ORING-112", "O-ring 112", D("1.20"), 19)
    assert draft.totals().gross == D("4.28")


def test_a_technician_uses_the_price_list_prices_only(technician):
    part = PriceItemFactory(unit_price=D("1.20"))
    draft = services.start_estimate(item_pk=job().pk, actor=technician)
    with pytest.raises(BillingError, match="price list’s prices"):
        services.add_line(estimate_pk=draft.pk, actor=technician, price_item=part, unit_price=D("0.50"))
    with pytest.raises(BillingError, match="price list’s prices"):
        services.add_line(estimate_pk=draft.pk, actor=technician, description="Cheap fix", unit_price=D(5))
    assert not draft.lines.exists()


def test_an_inactive_price_list_entry_is_not_offered(front_desk):
    part = PriceItemFactory(active=False)
    draft = services.start_estimate(item_pk=job().pk, actor=front_desk)
    with pytest.raises(BillingError, match="no longer on the price list"):
        services.add_line(estimate_pk=draft.pk, actor=front_desk, price_item=part)


@pytest.mark.parametrize(
    ("who", "discount", "allowed"),
    [
        ("front_desk", "10", True),
        ("front_desk", "10.01", False),
        ("technician", "1", False),
        ("manager", "100", True),
        ("manager", "100.01", False),
        ("front_desk", "-1", False),
    ],
)
def test_discounts_are_limited_per_group(request, who, discount, allowed):
    actor = request.getfixturevalue(who)
    part = PriceItemFactory()
    draft = services.start_estimate(item_pk=job().pk, actor=actor)
    add = lambda: services.add_line(  # noqa: E731
        estimate_pk=draft.pk, actor=actor, price_item=part, discount_percent=D(discount)
    )
    if allowed:
        assert add().discount_percent == D(discount)
    else:
        with pytest.raises(BillingError, match="discount of at most"):
            add()


def test_a_raised_discount_limit_counts_at_once(front_desk):
    from billing.models import DiscountLimit

    DiscountLimit.objects.filter(group__name="Front desk").update(max_percent=D(25))
    draft = services.start_estimate(item_pk=job().pk, actor=front_desk)
    line = services.add_line(
        estimate_pk=draft.pk, actor=front_desk, price_item=PriceItemFactory(), discount_percent=D(25)
    )
    assert line.discount_percent == 25


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", D(0)),
        ("quantity", D(-1)),
        ("unit_price", D("-1")),
        ("unit_price", D("1.005")),
        ("tax_rate", D(101)),
    ],
)
def test_bad_line_values_are_refused(front_desk, field, value):
    draft = services.start_estimate(item_pk=job().pk, actor=front_desk)
    values = {"description": "Work", "unit_price": D(10), field: value}
    with pytest.raises(BillingError):
        services.add_line(estimate_pk=draft.pk, actor=front_desk, **values)


def test_removing_a_line_from_a_draft(front_desk):
    draft = estimate_with(job(), front_desk, "10", "20")
    services.remove_line(line_pk=draft.lines.first().pk, actor=front_desk)
    assert draft.totals().gross == D(20)


# Pre-approval ----------------------------------------------------------------------------------------------------


def test_an_estimate_within_the_preapproved_amount_counts_as_approved(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    services.set_preapproval(item_pk=item.pk, limit=D(60), actor=front_desk)
    estimate = estimate_with(item, front_desk, "59.99", send=True)
    item.refresh_from_db()
    assert (estimate.status, estimate.decided_via) == (Estimate.Status.APPROVED, Estimate.Via.PREAPPROVAL)
    assert item.status == Status.DIAGNOSING  # never asked, so never waiting
    assert item.events.filter(kind=ServiceEvent.Kind.APPROVAL, note__contains="within the $60.00").exists()


def test_an_estimate_over_the_preapproved_amount_is_asked_for(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    services.set_preapproval(item_pk=item.pk, limit=D(60), actor=front_desk)
    estimate = estimate_with(item, front_desk, "60.01", send=True)
    item.refresh_from_db()
    assert estimate.status == Estimate.Status.SENT
    assert item.status == Status.WAITING_APPROVAL


def test_preapproval_is_recorded_on_the_timeline_and_can_be_withdrawn(front_desk):
    item = job()
    account = services.set_preapproval(item_pk=item.pk, limit=D(60), actor=front_desk)
    assert (account.preapproved_limit, account.preapproved_by) == (D(60), front_desk)
    services.set_preapproval(item_pk=item.pk, limit=None, actor=front_desk)
    account.refresh_from_db()
    assert account.preapproved_limit is None
    assert item.events.filter(kind=ServiceEvent.Kind.APPROVAL).count() == 2


# Invoices --------------------------------------------------------------------------------------------------------


def test_an_invoice_copies_the_approved_estimate_and_is_numbered_per_year(front_desk):
    item = approved_job(front_desk, "80.00", "12.50")
    invoice = services.issue_invoice(item_pk=item.pk, actor=front_desk)
    assert invoice.number == f"{YEAR}-0001"
    assert (invoice.gross, invoice.lines.count(), invoice.customer_name) == (D("92.50"), 2, item.customer.name)
    assert invoice.estimate == invoice.approved_estimate == item.estimates.get()
    second = services.issue_invoice(item_pk=approved_job(front_desk, "10").pk, actor=front_desk)
    assert second.number == f"{YEAR}-0002"
    assert item.events.filter(kind=ServiceEvent.Kind.INVOICE, note__contains=invoice.number).exists()


def test_there_is_nothing_to_invoice_without_an_estimate(front_desk):
    with pytest.raises(BillingError, match="nothing to invoice"):
        services.issue_invoice(item_pk=job().pk, actor=front_desk)
    assert not Invoice.objects.exists()


def test_a_refused_issue_takes_no_number(front_desk):
    with pytest.raises(BillingError):
        services.issue_invoice(item_pk=job().pk, actor=front_desk)
    assert services.issue_invoice(item_pk=approved_job(front_desk, "10").pk, actor=front_desk).sequence == 1


def test_invoicing_more_than_the_customer_approved_is_refused(front_desk):
    item = approved_job(front_desk, "80.00")
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="Extra hose", unit_price=D("30.00"))
    with pytest.raises(BillingError, match="more than the customer approved"):
        services.issue_invoice(item_pk=item.pk, actor=front_desk)


def test_invoicing_less_than_approved_needs_no_new_approval_and_shows_both(front_desk):
    item = approved_job(front_desk, "80.00", "12.50")
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.remove_line(line_pk=draft.lines.last().pk, actor=front_desk)
    invoice = services.issue_invoice(item_pk=item.pk, actor=front_desk)
    assert invoice.gross == D("80.00")
    assert (invoice.estimate.number, invoice.approved_estimate.number) == (2, 1)
    assert invoice.estimate.decided_via == Estimate.Via.WITHIN_APPROVED


def test_a_draft_within_the_preapproval_is_invoiced_without_asking(front_desk):
    item = job()
    services.set_preapproval(item_pk=item.pk, limit=D(60), actor=front_desk)
    estimate_with(item, front_desk, "45.00")
    assert services.issue_invoice(item_pk=item.pk, actor=front_desk).gross == D("45.00")


def test_a_declined_estimate_is_not_invoiced(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", send=True)
    services.decline_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    with pytest.raises(BillingError, match="declined"):
        services.issue_invoice(item_pk=item.pk, actor=front_desk)


def test_one_invoice_per_job_until_a_credit_note_cancels_it(front_desk, manager):
    item = approved_job(front_desk, "80.00")
    invoice = services.issue_invoice(item_pk=item.pk, actor=front_desk)
    with pytest.raises(BillingError, match="invoiced already"):
        services.issue_invoice(item_pk=item.pk, actor=front_desk)
    credit = services.cancel_invoice(invoice_pk=invoice.pk, reason="Wrong customer", actor=manager)
    assert (credit.number, credit.gross, credit.cancels) == (f"CN-{YEAR}-0001", D("-80.00"), invoice)
    assert [line.amount for line in credit.lines.all()] == [D("-80.00")]
    assert services.issue_invoice(item_pk=item.pk, actor=front_desk).number == f"{YEAR}-0002"
    event = AuditEvent.objects.get(kind="invoice_cancelled")
    assert (event.actor, event.detail["invoice"], event.detail["credit_note"]) == (
        manager,
        invoice.number,
        credit.number,
    )


def test_only_a_manager_cancels_an_invoice_and_says_why(front_desk, manager):
    invoice = services.issue_invoice(item_pk=approved_job(front_desk, "80").pk, actor=front_desk)
    with pytest.raises(BillingError, match="Only a manager"):
        services.cancel_invoice(invoice_pk=invoice.pk, reason="Oops", actor=front_desk)
    with pytest.raises(BillingError, match="Say why"):
        services.cancel_invoice(invoice_pk=invoice.pk, reason="  ", actor=manager)
    services.cancel_invoice(invoice_pk=invoice.pk, reason="Oops", actor=manager)
    with pytest.raises(BillingError, match="cancelled already"):
        services.cancel_invoice(invoice_pk=invoice.pk, reason="Again", actor=manager)
    assert Invoice.objects.count() == 2


def test_an_issued_invoice_never_changes(front_desk):
    item = approved_job(front_desk, "80.00")
    invoice = services.issue_invoice(item_pk=item.pk, actor=front_desk)
    customer = item.customer
    customer.name, customer.address = "Someone Else", "Elsewhere"
    customer.save()
    invoice.refresh_from_db()
    assert invoice.customer_name != "Someone Else" and invoice.customer_address == "1 Reef Lane\nPort Town"
    invoice.gross = D(1)
    with pytest.raises(Immutable):
        invoice.save()
    with pytest.raises(Immutable):
        invoice.delete()
    with pytest.raises(Immutable):
        invoice.lines.first().delete()


def test_invoicing_parts_takes_them_off_the_stock_count_even_below_zero(front_desk):
    part = PriceItemFactory(stock=D(1), unit_price=D(5))
    uncounted = PriceItemFactory(stock=None)
    item = at(job(), Status.DIAGNOSING, front_desk)
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, price_item=part, quantity=D(3))
    services.add_line(estimate_pk=draft.pk, actor=front_desk, price_item=uncounted)
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    services.approve_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    services.issue_invoice(item_pk=item.pk, actor=front_desk)
    part.refresh_from_db()
    uncounted.refresh_from_db()
    assert (part.stock, part.out_of_stock) == (D(-2), True)
    assert uncounted.stock is None


def test_settings_are_copied_onto_the_invoice(front_desk, settings):
    settings.SHOP_LEGAL_NAME, settings.SHOP_TAX_ID = "Reef Repairs Ltd", "GB123456789"
    invoice = services.issue_invoice(item_pk=approved_job(front_desk, "80").pk, actor=front_desk)
    settings.SHOP_LEGAL_NAME = "Renamed Ltd"
    invoice.refresh_from_db()
    assert (invoice.shop_legal_name, invoice.shop_tax_id, invoice.currency) == (
        "Reef Repairs Ltd",
        "GB123456789",
        "USD",
    )


# Payments and the balance ----------------------------------------------------------------------------------------


def test_deposit_payment_and_balance(front_desk):
    item = job()
    services.record_payment(item_pk=item.pk, kind="deposit", method="cash", amount=D(20), actor=front_desk)
    assert services.balance(item).due == D(-20)
    item = at(item, Status.DIAGNOSING, front_desk)
    estimate = estimate_with(item, front_desk, "92.50", send=True)
    services.approve_estimate(item_pk=item.pk, version=estimate.number, signed_name="Rosa", ip=None)
    assert services.balance(item).due == D("72.50")
    services.issue_invoice(item_pk=item.pk, actor=front_desk)
    services.record_payment(
        item_pk=item.pk, kind="payment", method="card", amount=D("72.50"), reference="slip 0042", actor=front_desk
    )
    current = services.balance(item)
    assert (current.owed, current.paid, current.due, current.invoiced) == (D("92.50"), D("92.50"), 0, True)
    assert item.events.filter(kind=ServiceEvent.Kind.PAYMENT).count() == 2


def test_a_payment_over_the_balance_due_is_refused(front_desk):
    item = approved_job(front_desk, "50.00")
    with pytest.raises(BillingError, match=r"Only \$50.00 is due"):
        services.record_payment(item_pk=item.pk, kind="payment", method="cash", amount=D("50.01"), actor=front_desk)
    with pytest.raises(BillingError, match="Nothing is due"):
        services.record_payment(item_pk=job().pk, kind="payment", method="cash", amount=D(1), actor=front_desk)


@pytest.mark.parametrize("amount", [D(0), D(-5), D("1.001")])
def test_bad_amounts_are_refused(front_desk, amount):
    with pytest.raises(BillingError):
        services.record_payment(item_pk=job().pk, kind="deposit", method="cash", amount=amount, actor=front_desk)
    assert not Payment.objects.exists()


def test_refunds_are_a_managers_with_a_reason_up_to_what_was_paid(front_desk, manager):
    item = job()
    services.record_payment(item_pk=item.pk, kind="deposit", method="card", amount=D(30), actor=front_desk)
    refund = lambda who, amount, note="Declined the repair": services.record_payment(  # noqa: E731
        item_pk=item.pk, kind="refund", method="card", amount=D(amount), note=note, actor=who
    )
    with pytest.raises(BillingError, match="Only a manager"):
        refund(front_desk, 30)
    with pytest.raises(BillingError, match="Say why"):
        refund(manager, 30, note="")
    with pytest.raises(BillingError, match="can’t be more"):
        refund(manager, "30.01")
    refund(manager, 30)
    assert services.balance(item).paid == 0
    event = AuditEvent.objects.get(kind="refund")
    assert (event.actor, event.detail) == (manager, {"job": item.control_number, "amount": "30.00", "method": "card"})


def test_a_payment_is_never_edited(front_desk):
    payment = services.record_payment(item_pk=job().pk, kind="deposit", method="cash", amount=D(5), actor=front_desk)
    payment.amount = D(50)
    with pytest.raises(Immutable):
        payment.save()


# Release ---------------------------------------------------------------------------------------------------------


def test_releasing_with_money_due_is_refused(front_desk):
    item = approved_job(front_desk, "80.00")
    change_status(item_pk=item.pk, to_status=Status.READY, actor=front_desk)
    with pytest.raises(LogbookError, match=r"\$80.00 is still due"):
        change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=front_desk, note="Customer in a hurry")
    item.refresh_from_db()
    assert item.status == Status.READY


def test_a_manager_releases_with_money_due_only_with_a_reason(manager):
    item = approved_job(manager, "80.00")
    change_status(item_pk=item.pk, to_status=Status.READY, actor=manager)
    with pytest.raises(LogbookError, match="write the reason"):
        change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=manager, note=" ")
    change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=manager, note="Regular customer, pays Friday")
    item.refresh_from_db()
    assert item.status == Status.RELEASED
    assert item.events.filter(kind=ServiceEvent.Kind.PAYMENT, note__contains="Regular customer, pays Friday").exists()
    event = AuditEvent.objects.get(kind="release_unpaid")
    assert (event.actor, event.detail) == (manager, {"job": item.control_number, "due": "80.00"})


def test_a_paid_job_is_released(front_desk):
    item = approved_job(front_desk, "80.00")
    services.issue_invoice(item_pk=item.pk, actor=front_desk)
    services.record_payment(item_pk=item.pk, kind="payment", method="cash", amount=D(80), actor=front_desk)
    change_status(item_pk=item.pk, to_status=Status.READY, actor=front_desk)
    change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=front_desk)
    item.refresh_from_db()
    assert item.status == Status.RELEASED


def test_a_job_with_no_money_on_it_is_released(front_desk):
    item = at(job(), Status.READY, front_desk)
    change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=front_desk)


# Erasure ---------------------------------------------------------------------------------------------------------


def test_erasure_removes_signatures_and_keeps_invoices(front_desk):
    from customers.signals import customer_erased

    item = approved_job(front_desk, "80.00")
    invoice = services.issue_invoice(item_pk=item.pk, actor=front_desk)
    customer_erased.send(sender=type(item.customer), customer=item.customer, actor=front_desk)
    estimate = item.estimates.get()
    assert (estimate.signed_name, estimate.signed_ip) == ("", None)
    assert Invoice.objects.get(pk=invoice.pk).customer_name == item.customer.name
