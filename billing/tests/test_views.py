"""The money pages as staff use them: the job's panel and page, lines, payments, invoices, the price list."""

from decimal import Decimal as D
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from billing import services
from billing.models import DiscountLimit, Estimate, Invoice, Payment, PriceItem
from billing.tests.factories import PriceItemFactory, job
from billing.tests.test_services import approved_job, at
from core.models import Status

pytestmark = pytest.mark.django_db


def money_page(item):
    return f"/billing/jobs/{item.control_number}/"


def test_the_job_page_shows_the_balance_and_takes_a_deposit(desk_client):
    item = job()
    page = desk_client.get(item.get_absolute_url())
    assert "Balance due" in page.text and "Take a payment" in page.text and "Go ahead up to" in page.text
    response = desk_client.post(
        f"{money_page(item)}payments/",
        {"payment-kind": "deposit", "payment-method": "cash", "payment-amount": "50.00", "back": "item"},
    )
    assert response.status_code == HTTPStatus.FOUND and response.url == item.get_absolute_url()
    page = desk_client.get(response.url)
    assert "Deposit of $50.00 recorded." in page.text
    assert "In credit" in page.text and "$50.00" in page.text


def test_the_go_ahead_amount_is_entered_on_the_job_page(desk_client):
    item = job()
    response = desk_client.post(f"{money_page(item)}preapproval/", {"preapproval-limit": "60", "back": "item"})
    assert response.status_code == HTTPStatus.FOUND
    assert "agreed to work up to $60.00" in desk_client.get(item.get_absolute_url()).text
    assert services.preapproved_limit(item) == D(60)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter a number."),
        ("1.005", "no more than 2 decimal places"),
        ("0", "greater than or equal to 0.01"),
        ("-5", "greater than or equal to 0.01"),
        ("", "This field is required."),
    ],
)
def test_a_bad_amount_is_refused_with_the_reason(desk_client, amount, message):
    item = job()
    response = desk_client.post(
        f"{money_page(item)}payments/",
        {"payment-kind": "deposit", "payment-method": "cash", "payment-amount": amount},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.text
    assert not Payment.objects.exists()


def test_a_payment_over_the_balance_is_refused_with_409(desk_client, front_desk):
    item = approved_job(front_desk, "40")
    response = desk_client.post(
        f"{money_page(item)}payments/", {"payment-kind": "payment", "payment-method": "card", "payment-amount": "45"}
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Only $40.00 is due" in response.text


def test_writing_and_sending_an_estimate(desk_client, front_desk):
    part = PriceItemFactory(code="ORING-112", name="O-ring 112", unit_price=D("1.20"))
    item = at(job(), Status.DIAGNOSING, front_desk)
    page = money_page(item)
    assert desk_client.post(f"{page}estimate/").status_code == HTTPStatus.FOUND
    desk_client.post(f"{page}estimate/lines/", {"line-price_item": part.pk, "line-kind": "part", "line-quantity": "4"})
    desk_client.post(
        f"{page}estimate/lines/",
        {
            "line-description": "Regulator service",
            "line-kind": "labour",
            "line-quantity": "1.5",
            "line-unit_price": "60.00",
            "line-discount_percent": "10",
        },
    )
    text = desk_client.get(page).text
    assert "ORING-112" in text and "$4.80" in text and "$81.00" in text and "$85.80" in text
    response = desk_client.post(f"{page}estimate/send/", follow=True)
    assert "Version 1 was sent to the customer." in response.text
    item.refresh_from_db()
    assert item.status == Status.WAITING_APPROVAL


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"line-kind": "part", "line-quantity": "1"}, HTTPStatus.BAD_REQUEST, "Describe the line"),
        (
            {"line-description": "X", "line-kind": "part", "line-quantity": "1"},
            HTTPStatus.BAD_REQUEST,
            "needs a unit price",
        ),
        (
            {"line-description": "X", "line-kind": "part", "line-quantity": "zero", "line-unit_price": "1"},
            HTTPStatus.BAD_REQUEST,
            "Enter a number.",
        ),
        (
            {
                "line-description": "X",
                "line-kind": "part",
                "line-quantity": "1",
                "line-unit_price": "1",
                "line-discount_percent": "11",
            },
            HTTPStatus.CONFLICT,
            "discount of at most 10",
        ),
        (
            {"line-price_item": "999999", "line-kind": "part", "line-quantity": "1"},
            HTTPStatus.BAD_REQUEST,
            "Select a valid choice",
        ),
        (
            {"line-description": "X" * 201, "line-kind": "part", "line-quantity": "1", "line-unit_price": "1"},
            HTTPStatus.BAD_REQUEST,
            "at most 200 characters",
        ),
    ],
)
def test_bad_lines_are_refused_with_the_reason(desk_client, front_desk, data, status, message):
    item = job()
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    response = desk_client.post(f"{money_page(item)}estimate/lines/", data)
    assert response.status_code == status
    assert message in response.text
    assert not draft.lines.exists()


def test_a_line_cannot_be_added_without_a_draft(desk_client, front_desk):
    item = approved_job(front_desk, "10")
    response = desk_client.post(
        f"{money_page(item)}estimate/lines/",
        {"line-description": "X", "line-kind": "part", "line-quantity": "1", "line-unit_price": "1"},
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert "start a new version first" in response.text


def test_another_jobs_line_cannot_be_removed(desk_client, front_desk):
    mine, other = job(), job()
    services.start_estimate(item_pk=mine.pk, actor=front_desk)
    draft = services.start_estimate(item_pk=other.pk, actor=front_desk)
    line = services.add_line(estimate_pk=draft.pk, actor=front_desk, description="X", unit_price=D(1))
    assert desk_client.post(f"{money_page(mine)}estimate/lines/{line.pk}/remove/").status_code == HTTPStatus.NOT_FOUND
    assert draft.lines.count() == 1


def test_text_from_people_is_escaped(desk_client, front_desk):
    item = job()
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="<script>alert(1)</script>", unit_price=D(1))
    text = desk_client.get(money_page(item)).text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


def test_releasing_with_money_due_is_refused_on_the_job_page(desk_client, front_desk):
    item = approved_job(front_desk, "80")
    services.record_payment(item_pk=item.pk, kind="deposit", method="cash", amount=D(30), actor=front_desk)
    at(item, Status.READY, front_desk) if False else None
    from core.services import change_status

    change_status(item_pk=item.pk, to_status=Status.READY, actor=front_desk)
    response = desk_client.post(f"{item.get_absolute_url()}status/", {"status": "released", "note": "In a hurry"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "$50.00 is still due on this job" in response.text
    item.refresh_from_db()
    assert item.status == Status.READY


def test_a_manager_overrides_with_the_note_as_the_reason(manager_client, manager):
    from core.services import change_status

    item = approved_job(manager, "80")
    change_status(item_pk=item.pk, to_status=Status.READY, actor=manager)
    refused = manager_client.post(f"{item.get_absolute_url()}status/", {"status": "released", "note": ""})
    assert refused.status_code == HTTPStatus.CONFLICT and "write the reason in the note" in refused.text
    response = manager_client.post(f"{item.get_absolute_url()}status/", {"status": "released", "note": "Pays Friday"})
    assert response.status_code == HTTPStatus.FOUND
    item.refresh_from_db()
    assert item.status == Status.RELEASED
    assert "Released with $80.00 still due. Reason: Pays Friday" in manager_client.get(item.get_absolute_url()).text
    assert AuditEvent.objects.filter(kind="release_unpaid", actor=manager).exists()


def test_invoicing_shows_estimated_beside_invoiced_then_issues(desk_client, front_desk, settings):
    settings.SHOP_LEGAL_NAME, settings.SHOP_TAX_ID = "Reef Repairs Ltd", "DE123456789"
    item = approved_job(front_desk, "80.00", "12.50")
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.remove_line(line_pk=draft.lines.last().pk, actor=front_desk)
    preview = desk_client.get(f"{money_page(item)}invoice/")
    assert preview.status_code == HTTPStatus.OK
    assert "Estimated: version 1, approved" in preview.text and "To invoice: version 2" in preview.text
    assert "less than the $92.50 approved" in preview.text
    response = desk_client.post(f"{money_page(item)}invoice/", follow=True)
    invoice = Invoice.objects.get()
    assert f"Invoice {invoice.number} issued." in response.text
    printed = desk_client.get(invoice.get_absolute_url())
    assert printed.status_code == HTTPStatus.OK
    for text in ("Reef Repairs Ltd", "Tax ID DE123456789", item.customer.name, "1 Reef Lane", "$80.00", "invoice.css"):
        assert text in printed.text
    assert " style=" not in printed.text and "<script>" not in printed.text


def test_invoicing_over_the_approval_is_refused_with_409(desk_client, front_desk):
    item = approved_job(front_desk, "80.00")
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="Hose", unit_price=D(30))
    response = desk_client.post(f"{money_page(item)}invoice/")
    assert response.status_code == HTTPStatus.CONFLICT
    assert "more than the customer approved" in response.text
    assert not Invoice.objects.exists()


def test_a_manager_cancels_an_invoice_with_a_credit_note(manager_client, manager):
    invoice = services.issue_invoice(item_pk=approved_job(manager, "80").pk, actor=manager)
    page = manager_client.get(f"/billing/invoices/{invoice.number}/cancel/")
    assert "A credit note of $80.00 will cancel it." in page.text
    assert manager_client.post(f"/billing/invoices/{invoice.number}/cancel/", {"reason": ""}).status_code == 400
    response = manager_client.post(f"/billing/invoices/{invoice.number}/cancel/", {"reason": "Wrong job"}, follow=True)
    credit = Invoice.objects.get(kind="credit")
    assert f"cancelled by credit note {credit.number}" in response.text
    assert "-$80.00" in response.text
    again = manager_client.post(f"/billing/invoices/{invoice.number}/cancel/", {"reason": "Again"})
    assert again.status_code == HTTPStatus.CONFLICT and "cancelled already" in again.text


def test_an_unknown_invoice_is_a_404(desk_client):
    assert desk_client.get("/billing/invoices/1999-0001/").status_code == HTTPStatus.NOT_FOUND
    assert desk_client.get("/billing/jobs/SC-999999/").status_code == HTTPStatus.NOT_FOUND


# The price list ----------------------------------------------------------------------------------------------------


def test_a_manager_adds_and_edits_price_list_entries(manager_client):
    data = {
        "kind": "part",
        "code": " oring-112 ",
        "name": "O-ring",
        "unit_price": "1.20",
        "tax_rate": "19",
        "stock": "10",
        "active": "on",
    }
    assert manager_client.post("/billing/prices/new/", data).status_code == HTTPStatus.FOUND
    entry = PriceItem.objects.get()
    assert (entry.code, entry.unit_price, entry.stock) == ("ORING-112", D("1.20"), D(10))
    response = manager_client.post(f"/billing/prices/{entry.pk}/edit/", {**data, "unit_price": "1.50", "version": "1"})
    assert response.status_code == HTTPStatus.FOUND
    entry.refresh_from_db()
    assert (entry.unit_price, entry.version) == (D("1.50"), 2)


def test_a_code_is_unique_whatever_its_case(manager_client):
    PriceItemFactory(code="ORING-112")
    response = manager_client.post(
        "/billing/prices/new/", {"kind": "part", "code": "oring-112", "name": "X", "unit_price": "1", "tax_rate": "0"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert PriceItem.objects.count() == 1


def test_a_stale_price_edit_is_refused(manager_client):
    entry = PriceItemFactory(code="KIT", unit_price=D(5))
    PriceItem.objects.filter(pk=entry.pk).update(version=2, unit_price=D(7))
    response = manager_client.post(
        f"/billing/prices/{entry.pk}/edit/",
        {"kind": "part", "code": "KIT", "name": "Kit", "unit_price": "6", "tax_rate": "0", "version": "1"},
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Someone else saved this entry" in response.text
    entry.refresh_from_db()
    assert entry.unit_price == D(7)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "labour", "stock": "3"}, "Labour has no stock count."),
        ({"unit_price": "-1"}, "greater than or equal"),
        ({"tax_rate": "150"}, "less than or equal to 100"),
        ({"unit_price": "1.999"}, "no more than 2 decimal places"),
    ],
)
def test_bad_price_list_input_is_refused(manager_client, data, message):
    base = {"kind": "part", "code": "X1", "name": "X", "unit_price": "1", "tax_rate": "0"}
    response = manager_client.post("/billing/prices/new/", {**base, **data})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.text


def test_the_list_flags_parts_below_zero(desk_client):
    PriceItemFactory(code="HOSE-1", stock=D(-2))
    assert "-2 (below zero)" in desk_client.get("/billing/prices/").text


def test_a_manager_sets_the_discount_limits(manager_client, manager):
    from django.contrib.auth.models import Group

    data = {
        f"group_{group.pk}": str(DiscountLimit.objects.filter(group=group).first().max_percent)
        for group in Group.objects.all()
    }
    desk = Group.objects.get(name="Front desk")
    data[f"group_{desk.pk}"] = "15"
    assert manager_client.post("/billing/discounts/", data).status_code == HTTPStatus.FOUND
    assert DiscountLimit.objects.get(group=desk).max_percent == 15
    assert AuditEvent.objects.get(kind="discount_limits_changed").detail == {"Front desk": "10.00->15"}
    data[f"group_{desk.pk}"] = "101"
    assert manager_client.post("/billing/discounts/", data).status_code == HTTPStatus.BAD_REQUEST


def test_the_claim_slip_tag_shows_deposit_and_balance(front_desk):
    from django.template import Context, Template

    item = approved_job(front_desk, "80")
    services.record_payment(item_pk=item.pk, kind="deposit", method="cash", amount=D(30), actor=front_desk)
    text = Template("{% load billing %}{% slip_balance item %}").render(Context({"item": item}))
    assert "Paid $30.00 · balance due $50.00." in text


def test_estimate_state_on_the_job_panel(desk_client, front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    services.record_payment(item_pk=item.pk, kind="deposit", method="cash", amount=D(10), actor=front_desk)
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, price_item=PriceItemFactory(code="LOW", stock=D(-1)))
    text = desk_client.get(item.get_absolute_url()).text
    assert "Estimate version 1: draft, $12.50." in text
    assert "Below zero in stock:" in text and "LOW (-1)" in text
    assert Estimate.objects.get().status == "draft" and timezone.now()
