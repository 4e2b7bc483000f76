"""The customer's side: the estimate on the status page, read and answered through the status link's secret."""

from decimal import Decimal as D
from http import HTTPStatus

import pytest
from django.test import Client

from billing import services
from billing.models import Estimate
from billing.tests.factories import job
from billing.tests.test_services import at, estimate_with
from core.models import ServiceEvent, Status
from core.services import change_status
from notifications.links import status_url
from notifications.models import Event, Message, StatusLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(front_desk):
    """A job waiting for the customer's answer to estimate version 1, and the path of its status page."""
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", "12.50", send=True)
    item.refresh_from_db()
    path = status_url(item).split("://", 1)[1].split("/", 1)[1]
    return item, f"/{path}"


def answer(client, status_path, **data):
    return client.post(f"{status_path}estimate/", {"version": "1", "signed_name": "Rosa Reyes", **data})


def test_the_status_page_shows_the_estimate_waiting_with_a_link_to_answer(client, waiting):
    item, path = waiting
    page = client.get(path)
    assert "Your estimate is waiting for you" in page.text and "$92.50" in page.text
    assert f'href="{path}estimate/"' in page.text


def test_the_customer_reads_the_lines_and_approves(client, waiting):
    item, path = waiting
    page = client.get(f"{path}estimate/")
    assert page.status_code == HTTPStatus.OK
    assert "$80.00" in page.text and "$12.50" in page.text and "Approve $92.50" in page.text
    assert page["X-Robots-Tag"] == "noindex, nofollow" and page["Referrer-Policy"] == "strict-origin"
    response = answer(client, path, answer="approve")
    assert response.status_code == HTTPStatus.FOUND and response.url == f"{path}estimate/"
    estimate = Estimate.objects.get()
    item.refresh_from_db()
    assert (estimate.status, estimate.signed_name, estimate.decided_via) == ("approved", "Rosa Reyes", "customer")
    assert estimate.signed_ip == "127.0.0.1"  # the client's address, as service_center.http.client_ip gives it
    assert item.status == Status.IN_REPAIR
    assert "Approved by Rosa Reyes" in client.get(response.url).text
    assert "You approved $92.50" in client.get(path).text


def test_the_customer_declines(client, waiting):
    item, path = waiting
    answer(client, path, answer="decline")
    item.refresh_from_db()
    assert item.status == Status.READY
    assert "Declined on" in client.get(f"{path}estimate/").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"signed_name": ""}, "This field is required."),
        ({"signed_name": "x" * 121}, "at most 120 characters"),
        ({"answer": "maybe"}, "Select a valid choice"),
        ({"version": "abc"}, "Enter a whole number."),
    ],
)
def test_a_bad_answer_is_refused_with_the_reason(client, waiting, data, message):
    item, path = waiting
    response = answer(client, path, **{"answer": "approve", **data})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.text
    assert Estimate.objects.get().status == Estimate.Status.SENT


def test_an_answer_to_an_old_version_is_refused(client, waiting, front_desk):
    item, path = waiting
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="Hose", unit_price=D(30))
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    response = answer(client, path, answer="approve")  # the page they opened showed version 1
    assert response.status_code == HTTPStatus.CONFLICT
    assert "changed since you opened it" in response.text
    assert "$122.50" in response.text  # and the new version is shown to answer
    assert not item.estimates.filter(status="approved").exists()


def test_a_new_version_while_waiting_tells_the_customer_again(waiting, front_desk):
    item, path = waiting
    before = Message.objects.filter(item=item, event=Event.APPROVAL).count()
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    assert Message.objects.filter(item=item, event=Event.APPROVAL).count() == before + 1


def test_more_work_found_during_the_repair_is_asked_for(client, front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", send=True)
    services.approve_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    before = Message.objects.filter(item=item, event=Event.APPROVAL).count()
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.add_line(estimate_pk=draft.pk, actor=front_desk, description="Cracked hose", unit_price=D(30))
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)
    item.refresh_from_db()
    assert item.status == Status.IN_REPAIR  # the workflow has no way back to waiting; the message asks
    assert Message.objects.filter(item=item, event=Event.APPROVAL).count() == before + 1
    path = "/" + status_url(item).split("://", 1)[1].split("/", 1)[1]
    assert "Approve $110.00" in client.get(f"{path}estimate/").text


def test_a_wrong_or_revoked_link_is_a_plain_404(client, waiting, front_desk):
    item, path = waiting
    assert client.get("/status/not-a-real-token-at-all-0000000000000000000/estimate/").status_code == 404
    StatusLink.objects.filter(item=item).update(revoked_by=front_desk, revoked_at="2026-01-01T00:00Z")
    assert client.get(f"{path}estimate/").status_code == HTTPStatus.NOT_FOUND
    assert answer(client, path, answer="approve").status_code == HTTPStatus.NOT_FOUND
    assert Estimate.objects.get().status == Estimate.Status.SENT


def test_an_answer_needs_the_csrf_token(waiting):
    item, path = waiting
    assert answer(Client(enforce_csrf_checks=True), path, answer="approve").status_code == HTTPStatus.FORBIDDEN
    assert Estimate.objects.get().status == Estimate.Status.SENT


def test_the_access_log_holds_no_working_link(client, waiting, caplog):
    item, path = waiting
    token = path.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level("INFO"):
        client.get(f"{path}estimate/")
        answer(client, path, answer="approve")
    assert "/status/[redacted]/estimate/" in caplog.text
    assert token not in caplog.text and "Rosa" not in caplog.text


def test_a_refused_answer_logs_no_working_link_either(client, waiting, caplog):
    item, path = waiting
    token = path.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level("INFO"):
        assert answer(client, path, answer="approve", signed_name="").status_code == HTTPStatus.BAD_REQUEST
    assert token not in caplog.text


def test_answers_are_rate_limited_per_address(client, waiting, settings):
    item, path = waiting
    statuses = [client.get(f"{path}estimate/").status_code for _ in range(settings.THROTTLE_STATUS_PAGE[0] + 1)]
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS


def test_the_customer_timeline_keeps_staff_names_and_money_notes_out(client, waiting):
    item, path = waiting
    answer(client, path, answer="approve")
    page = client.get(path).text
    event = item.events.filter(kind=ServiceEvent.Kind.APPROVAL).first()
    assert event.note not in page


def test_a_csrf_refusal_logs_no_working_link(waiting):
    """Django's CSRF warning writes the refused path; the site's log handler takes the secret out of it."""
    import io
    import logging

    item, path = waiting
    token = path.rstrip("/").rsplit("/", 1)[1]
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream, console.stream = console.stream, io.StringIO()
    try:
        assert answer(Client(enforce_csrf_checks=True), path, answer="approve").status_code == HTTPStatus.FORBIDDEN
        written = console.stream.getvalue()
    finally:
        console.stream = stream
    assert "Forbidden (CSRF cookie not set.): /status/[redacted]/estimate/" in written
    assert token not in written


# A closed job (P8) ---------------------------------------------------------------------------------------------------


def test_cancelling_the_job_withdraws_the_estimate_and_the_customer_can_no_longer_answer(client, waiting, manager):
    item, path = waiting
    change_status(item_pk=item.pk, to_status=Status.CANCELLED, actor=manager, note="Customer took it elsewhere")
    estimate = Estimate.objects.get()
    assert estimate.status == Estimate.Status.WITHDRAWN
    assert item.events.filter(kind=ServiceEvent.Kind.ESTIMATE, note__contains="withdrawn").exists()
    status_page = client.get(path).text
    assert "Read and answer the estimate" not in status_page and "Your estimate is waiting" not in status_page
    assert "withdrawn" in status_page
    page = client.get(f"{path}estimate/")
    assert page.status_code == HTTPStatus.OK  # the link lives on for a while after closing: it shows, no form
    assert "Approve" not in page.text and 'name="signed_name"' not in page.text
    assert "withdrawn" in page.text
    response = answer(client, path, answer="approve")
    assert response.status_code == HTTPStatus.CONFLICT
    assert "closed" in response.text
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.WITHDRAWN and estimate.signed_name == ""
    assert services.balance(item).due == 0  # nothing owed on a job nobody agreed to


def test_releasing_the_job_withdraws_an_estimate_still_waiting(client, front_desk):
    item = at(job(), Status.DIAGNOSING, front_desk)
    estimate_with(item, front_desk, "80.00", send=True)
    services.decline_estimate(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)  # ready, unrepaired
    draft = services.start_estimate(item_pk=item.pk, actor=front_desk)
    services.send_estimate(estimate_pk=draft.pk, actor=front_desk)  # a second offer while it waits for pickup
    change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=front_desk)
    assert item.estimates.get(number=2).status == Estimate.Status.WITHDRAWN
    assert item.estimates.get(number=1).status == Estimate.Status.DECLINED  # an answer given stays as it was
    path = "/" + status_url(item).split("://", 1)[1].split("/", 1)[1]
    response = client.post(f"{path}estimate/", {"version": "2", "signed_name": "Rosa", "answer": "decline"})
    assert response.status_code == HTTPStatus.CONFLICT


@pytest.mark.parametrize("answer_with", [services.approve_estimate, services.decline_estimate])
def test_no_answer_to_an_estimate_of_a_closed_job_even_one_left_waiting(waiting, manager, answer_with):
    """An estimate sent before withdrawing existed, still marked waiting on a closed job, takes no answer."""
    item, path = waiting
    change_status(item_pk=item.pk, to_status=Status.CANCELLED, actor=manager)
    Estimate.objects.update(status=Estimate.Status.SENT)
    with pytest.raises(services.BillingError, match="closed"):
        answer_with(item_pk=item.pk, version=1, signed_name="Rosa", ip=None)
    assert Estimate.objects.get().status == Estimate.Status.SENT
    item.refresh_from_db()
    assert item.status == Status.CANCELLED
