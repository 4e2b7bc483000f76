"""The daily run: one message per customer, nothing twice, the week's room, a frozen clock, and two runs at once."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from customers.tests.factories import CustomerFactory
from maintenance import services
from maintenance.models import Reminder
from maintenance.tests.factories import consenting_customer, piece, remake_migration_data
from notifications.models import Event, Message
from notifications.services import deliver

D = datetime.date


class Outbox:
    """The service-due messages in notifications' outbox: (customer id, plain text), oldest first, once the worker
    has sent them (it renders each message from its template)."""

    def __iter__(self):
        messages = Message.objects.filter(event=Event.SERVICE_DUE).order_by("id")
        for message in messages.filter(status=Message.Status.QUEUED):
            deliver(message_id=message.pk)
        return iter([(message.customer_id, message.body_text) for message in messages])

    def __len__(self):
        return Message.objects.filter(event=Event.SERVICE_DUE).count()

    def __eq__(self, other):
        return list(self) == other


@pytest.fixture
def outbox():
    return Outbox()


def at(day: D):
    """The shop's morning of `day` (a frozen clock)."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 8, tzinfo=datetime.UTC), tick=False)


@pytest.mark.django_db
def test_a_run_reminds_each_customer_once_and_a_second_run_sends_nothing(outbox):
    rosa = consenting_customer(name="Rosa Reyes")
    piece("Regulator", owner=rosa, purchased_on=D(2025, 12, 10))
    piece("Cylinder", owner=rosa, purchased_on=D(2025, 12, 20))
    with at(D(2026, 11, 27)):
        first = services.send_service_reminders()
        second = services.send_service_reminders()
    assert first.as_dict() == {"day": "2026-11-27", "customers": 1, "pieces": 2, "waiting": 0, "dry_run": False}
    assert second.as_dict()["customers"] == 0
    assert len(outbox) == 1
    [(customer, text)] = list(outbox)
    assert customer == rosa.pk
    regulator, cylinder = rosa.equipment.order_by("pk")
    assert (
        f"- Apeks XTX50 regulator (serial {regulator.serial_number}): annual service, due 10 December 2026\n"
        f"- Apeks XTX50 cylinder (serial {cylinder.serial_number}): visual inspection, due 20 December 2026"
    ) in text
    assert Reminder.objects.filter(customer=rosa, sent_on=D(2026, 11, 27)).count() == 2


@pytest.mark.django_db
def test_a_customer_who_withdrew_consent_gets_nothing(outbox):
    owner = consenting_customer()
    piece(owner=owner, purchased_on=D(2025, 12, 10))
    owner.consent = False
    owner.save()
    with at(D(2026, 11, 27)):
        assert services.send_service_reminders().as_dict()["customers"] == 0
    assert outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_shops_time_zone_decides_which_day_the_run_plans(outbox, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    settings.SERVICE_REMINDER_DAYS = 30
    piece(owner=consenting_customer(), purchased_on=D(2025, 12, 27))  # due 27 December 2026
    # 27 November, 03:00 UTC is still 26 November in Los Angeles: 31 days before the due date, outside the window.
    with time_machine.travel(datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC), tick=False):
        assert services.send_service_reminders().as_dict() == {
            "day": "2026-11-26",
            "customers": 0,
            "pieces": 0,
            "waiting": 0,
            "dry_run": False,
        }
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.UTC), tick=False):
        assert services.send_service_reminders().as_dict()["customers"] == 1


@pytest.mark.django_db
def test_reminders_that_wait_for_room_go_out_on_a_later_day(outbox, settings):
    settings.SERVICE_JOBS_PER_WEEK = 1
    first, second = consenting_customer(name="First"), consenting_customer(name="Second")
    piece(owner=first, purchased_on=D(2025, 12, 1))
    piece(owner=second, purchased_on=D(2025, 12, 2))
    with at(D(2026, 11, 27)):
        assert services.send_service_reminders().as_dict()["waiting"] == 1
    with at(D(2026, 12, 3)):  # six days later: the week is still full
        assert services.send_service_reminders().as_dict()["customers"] == 0
    with at(D(2026, 12, 4)):
        assert services.send_service_reminders().as_dict()["customers"] == 1
    assert [customer for customer, _ in outbox] == [first.pk, second.pk]


@pytest.mark.django_db
def test_a_message_that_cannot_be_queued_leaves_no_reminder_record(monkeypatch, outbox):
    piece(owner=consenting_customer(), purchased_on=D(2025, 12, 10))

    def broken(*, plan, day):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "queue_reminder_message", broken)
    with at(D(2026, 11, 27)), pytest.raises(RuntimeError):
        services.send_service_reminders()
    assert not Reminder.objects.exists()  # tomorrow's run tries again
    assert outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_remind_each_customer_once(outbox):
    remake_migration_data()
    owners = [consenting_customer(name=f"Diver {n}") for n in range(6)]
    for owner in owners:
        piece(owner=owner, purchased_on=D(2025, 12, 10))
    CustomerFactory()  # and someone with nothing due
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            services.send_service_reminders(day=D(2026, 11, 27))
        except Exception as error:  # a failed run must show in the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(customer for customer, _ in outbox) == sorted(owner.pk for owner in owners)
    assert Reminder.objects.count() == 6
