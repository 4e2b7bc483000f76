"""The pages: the customer's status page and unsubscribe link, the job page's panel, resend and revoke, the
failed list and the managers' template editor."""

import logging
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client

from core.models import ServiceEvent, Status
from core.services import add_note, change_status
from customers.models import CustomerEvent
from notifications import links
from notifications.models import Event, Message, MessageTemplate, StatusLink
from notifications.tests.factories import MessageFactory, job

pytestmark = pytest.mark.django_db


def status_path(item):
    return links.status_url(item).removeprefix("http://127.0.0.1:8000")


# The status page -------------------------------------------------------------------------------------------------


def test_the_status_page_shows_the_job_in_a_customers_words_and_nothing_private(client, settings):
    settings.SHOP_CONTACT = "1 Pier St · 555 0101"
    item = job(promised_on="2026-12-04")
    item.customer.phones.update(as_typed="555 0199")
    add_note(item_pk=item.pk, text="Customer was rude; check card", actor=item.received_by)
    change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=item.received_by)
    page = client.get(status_path(item))
    assert page.status_code == HTTPStatus.OK
    for shown in ("Your regulator", "Apeks XTX50", item.control_number, "Being checked", "We received your item",
                  "4 December 2026", "1 Pier St · 555 0101"):  # fmt: skip
        assert shown in page.text
    for hidden in (item.customer.name, item.customer.email, "555 0199", item.serial_number, "rude",
                   item.received_by.username, item.requested_service):  # fmt: skip
        assert hidden not in page.text


def test_the_status_page_is_never_indexed_stored_or_passed_on_as_a_referrer(client):
    response = client.get(status_path(job()))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


@pytest.mark.parametrize("token", ["nope", "A" * 43, "A" * 500])
def test_a_wrong_token_is_a_plain_404(client, token):
    job()
    response = client.get(f"/status/{token}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.text


def test_a_revoked_link_is_a_plain_404(client):
    item = job()
    path = status_path(item)
    StatusLink.objects.update(revoked_at="2026-01-01T00:00Z")
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_a_link_expires_some_days_after_release(client, settings):
    import datetime

    import time_machine

    settings.STATUS_LINK_DAYS_AFTER_RELEASE = 30
    item = job()
    path = status_path(item)
    for status in (Status.DIAGNOSING, Status.IN_REPAIR, Status.READY, Status.RELEASED):
        change_status(item_pk=item.pk, to_status=status, actor=item.received_by)
    assert "Collected" in client.get(path).text
    with time_machine.travel(datetime.timedelta(days=31)):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_the_status_page_is_rate_limited_per_client_address(client, settings):
    path = status_path(job())
    for _ in range(settings.THROTTLE_STATUS_PAGE[0]):
        assert client.get(path).status_code == HTTPStatus.OK
    response = client.get(path)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="10.9.8.7").get(path).status_code == HTTPStatus.OK  # another address


def test_a_logged_in_member_of_staff_who_scans_the_link_lands_on_the_job(tech_client):
    item = job()
    response = tech_client.get(status_path(item))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == item.get_absolute_url()


def test_a_logged_in_account_without_access_sees_the_customer_page(user_client):
    assert user_client.get(status_path(job())).status_code == HTTPStatus.OK


def test_the_access_log_does_not_hold_the_secret_link(client, caplog):
    path = status_path(job())
    with caplog.at_level(logging.INFO, logger="service_center.access"):
        client.get(path)
    line = caplog.records[-1].getMessage()
    assert "GET /status/[redacted]/ 200" in line
    assert path not in caplog.text


def test_messages_sent_show_on_the_customers_timeline(client, send):
    item = job()
    send(lambda: change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=item.received_by))
    send(lambda: change_status(item_pk=item.pk, to_status=Status.WAITING_APPROVAL, actor=item.received_by))
    page = client.get(status_path(item)).text
    assert "Email sent: Waiting for the customer’s approval" in page
    assert "Waiting for your answer" in page


# Unsubscribe -----------------------------------------------------------------------------------------------------


def unsubscribe_path(customer):
    return links.unsubscribe_url(customer.pk).removeprefix("http://127.0.0.1:8000")


def test_the_unsubscribe_link_asks_first_and_changes_nothing_on_a_get(client):
    item = job()
    page = client.get(unsubscribe_path(item.customer))
    assert page.status_code == HTTPStatus.OK and "Stop all messages" in page.text
    # Only the origin goes on as referrer, to the site's own files too; the form still posts with its Origin.
    assert page["Referrer-Policy"] == "strict-origin" and page["X-Robots-Tag"] == "noindex, nofollow"
    item.customer.refresh_from_db()
    assert item.customer.consent is True


def test_unsubscribing_turns_consent_off_records_it_and_stops_later_messages(client, send):
    item = job()
    page = client.post(unsubscribe_path(item.customer))
    assert "You will get no more messages" in page.text
    customer = item.customer
    customer.refresh_from_db()
    assert customer.consent is False
    event = customer.events.get(kind=CustomerEvent.Kind.CONSENT)
    assert event.changes == {"Agrees to service messages": ["Yes", "No"]}
    send(lambda: change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=item.received_by))
    send(lambda: change_status(item_pk=item.pk, to_status=Status.WAITING_APPROVAL, actor=item.received_by))
    assert mail.outbox == []
    assert Message.objects.get().status == Message.Status.SUPPRESSED


def test_unsubscribing_twice_records_it_once(client):
    customer = job().customer
    client.post(unsubscribe_path(customer))
    client.post(unsubscribe_path(customer))
    assert customer.events.filter(kind=CustomerEvent.Kind.CONSENT).count() == 1


@pytest.mark.parametrize("signed", ["1", "MQ:1xWsfM:forged-signature", "x" * 300])
def test_a_tampered_unsubscribe_link_is_a_404(client, signed):
    job()
    assert client.post(f"/messages/unsubscribe/{signed}/").status_code == HTTPStatus.NOT_FOUND


def test_the_unsubscribe_form_needs_its_csrf_token():
    customer = job().customer
    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(customer))
    assert response.status_code == HTTPStatus.FORBIDDEN
    customer.refresh_from_db()
    assert customer.consent is True


# The job page's panel, resend and revoke ----------------------------------------------------------------------------


def test_the_job_page_lists_its_messages_with_the_outcome_and_a_resend_button(desk_client):
    message = MessageFactory(status=Message.Status.FAILED, reason="The mail server refused the address.")
    links.status_link(message.item)
    page = desk_client.get(message.item.get_absolute_url()).text
    assert "Customer messages" in page and "The mail server refused the address." in page
    assert f"/messages/{message.pk}/resend/" in page
    assert "Revoke status link" in page and "/status/" in page


def test_technicians_see_the_messages_but_no_buttons(tech_client):
    message = MessageFactory()
    links.status_link(message.item)
    page = tech_client.get(message.item.get_absolute_url()).text
    assert "Ready for pickup" in page
    assert "Send again" not in page and "Revoke status link" not in page


def test_resending_sends_the_message_again_to_the_current_address(desk_client, front_desk, send):
    message = MessageFactory(status=Message.Status.FAILED, address="old@example.com")
    message.customer.email = "new@example.com"
    message.customer.save()
    response = send(lambda: desk_client.post(f"/messages/{message.pk}/resend/", follow=True))
    assert "is queued to be sent again" in response.text
    assert [sent.to for sent in mail.outbox] == [["new@example.com"]]
    again = Message.objects.exclude(pk=message.pk).get()
    assert (again.status, again.created_by) == (Message.Status.SENT, front_desk)


def test_resending_to_a_customer_who_withdrew_consent_says_it_was_not_sent(desk_client):
    message = MessageFactory()
    message.customer.consent = False
    message.customer.save()
    response = desk_client.post(f"/messages/{message.pk}/resend/", follow=True)
    assert "Not sent: The customer has not agreed to service messages." in response.text


def test_a_customer_gets_at_most_five_resends_an_hour(desk_client, send):
    message, other = MessageFactory(), MessageFactory()
    for _ in range(5):
        assert desk_client.post(f"/messages/{message.pk}/resend/").status_code == HTTPStatus.FOUND
    refused = desk_client.post(f"/messages/{message.pk}/resend/")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS and int(refused["Retry-After"]) > 3000
    assert "A customer gets at most 5 messages sent again in an hour." in refused.text
    assert Message.objects.filter(customer=message.customer).count() == 1 + 5
    assert desk_client.post(f"/messages/{other.pk}/resend/").status_code == HTTPStatus.FOUND  # another customer


def test_a_reminder_is_resent_with_its_number_of_days(desk_client, send):
    message = MessageFactory(event=Event.REMINDER, reminder_days=14)
    send(lambda: desk_client.post(f"/messages/{message.pk}/resend/"))
    assert "has been ready for pickup for 14 days" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("who", "expected"),
    [("tech_client", HTTPStatus.FORBIDDEN), ("user_client", HTTPStatus.FORBIDDEN), ("client", HTTPStatus.FOUND)],
)
def test_only_front_desk_and_managers_may_resend(request, who, expected):
    message = MessageFactory()
    response = request.getfixturevalue(who).post(f"/messages/{message.pk}/resend/")
    assert response.status_code == expected
    assert Message.objects.count() == 1


def test_resend_is_a_post_and_an_unknown_message_is_a_404(desk_client):
    message = MessageFactory()
    assert desk_client.get(f"/messages/{message.pk}/resend/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert desk_client.post("/messages/999999/resend/").status_code == HTTPStatus.NOT_FOUND


def test_revoking_the_link_stops_it_and_the_next_slip_gets_a_new_one(desk_client, front_desk, client):
    item = job()
    old = status_path(item)
    response = desk_client.post(f"/status-links/{item.pk}/revoke/", follow=True)
    assert "The status link was revoked." in response.text
    assert StatusLink.objects.get().revoked_by == front_desk
    assert client.get(old).status_code == HTTPStatus.NOT_FOUND
    slip = desk_client.get(f"{item.get_absolute_url()}slip/").text
    new = status_path(item)
    assert new != old and new in slip


def test_technicians_cannot_revoke_links(tech_client):
    item = job()
    links.status_link(item)
    assert tech_client.post(f"/status-links/{item.pk}/revoke/").status_code == HTTPStatus.FORBIDDEN
    assert StatusLink.objects.active().count() == 1


# Managers: failed messages and templates -----------------------------------------------------------------------------


def test_managers_see_failed_messages_in_one_list(manager_client):
    failed = MessageFactory(status=Message.Status.FAILED, reason="Gave up after 5 attempts.")
    MessageFactory(status=Message.Status.SENT)
    page = manager_client.get("/messages/failed/").text
    assert failed.item.control_number in page and "Gave up after 5 attempts." in page
    assert page.count("<tr>") == 2  # the header and the one failure


def test_front_desk_cannot_see_the_failed_list(desk_client):
    assert desk_client.get("/messages/failed/").status_code == HTTPStatus.FORBIDDEN


def edit_data(template, **overrides):
    return {
        "enabled": "on" if template.enabled else "",
        "subject": template.subject,
        "body_text": template.body_text,
        "body_html": template.body_html,
        "version": template.version,
        **overrides,
    }


def test_a_preview_renders_the_draft_with_sample_data_and_saves_nothing(manager_client):
    template = MessageTemplate.objects.get(event=Event.READY)
    data = edit_data(template, subject="Ready, {{ customer_name }}!", preview="1")
    page = manager_client.post(f"/messages/templates/{Event.READY}/", data)
    assert page.status_code == HTTPStatus.OK
    assert "Ready, Rosa Reyes!" in page.text and "/status/sample/" in page.text
    template.refresh_from_db()
    assert template.subject != "Ready, {{ customer_name }}!"


def test_the_preview_escapes_the_plain_text_part(manager_client):
    template = MessageTemplate.objects.get(event=Event.READY)
    typed = '<h1 id=INJ1>big</h1><meta http-equiv="refresh" content="0;url=http://evil.example">'
    page = manager_client.post(
        f"/messages/templates/{Event.READY}/", edit_data(template, body_text=typed, preview="1")
    )
    assert page.status_code == HTTPStatus.OK
    assert "<h1 id=INJ1>" not in page.text and "<meta http-equiv" not in page.text
    assert "&lt;h1 id=INJ1&gt;big&lt;/h1&gt;" in page.text


def test_a_saved_template_is_what_customers_get(manager_client, send):
    template = MessageTemplate.objects.get(event=Event.READY)
    data = edit_data(template, subject="Come and get it, {{ customer_name }}", body_text="Ready: {{ item }}.")
    response = manager_client.post(f"/messages/templates/{Event.READY}/", data)
    assert response.status_code == HTTPStatus.FOUND
    item = job()
    for status in (Status.DIAGNOSING, Status.IN_REPAIR, Status.READY):
        send(lambda s=status: change_status(item_pk=item.pk, to_status=s, actor=item.received_by))
    assert mail.outbox[-1].subject == f"Come and get it, {item.customer.name}"
    assert mail.outbox[-1].body.startswith("Ready: Regulator.")


def test_switching_a_message_off(manager_client):
    template = MessageTemplate.objects.get(event=Event.TAKEN_IN)
    manager_client.post(f"/messages/templates/{Event.TAKEN_IN}/", edit_data(template, enabled=""))
    template.refresh_from_db()
    assert template.enabled is False
    assert "Off" in manager_client.get("/messages/templates/").text


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("body_text", "Hi {{ customer_name ", None),
        ("body_text", "{% if %}", "The template has an error"),
        ("body_text", "{% include 'base.html' %}", "The template has an error"),
        ("subject", "Hi {{ password }}", "Unknown variable “{{ password }}”"),
        ("body_html", "<script>alert(1)</script>", "“&lt;script” is not allowed"),
        ("body_html", "<scr{# #}ipt>alert(1)</scr{# #}ipt>", "“&lt;script” is not allowed"),
        (
            "body_text",
            '{% if customer_name != "Rosa Reyes" %}'
            + "{% for a in status_url %}" * 6
            + "{% endfor %}" * 6
            + "{% endif %}",
            "a loop inside a loop is not allowed",
        ),
        ("subject", "", "This field is required."),
        ("subject", "x" * 201, "at most 200 characters"),
    ],
)
def test_a_broken_template_shows_a_clear_message_never_a_500(manager_client, field, value, error):
    template = MessageTemplate.objects.get(event=Event.READY)
    response = manager_client.post(f"/messages/templates/{Event.READY}/", edit_data(template, **{field: value}))
    if error is None:  # an unclosed {{ is text in Django's template language
        assert response.status_code == HTTPStatus.FOUND
        return
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error in response.text


def test_two_managers_editing_one_template_do_not_overwrite_each_other(manager_client):
    template = MessageTemplate.objects.get(event=Event.READY)
    opened = edit_data(template)
    manager_client.post(f"/messages/templates/{Event.READY}/", {**opened, "subject": "First"})
    response = manager_client.post(f"/messages/templates/{Event.READY}/", {**opened, "subject": "Second"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Someone else saved this template" in response.text
    template.refresh_from_db()
    assert template.subject == "First"


def test_an_unknown_event_is_a_404(manager_client):
    assert manager_client.get("/messages/templates/nope/").status_code == HTTPStatus.NOT_FOUND


def test_front_desk_may_not_edit_templates(desk_client):
    assert desk_client.get(f"/messages/templates/{Event.READY}/").status_code == HTTPStatus.FORBIDDEN
    assert desk_client.get("/messages/templates/").status_code == HTTPStatus.FORBIDDEN


def test_the_slip_shows_the_status_link_as_an_inline_qr_code(desk_client):
    item = job()
    slip = desk_client.get(f"{item.get_absolute_url()}slip/").text
    assert '<svg viewBox="0 0' in slip and 'class="qr-code"' in slip
    assert status_path(item) in slip  # written out too
    assert "/static/js/slip.js" in slip and "<script>" not in slip
    assert ServiceEvent.objects.filter(item=item).count() == 1  # printing records nothing
