"""Delivery through the task queue: retries with back-off, a visible outcome, a stopped worker, RQ, another
channel, and the pickup reminders (a periodic task, idempotent)."""

import datetime
import smtplib
import socket
import threading
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import services as logbook
from core.models import Status
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from notifications import channels, services
from notifications.models import Event, Message
from notifications.tests.factories import consenting_customer, job, take_in
from service_center.tests.test_tasks import rq_queue  # noqa: F401 (the RQ fixture)
from service_center.worker import queue_periodic_tasks


class FlakyChannel(channels.Channel):
    """Fails `failures` times in a way worth retrying, then delivers."""

    name = "email"
    label = "Email"

    def __init__(self, failures):
        self.failures, self.sent = failures, []

    def address_for(self, customer):
        return customer.email

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise channels.DeliveryError("The mail server could not be reached (TimeoutError).", retry=True)
        self.sent.append(message.address)


@pytest.fixture
def flaky_email():
    def install(failures):
        channel = FlakyChannel(failures)
        channels.register(channel)
        return channel

    yield install
    channels.register(channels.EmailChannel())


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"5.1.1 No such user")})


# Retries and outcomes --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_passing_failure_is_tried_again_and_then_sent(send, flaky_email):
    channel = flaky_email(failures=2)
    send(lambda: take_in(consenting_customer(email="rosa@example.com")))
    message = Message.objects.get()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 3, "")
    assert channel.sent == ["rosa@example.com"]


@pytest.mark.django_db
def test_after_the_last_attempt_the_message_is_failed_with_the_reason(send, flaky_email, settings, manager_client):
    settings.TASK_MAX_ATTEMPTS = 3
    flaky_email(failures=10)
    item = send(lambda: take_in(consenting_customer()))
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 3)
    assert message.reason == "Gave up after 3 attempts. The mail server could not be reached (TimeoutError)."
    failed = manager_client.get("/messages/failed/")
    assert item.control_number in failed.text and "Gave up after 3 attempts" in failed.text


@pytest.mark.django_db
def test_a_mail_server_that_never_answers_is_given_up_after_email_timeout(send, settings):
    listener = socket.create_server(("127.0.0.1", 0))  # accepts connections, never says hello
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1
    settings.TASK_MAX_ATTEMPTS = 2
    try:
        started = timezone.now()
        send(lambda: take_in(consenting_customer()))
        took = (timezone.now() - started).total_seconds()
    finally:
        listener.close()
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 2)
    assert message.last_error.startswith("The mail server could not be reached")
    assert 1.5 < took < 10  # two attempts of one second each, not a hung request


@pytest.mark.django_db
def test_an_address_the_server_refuses_fails_at_once_and_the_error_holds_no_address(send, settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_tasks.RefusingBackend"
    send(lambda: take_in(consenting_customer(email="rosa@example.com")))
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 1)
    assert message.reason == "The mail server refused the address."
    assert "rosa" not in message.last_error


@pytest.mark.django_db
def test_consent_withdrawn_before_delivery_stops_the_message(settings, message_templates):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nothing runs yet
    customer = consenting_customer()
    take_in(customer)
    Customer.objects.filter(pk=customer.pk).update(consent=False)
    assert services.deliver(message_id=Message.objects.get().pk) is False
    message = Message.objects.get()
    assert message.status == Message.Status.SUPPRESSED
    assert mail.outbox == []


# The worker ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_queued_messages_wait_for_a_stopped_worker_and_go_out_when_it_is_back(
    client, run_worker, settings, message_templates
):
    settings.TASK_STALL_SECONDS = 60
    item = take_in(consenting_customer(email="rosa@example.com"))
    assert mail.outbox == []
    assert Message.objects.get().status == Message.Status.QUEUED
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=90))
    assert client.get("/readyz").status_code == HTTPStatus.SERVICE_UNAVAILABLE  # the worker is down
    run_worker()  # and back
    assert [sent.to for sent in mail.outbox] == [["rosa@example.com"]]
    assert item.control_number in mail.outbox[0].subject
    assert Message.objects.get().status == Message.Status.SENT
    assert client.get("/readyz").status_code == HTTPStatus.OK


@pytest.mark.django_db(transaction=True)
def test_the_worker_tries_a_failed_delivery_again_after_a_back_off(
    run_worker, settings, flaky_email, message_templates
):
    settings.TASK_RETRY_SECONDS = 30
    flaky_email(failures=1)
    take_in(consenting_customer())
    run_worker()
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Message.Status.QUEUED, 1)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert 20 < (retry.run_after - timezone.now()).total_seconds() <= 33
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_message_is_delivered_through_rq(rq_queue, message_templates):  # noqa: F811
    take_in(consenting_customer(email="rosa@example.com"))
    assert mail.outbox == []
    rq_queue()
    assert [sent.to for sent in mail.outbox] == [["rosa@example.com"]]
    assert Message.objects.get().status == Message.Status.SENT


# Another channel -------------------------------------------------------------------------------------------------


class FakeSms(channels.Channel):
    """A text-message channel that exists in this test only: how a real one (a provider's API) plugs in."""

    name = "sms"
    label = "Text message"

    def __init__(self):
        self.sent = []

    def address_for(self, customer):
        phone = customer.phones.exclude(number=None).first()
        return phone.number.as_e164 if phone else ""

    def send(self, message):
        self.sent.append((message.address, message.body_text))


@pytest.fixture
def fake_sms():
    channel = FakeSms()
    channels.register(channel)
    yield channel
    channels.unregister("sms")


@pytest.mark.django_db
def test_a_registered_channel_is_used_for_customers_who_prefer_it(send, fake_sms):
    customer = consenting_customer(preferred_channel="sms", phone="(202) 555-0147")
    item = send(lambda: take_in(customer))
    [(address, text)] = fake_sms.sent
    assert address == "+12025550147" and item.control_number in text
    assert mail.outbox == []
    assert item.events.filter(note="Text message sent: Taken in").exists()


# Pickup reminders --------------------------------------------------------------------------------------------------

READY_AT = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def ready_job(customer=None):
    with time_machine.travel(READY_AT, tick=False):
        item = job(customer)
        for status in (Status.DIAGNOSING, Status.IN_REPAIR, Status.READY):
            logbook.change_status(item_pk=item.pk, to_status=status, actor=item.received_by)
    return item


def reminders_at(days, hours=0):
    with time_machine.travel(READY_AT + datetime.timedelta(days=days, hours=hours), tick=False):
        return services.send_due_reminders()


@pytest.mark.django_db
def test_reminders_go_out_after_7_14_and_30_days_once_each(send, settings):
    settings.PICKUP_REMINDER_DAYS = [7, 14, 30]
    ready_job()
    mail.outbox.clear()
    sent = [send(lambda d=d, h=h: reminders_at(d, h)) for d, h in [(6, 23), (7, 0), (7, 1), (13, 0), (14, 0),
                                                                    (20, 0), (30, 0), (30, 5), (90, 0)]]  # fmt: skip
    assert sent == [0, 1, 0, 0, 1, 0, 1, 0, 0]
    assert ["has been ready for pickup for 7 days" in m.body for m in mail.outbox] == [True, False, False]
    assert list(Message.objects.filter(event=Event.REMINDER).values_list("reminder_days", flat=True)) == [30, 14, 7]


@pytest.mark.django_db
def test_an_item_found_long_uncollected_gets_one_reminder_not_all_of_them(send, settings):
    settings.PICKUP_REMINDER_DAYS = [7, 14, 30]
    ready_job()
    assert send(lambda: reminders_at(40)) == 1
    assert Message.objects.get(event=Event.REMINDER).reminder_days == 30


@pytest.mark.django_db
def test_collected_items_and_customers_without_consent_get_no_reminder_email(send, settings):
    collected = ready_job()
    logbook.change_status(item_pk=collected.pk, to_status=Status.RELEASED, actor=collected.received_by)
    ready_job(CustomerFactory(email="quiet@example.com", consent=False))
    mail.outbox.clear()
    send(lambda: reminders_at(8))
    assert mail.outbox == []
    assert Message.objects.get(event=Event.REMINDER).status == Message.Status.SUPPRESSED


@pytest.mark.django_db
def test_the_worker_runs_the_reminders_as_a_periodic_task(send, settings):
    assert "notifications.tasks.send_pickup_reminders" in settings.PERIODIC_TASKS
    ready_job()
    with time_machine.travel(READY_AT + datetime.timedelta(days=7, minutes=5), tick=False):
        send(lambda: queue_periodic_tasks(timezone.now().timestamp()))
    assert Message.objects.filter(event=Event.REMINDER, status=Message.Status.SENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_reminders_at_once_send_one(settings, message_templates):
    ready_job()
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(reminders_at(7, 1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert Message.objects.filter(event=Event.REMINDER).count() == 1


@pytest.mark.django_db
def test_a_message_being_sent_is_not_sent_again_until_its_claim_runs_out(settings, message_templates):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nothing runs by itself
    take_in(consenting_customer())
    message = Message.objects.get()
    message.claimed_until = timezone.now() + datetime.timedelta(minutes=1)  # another worker is sending it
    message.save()
    assert services.deliver(message_id=message.pk) is False
    assert mail.outbox == []
    Message.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    services.deliver(message_id=message.pk)  # that worker died: the claim ran out
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.claimed_until) == (Message.Status.SENT, None)
