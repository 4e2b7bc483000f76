"""P6: amounts and counts larger than the database's columns hold are refused with the reason (400), in every
service that computes them, never a 500 from the database ("numeric field overflow")."""

from decimal import Decimal as D
from http import HTTPStatus

import pytest

from billing import services
from billing.models import QUANTITY_LIMIT, Estimate, Invoice, InvoiceCounter, Payment
from billing.services import AmountOutOfRange
from billing.tests.factories import EstimateLineFactory, PriceItemFactory, job
from billing.tests.test_services import at
from core.models import Status

pytestmark = pytest.mark.django_db

LARGEST_PRICE = D("99999999999.99")  # what the unit price field takes: 11 digits and the minor unit
LARGEST_QUANTITY = D("9999999.999")


def draft_for(actor, item=None):
    return services.start_estimate(item_pk=(item or job()).pk, actor=actor)


def test_the_largest_line_the_form_takes_is_accepted(front_desk):
    draft = draft_for(front_desk)
    line = services.add_line(estimate_pk=draft.pk, actor=front_desk, description="Ship hull", unit_price=LARGEST_PRICE)
    assert draft.totals().gross == LARGEST_PRICE == line.unit_price


def test_a_line_whose_amount_is_too_large_is_refused(front_desk):
    draft = draft_for(front_desk)
    with pytest.raises(AmountOutOfRange, match="more than the largest amount"):
        services.add_line(
            estimate_pk=draft.pk, actor=front_desk, description="p", quantity=D(2), unit_price=LARGEST_PRICE
        )
    assert not draft.lines.exists()


def test_a_line_that_takes_the_estimate_over_the_largest_total_is_refused(front_desk):
    """The probe's two lines: each fits, together they do not."""
    draft = draft_for(front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="p", unit_price=LARGEST_PRICE)
    with pytest.raises(AmountOutOfRange, match="total would come to more than"):
        services.add_line(
            estimate_pk=draft.pk, actor=front_desk, description="q", quantity=LARGEST_QUANTITY, unit_price=D(1)
        )
    assert draft.lines.count() == 1


def test_tax_on_top_counts_towards_the_largest_total(front_desk, settings):
    settings.PRICES_INCLUDE_TAX = False
    draft = draft_for(front_desk)
    with pytest.raises(AmountOutOfRange):
        services.add_line(
            estimate_pk=draft.pk, actor=front_desk, description="p", unit_price=D("60000000000"), tax_rate=D(100)
        )
    assert not draft.lines.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", QUANTITY_LIMIT + D("0.001")), ("unit_price", D("100000000000")), ("quantity", D("1e12"))],
)
def test_a_quantity_or_price_larger_than_its_column_is_refused(front_desk, field, value):
    draft = draft_for(front_desk)
    values = {"description": "p", "unit_price": D(0), "quantity": D(1), field: value}
    with pytest.raises(AmountOutOfRange):
        services.add_line(estimate_pk=draft.pk, actor=front_desk, **values)
    assert not draft.lines.exists()


def overflowing_draft(actor, item=None):
    """A draft whose lines come to more than the largest total (written before the limits were checked)."""
    draft = draft_for(actor, item)
    for _ in range(2):
        EstimateLineFactory(estimate=draft, unit_price=LARGEST_PRICE)
    return draft


def test_sending_an_estimate_too_large_to_record_is_refused_and_it_stays_a_draft(front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    draft = overflowing_draft(front_desk, item)
    with pytest.raises(AmountOutOfRange, match="total would come to more than"):
        services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    draft.refresh_from_db()
    item.refresh_from_db()
    assert (draft.status, draft.gross, item.status) == (Estimate.Status.DRAFT, None, Status.DIAGNOSING)


def test_invoicing_an_estimate_too_large_to_record_is_refused_and_takes_no_number(front_desk):
    item = job()
    services.set_preapproval(item_pk=item.pk, limit=LARGEST_PRICE, actor=front_desk)
    draft = overflowing_draft(front_desk, item)
    Estimate.objects.filter(pk=draft.pk).update(status=Estimate.Status.APPROVED, gross=D(0))  # as old data might
    with pytest.raises(AmountOutOfRange):
        services.issue_invoice(item_pk=item.pk, actor=front_desk)
    assert not Invoice.objects.exists()
    assert not InvoiceCounter.objects.filter(last__gt=0).exists()


def test_invoicing_parts_refuses_a_stock_count_below_what_the_price_list_holds(front_desk):
    part = PriceItemFactory(unit_price=D("0.01"), stock=-QUANTITY_LIMIT + D(5))
    item = at(job(), Status.DIAGNOSING, front_desk)
    draft = draft_for(front_desk, item)
    for _ in range(2):  # 3 + 3 of it: one more than the count can go down
        services.add_line(estimate_pk=draft.pk, actor=front_desk, price_item=part, quantity=D(3))
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    services.approve_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    with pytest.raises(AmountOutOfRange, match=part.code):
        services.issue_invoice(item_pk=item.pk, actor=front_desk)
    part.refresh_from_db()
    assert part.stock == -QUANTITY_LIMIT + D(5)
    assert not Invoice.objects.exists()


def test_a_payment_larger_than_its_column_is_refused(front_desk):
    with pytest.raises(AmountOutOfRange):
        services.record_payment(
            item_pk=job().pk, kind="deposit", method="cash", amount=D("100000000000.00"), actor=front_desk
        )
    assert not Payment.objects.exists()


def test_payments_adding_up_to_more_than_the_largest_amount_are_refused(front_desk):
    item = job()
    pay = lambda: services.record_payment(  # noqa: E731
        item_pk=item.pk, kind="deposit", method="transfer", amount=LARGEST_PRICE, actor=front_desk
    )
    pay()
    with pytest.raises(AmountOutOfRange, match="paid for this job"):
        pay()
    assert services.balance(item).paid == LARGEST_PRICE


def test_a_go_ahead_amount_larger_than_its_column_is_refused(front_desk):
    with pytest.raises(AmountOutOfRange):
        services.set_preapproval(item_pk=job().pk, limit=D("100000000000"), actor=front_desk)


# The pages: 400 with the reason ----------------------------------------------------------------------------------


def money_page(item):
    return f"/billing/jobs/{item.control_number}/"


def test_the_probes_lines_are_refused_with_400_and_the_reason(desk_client, front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    page = money_page(item)
    desk_client.post(f"{page}estimate/")
    first = {"line-description": "p", "line-kind": "part", "line-quantity": "1", "line-unit_price": str(LARGEST_PRICE)}
    assert desk_client.post(f"{page}estimate/lines/", first).status_code == HTTPStatus.FOUND
    second = {**first, "line-description": "q", "line-quantity": str(LARGEST_QUANTITY), "line-unit_price": "1.00"}
    response = desk_client.post(f"{page}estimate/lines/", second)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "The total would come to more than $99,999,999,999.99" in response.text
    assert desk_client.post(f"{page}estimate/send/").status_code == HTTPStatus.FOUND  # the first line alone goes


def test_sending_too_large_an_estimate_answers_400_not_500(desk_client, front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    overflowing_draft(front_desk, item)
    response = desk_client.post(f"{money_page(item)}estimate/send/")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "The total would come to more than" in response.text


def test_invoicing_too_large_an_estimate_answers_400_not_500(desk_client, front_desk):
    item = job()
    draft = overflowing_draft(front_desk, item)
    # Approved as it was worth before the shop changed its prices to exclude tax, say (or before the limits).
    Estimate.objects.filter(pk=draft.pk).update(status=Estimate.Status.APPROVED, gross=D(0))
    response = desk_client.post(f"{money_page(item)}invoice/")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "The total would come to more than" in response.text


def test_a_deposit_beyond_the_largest_total_answers_400(desk_client, front_desk):
    item = job()
    data = {"payment-kind": "deposit", "payment-method": "cash", "payment-amount": str(LARGEST_PRICE)}
    assert desk_client.post(f"{money_page(item)}payments/", data).status_code == HTTPStatus.FOUND
    response = desk_client.post(f"{money_page(item)}payments/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "paid for this job" in response.text
