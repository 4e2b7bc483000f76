"""The outbox keeps what was sent, less the secrets (P1), and messages are rendered by the worker, never by the
request that queued them, within the sandbox's bounds (P2)."""

import datetime
import importlib
import re
import time
from http import HTTPStatus

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from core import services as logbook
from core.models import Status
from notifications import links, rendering, services
from notifications.models import Event, Message, MessageTemplate
from notifications.tests.factories import consenting_customer, job, take_in

# A working status link (a 43-character token) or unsubscribe link (a signed value) anywhere in a text.
WORKING_LINK = re.compile(r"/status/[A-Za-z0-9_-]{40,}/|/messages/unsubscribe/(?!\[redacted\])[^/\s\"'<>]+/")
ALL_THE_WAY = (Status.DIAGNOSING, Status.WAITING_APPROVAL, Status.IN_REPAIR, Status.READY, Status.RELEASED)


def walk(item, *statuses):
    for status in statuses:
        logbook.change_status(item_pk=item.pk, to_status=status, actor=item.received_by)


def unsubscribe_link(customer_id):
    """The customer's unsubscribe link without its time part, which changes every second."""
    return links.unsubscribe_url(customer_id).rsplit(":", 2)[0] + ":"


def stored_texts():
    return [
        text
        for message in Message.objects.all()
        for text in (message.subject, message.body_text, message.body_html, str(message.context))
    ]


# P1: the outbox keeps no working link -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_stored_message_holds_a_working_link_yet_every_mail_has_them(send, settings):
    settings.PICKUP_REMINDER_DAYS = [7]
    template = MessageTemplate.objects.get(event=Event.READY)
    template.subject += " {{ status_url }}"  # a link in the subject is kept out as well
    template.save()
    item = send(lambda: take_in(consenting_customer(email="rosa@example.com")))
    send(lambda: walk(item, *ALL_THE_WAY[:4]))
    with_reminder = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=8)
    send(lambda: services.send_due_reminders(now=with_reminder))
    send(lambda: walk(item, Status.RELEASED))

    events = list(Message.objects.order_by("id").values_list("event", "status"))
    assert events == [
        (event, Message.Status.SENT) for event in ("taken_in", "approval", "ready", "reminder", "released")
    ]
    for text in stored_texts():
        assert not WORKING_LINK.search(text), text
    ready = Message.objects.get(event=Event.READY)
    assert ready.subject.endswith("http://127.0.0.1:8000/status/[redacted]/")
    assert "http://127.0.0.1:8000/status/[redacted]/" in ready.body_text  # what staff read: the kind of link
    assert "http://127.0.0.1:8000/messages/unsubscribe/[redacted]/" in ready.body_text
    assert 'href="http://127.0.0.1:8000/status/[redacted]/"' in ready.body_html

    status_url, unsubscribe_url = links.status_url(item), unsubscribe_link(item.customer_id)
    assert len(mail.outbox) == 5
    for sent in mail.outbox:
        html = sent.alternatives[0][0]
        assert unsubscribe_url in sent.body and f'href="{unsubscribe_url}' in html
        assert sent.extra_headers["List-Unsubscribe"].startswith(f"<{unsubscribe_url}")
        assert "[redacted]" not in sent.body + html + sent.subject
    for sent in mail.outbox[:4]:  # the released receipt has no status link
        assert status_url in sent.body and f'href="{status_url}"' in sent.alternatives[0][0]
    assert mail.outbox[2].subject.endswith(status_url)


@pytest.mark.django_db
def test_a_copy_of_the_outbox_opens_no_page(send):
    item = send(lambda: take_in(consenting_customer()))
    send(lambda: walk(item, Status.DIAGNOSING, Status.WAITING_APPROVAL))
    client = Client()
    paths = {
        found.removeprefix("http://127.0.0.1:8000")
        for text in stored_texts()
        for found in re.findall(r"http://127\.0\.0\.1:8000/[^\s\"'<>]+", text)
    }
    assert "/status/[redacted]/" in paths and "/messages/unsubscribe/[redacted]/" in paths
    for path in paths | {"/status/[redacted]/estimate/"}:
        if "[redacted]" in path:
            assert client.get(path).status_code == HTTPStatus.NOT_FOUND, path


@pytest.mark.django_db
def test_staff_read_the_redacted_copy_on_the_job_page_and_in_the_admin(send, desk_client, client, manager):
    item = send(lambda: take_in(consenting_customer()))
    token = links.status_url(item).rstrip("/").rsplit("/", 1)[1]
    message = Message.objects.get()
    page = desk_client.get(f"/items/{item.control_number}/")
    assert "What was written" in page.text
    assert "thank you for bringing in your Regulator first stage" in page.text
    assert "http://127.0.0.1:8000/status/[redacted]/" in page.text
    assert page.text.count(token) == 2  # the job's own link in the panel (its href and text), for staff to give out
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    admin = client.get(f"/admin/notifications/message/{message.pk}/change/")
    assert admin.status_code == HTTPStatus.OK
    assert "/status/[redacted]/" in admin.text and "/messages/unsubscribe/[redacted]/" in admin.text
    assert token not in admin.text and not WORKING_LINK.search(admin.text)


@pytest.mark.django_db
def test_a_resent_message_has_a_new_link_after_the_old_one_was_revoked(send, front_desk, client):
    item = send(lambda: take_in(consenting_customer()))
    old = links.status_url(item)
    services.revoke_status_link(item_pk=item.pk, actor=front_desk)
    send(lambda: services.resend(message_id=Message.objects.get().pk, actor=front_desk))
    new = links.status_url(item)
    assert new != old and new in mail.outbox[-1].body and old not in mail.outbox[-1].body
    assert client.get(new.removeprefix("http://127.0.0.1:8000")).status_code == HTTPStatus.OK


# The migration: messages stored before it are redacted ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_redacts_messages_stored_with_working_links_and_queued_ones_still_get_them():
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0003_service_due_event")])
    try:
        old_apps = executor.loader.project_state([("notifications", "0003_service_due_event")]).apps
        item = job()  # no message of its own: they are written below, the old way
        status_url, unsubscribe_url = links.status_url(item), links.unsubscribe_url(item.customer_id)
        OldMessage = old_apps.get_model("notifications", "Message")
        body = f"Ready: {status_url}\n\nTo stop them, open: {unsubscribe_url}"
        html = f'<a href="{status_url}">this page</a> <a href="{unsubscribe_url}">Stop these messages</a>'
        common = {"customer_id": item.customer_id, "item_id": item.pk, "channel": "email", "address": "r@example.com"}
        sent = OldMessage.objects.create(
            **common, event="ready", subject=f"Ready {status_url}", body_text=body, body_html=html, status="sent"
        )
        queued = OldMessage.objects.create(**common, event="ready", subject="Ready", body_text=body, body_html=html)
        suppressed = OldMessage.objects.create(**common, event="ready", status="suppressed", reason="Off.")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    for message in Message.objects.filter(pk__in=[sent.pk, queued.pk]):
        for text in (message.subject, message.body_text, message.body_html):
            assert not WORKING_LINK.search(text) and status_url not in text and unsubscribe_url not in text
        assert message.body_text == (
            "Ready: http://127.0.0.1:8000/status/[redacted]/\n\n"
            "To stop them, open: http://127.0.0.1:8000/messages/unsubscribe/[redacted]/"
        )
        assert message.rendered_at == message.created_at
    assert Message.objects.get(pk=suppressed.pk).rendered_at is None
    services.deliver(message_id=queued.pk)  # a message queued before the migration goes out with its links
    [mail_sent] = mail.outbox
    assert status_url in mail_sent.body and unsubscribe_link(item.customer_id) in mail_sent.body
    assert f'href="{status_url}"' in mail_sent.alternatives[0][0]


def test_the_migration_redacts_every_shape_of_link():
    redact = importlib.import_module("notifications.migrations.0004_outbox_keeps_no_secret_links").redact
    text = (
        "http://shop.example/status/x7OAQ8EphZQmpZ3pSt0N8sBw_INmMfVequ39wqYkQ-4/ and "
        'href="https://shop.example/messages/unsubscribe/MQ:1vPcTL:AbCdEf-gh_ij/" and '
        "/messages/unsubscribe/.eJyrVkrOz0nNS0_NS1WyUkrOyCwqzc9T0lFKzs_LSQFxDQyA:1vPcTL:abc/ and /status/sample/"
    )
    assert redact(text) == (
        "http://shop.example/status/[redacted]/ and "
        'href="https://shop.example/messages/unsubscribe/[redacted]/" and '
        "/messages/unsubscribe/[redacted]/ and /status/sample/"
    )


# P2: rendered by the worker, never by the request --------------------------------------------------------------


def guarded_bomb(template):
    """The probe's template: loops inside loops, behind a condition the sample data does not meet. Saved straight
    into the database, as a template written before the sandbox had bounds would be."""
    nested = "{% for a in status_url %}" * 6 + "{% endfor %}" * 6
    return template.body_text + '{% if customer_name != "Rosa Reyes" %}' + nested + "{% endif %}"


@pytest.mark.django_db
def test_a_status_change_renders_no_message(desk_client, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker runs yet
    item = take_in(consenting_customer())
    walk(item, Status.DIAGNOSING, Status.IN_REPAIR)
    rendered = []
    monkeypatch.setattr(rendering, "render_message", lambda **kwargs: rendered.append(kwargs))
    response = desk_client.post(f"/items/{item.control_number}/status/", {"status": Status.READY})
    assert response.status_code == HTTPStatus.FOUND
    assert rendered == []
    message = Message.objects.get(event=Event.READY)
    assert (message.status, message.subject, message.body_text, message.rendered_at) == ("queued", "", "", None)
    assert message.context["customer_name"] == item.customer.name
    assert message.context["status_url"] == "http://127.0.0.1:8000/status/[redacted]/"


@pytest.mark.django_db
def test_a_hostile_template_neither_holds_up_the_status_change_nor_the_worker(desk_client, manager_client, send):
    template = MessageTemplate.objects.get(event=Event.READY)
    template.body_text = guarded_bomb(template)
    template.save()
    item = take_in(consenting_customer(name="Bob Stone"))
    walk(item, Status.DIAGNOSING, Status.IN_REPAIR)
    started = time.perf_counter()
    response = send(lambda: desk_client.post(f"/items/{item.control_number}/status/", {"status": Status.READY}))
    assert time.perf_counter() - started < 2  # the request, and the delivery the test runs right after it
    assert response.status_code == HTTPStatus.FOUND
    item.refresh_from_db()
    assert item.status == Status.READY  # the change is kept
    message = Message.objects.get(event=Event.READY)
    assert message.status == Message.Status.FAILED
    assert message.reason == (
        "The template has an error: a loop inside a loop is not allowed ({% for %} within {% for %})."
    )
    assert message.subject == "" and message.attempts == 1
    assert "a loop inside a loop is not allowed" in desk_client.get(f"/items/{item.control_number}/").text
    assert "a loop inside a loop is not allowed" in manager_client.get("/messages/failed/").text


@pytest.mark.django_db
def test_real_data_past_the_bounds_fails_the_message_with_the_reason(send):
    template = MessageTemplate.objects.get(event=Event.TAKEN_IN)
    template.body_text = "{% for c in requested_service %}{{ requested_service }}{% endfor %}"
    template.save()
    item = take_in(consenting_customer())
    item.requested_service = "Free-flows. " * 40  # 480 characters: 480 turns of 480 characters
    item.save()
    message = Message.objects.get()
    message.context["requested_service"] = item.requested_service
    message.save()
    started = time.perf_counter()
    services.deliver(message_id=message.pk)
    assert time.perf_counter() - started < 0.5
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.reason.startswith("The message is too long: at most 50,000 characters")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_saved_html_template_that_sneaks_in_a_script_reaches_the_customer_without_it(send):
    template = MessageTemplate.objects.get(event=Event.TAKEN_IN)
    template.body_html = (
        "<p>Hi {{ customer_name }}</p><scr{# #}ipt>alert(document.domain)</scr{# #}ipt>"
        '<a href="java{##}script:alert(3)">click</a><fo{##}rm action="http://evil.example/phish">'
        '<input name=card></fo{##}rm><a href="{{ status_url }}">status</a>'
    )
    template.save()
    item = send(lambda: take_in(consenting_customer(name="Bob Stone")))
    html = mail.outbox[0].alternatives[0][0]
    assert "<p>Hi Bob Stone</p>" in html and f'href="{links.status_url(item)}"' in html
    for unsafe in ("<script", "javascript:", "<form", "<input", "evil.example"):
        assert unsafe not in html and unsafe not in Message.objects.get().body_html


@pytest.mark.django_db(transaction=True)
def test_the_worker_renders_and_sends_what_a_status_change_queued(run_worker, desk_client, message_templates):
    item = take_in(consenting_customer(email="rosa@example.com"))
    walk(item, Status.DIAGNOSING, Status.IN_REPAIR)
    desk_client.post(f"/items/{item.control_number}/status/", {"status": Status.READY})
    assert mail.outbox == [] and Message.objects.filter(subject="").count() == 2  # taken in, ready: not yet written
    run_worker()
    assert [sent.to for sent in mail.outbox] == [["rosa@example.com"]] * 2
    assert links.status_url(item) in mail.outbox[1].body
    ready = Message.objects.get(event=Event.READY)
    assert ready.status == Message.Status.SENT and ready.context == {} and ready.rendered_at is not None
    assert ready.subject == f"Ready for pickup: your Regulator first stage ({item.control_number})"
