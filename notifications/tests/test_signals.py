"""The moments that send a message, driven through the logbook's own services as the pages drive them."""

import re

import pytest
from django.core import mail

from core import services as logbook
from core.models import ServiceEvent, Status
from customers.models import Customer
from customers.signals import customer_erased, customers_merging
from customers.tests.factories import CustomerFactory
from notifications.models import Event, Message, MessageTemplate
from notifications.tests.factories import MessageFactory, consenting_customer, job, take_in

pytestmark = pytest.mark.django_db


def walk(item, *statuses):
    for status in statuses:
        logbook.change_status(item_pk=item.pk, to_status=status, actor=item.received_by)


def link_in(body):
    return re.search(r"http://\S+/status/\S+/", body).group(0)


def test_taking_in_mails_the_customer_a_working_status_link(send, client):
    item = send(lambda: take_in(consenting_customer(email="rosa@example.com")))
    [sent] = mail.outbox
    assert sent.to == ["rosa@example.com"]
    assert item.control_number in sent.subject
    page = client.get(link_in(sent.body).removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "We have your item" in page.text
    html = sent.alternatives[0][0]
    assert link_in(sent.body) in html and "Stop these messages" in html
    message = Message.objects.get()
    assert (message.status, message.attempts, message.event) == (Message.Status.SENT, 1, Event.TAKEN_IN)
    assert item.events.filter(kind=ServiceEvent.Kind.MESSAGE, note="Email sent: Taken in").exists()


def test_every_message_carries_an_unsubscribe_link_in_both_parts_and_the_header(send):
    send(lambda: take_in(consenting_customer()))
    [sent] = mail.outbox
    assert "/messages/unsubscribe/" in sent.body
    assert "/messages/unsubscribe/" in sent.alternatives[0][0]
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/messages/unsubscribe/")


@pytest.mark.parametrize(
    ("statuses", "event"),
    [
        ((Status.DIAGNOSING, Status.WAITING_APPROVAL), Event.APPROVAL),
        ((Status.DIAGNOSING, Status.IN_REPAIR, Status.READY), Event.READY),
        ((Status.DIAGNOSING, Status.IN_REPAIR, Status.READY, Status.RELEASED), Event.RELEASED),
    ],
)
def test_the_moments_that_matter_send_their_message(send, statuses, event):
    item = job()
    send(lambda: walk(item, *statuses))
    latest = Message.objects.order_by("created_at", "id").last()
    assert (latest.event, latest.status) == (event, Message.Status.SENT)
    assert Message.objects.filter(event=event).count() == 1
    assert mail.outbox[-1].subject == latest.subject


def test_ready_for_pickup_sends_the_next_message_after_taking_in(send):
    item = send(lambda: take_in(consenting_customer()))
    send(lambda: walk(item, Status.DIAGNOSING, Status.IN_REPAIR, Status.READY))
    assert [m.subject.split(":")[0] for m in mail.outbox] == [mail.outbox[0].subject.split(":")[0], "Ready for pickup"]
    assert link_in(mail.outbox[0].body) == link_in(mail.outbox[1].body)  # one link per job


def test_the_released_message_has_a_receipt_line(send):
    item = job(serial_number="00AB42")
    send(lambda: walk(item, Status.DIAGNOSING, Status.IN_REPAIR, Status.READY, Status.RELEASED))
    body = mail.outbox[-1].body
    assert f"{item.control_number} · Regulator · Apeks XTX50 · serial 00AB42" in body
    assert "collected " in body


def test_a_customer_without_consent_gets_nothing_and_staff_see_why(send):
    item = send(lambda: take_in(CustomerFactory(email="no@example.com", consent=False)))
    assert mail.outbox == []
    message = Message.objects.get(item=item)
    assert message.status == Message.Status.SUPPRESSED
    assert message.reason == "The customer has not agreed to service messages."
    assert message.body_text == ""


def test_a_message_switched_off_by_a_manager_is_not_sent(send):
    MessageTemplate.objects.filter(event=Event.TAKEN_IN).update(enabled=False)
    send(lambda: take_in(consenting_customer()))
    assert mail.outbox == []
    assert Message.objects.get().reason == "This message is switched off."


def test_a_customer_who_prefers_text_messages_gets_email_while_no_sms_channel_exists(send):
    send(lambda: take_in(consenting_customer(preferred_channel="sms")))
    assert Message.objects.get().channel == "email"
    assert len(mail.outbox) == 1


def test_a_customer_with_no_way_to_reach_them_is_recorded_as_not_sent(send):
    send(lambda: take_in(consenting_customer(email="", preferred_channel="sms")))
    assert Message.objects.get().reason == "The customer has no email address."


def test_statuses_that_matter_to_nobody_send_nothing(send):
    item = job()
    send(lambda: walk(item, Status.DIAGNOSING, Status.WAITING_PARTS, Status.IN_REPAIR))
    assert not Message.objects.exists()


def test_a_hostile_customer_name_is_escaped_in_html_and_plain_in_text(send):
    send(lambda: take_in(consenting_customer(name='<script>alert("x")</script> Rosa')))
    sent = mail.outbox[0]
    assert '<script>alert("x")</script> Rosa' in sent.body
    assert "&lt;script&gt;" in sent.alternatives[0][0]
    assert "<script>" not in sent.alternatives[0][0]


def test_merging_customers_moves_their_messages_to_the_record_that_stays():
    message = MessageFactory()
    source, target = message.customer, CustomerFactory()
    customers_merging.send(sender=Customer, source=source, target=target, actor=None)
    message.refresh_from_db()
    assert message.customer == target


def test_erasing_a_customer_blanks_their_messages_but_keeps_that_they_were_sent():
    message = MessageFactory(subject="Ready: Rosa", body_text="Hello Rosa", body_html="<p>Rosa</p>")
    customer_erased.send(sender=Customer, customer=message.customer, actor=None)
    message.refresh_from_db()
    assert (message.address, message.subject, message.body_text, message.body_html) == ("", "", "", "")
    assert message.status == Message.Status.SENT and message.event == Event.READY


def test_erasing_a_customer_blanks_the_values_a_queued_message_waits_with():
    message = MessageFactory(status=Message.Status.QUEUED, subject="", body_text="", rendered_at=None,
                             context={"customer_name": "Rosa Reyes", "serial_number": "007AB123"})  # fmt: skip
    customer_erased.send(sender=Customer, customer=message.customer, actor=None)
    message.refresh_from_db()
    assert message.context == {}


def test_a_template_broken_behind_the_forms_back_fails_the_message_with_the_reason(send):
    MessageTemplate.objects.filter(event=Event.TAKEN_IN).update(body_text="{% if %}")
    send(lambda: take_in(consenting_customer()))
    assert mail.outbox == []
    message = Message.objects.get()
    assert message.status == Message.Status.FAILED
    assert message.reason.startswith("The template has an error")
