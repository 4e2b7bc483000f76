"""The daily reminders as the worker runs them: queued once a day by the worker, run by the database queue."""

import datetime

import pytest
import time_machine

from maintenance.models import Reminder
from maintenance.tests.factories import consenting_customer, piece, remake_migration_data
from service_center.worker import queue_periodic_tasks

TASK = "maintenance.tasks.send_service_reminders"


def test_the_worker_queues_the_reminders_once_a_day(settings):
    assert settings.PERIODIC_TASKS[TASK] == 24 * 60 * 60


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_daily_reminders_once_per_day(run_worker, settings, mailoutbox):
    remake_migration_data()
    settings.PERIODIC_TASKS = {TASK: 24 * 60 * 60}
    owner = consenting_customer(email="rosa@example.com")
    piece(owner=owner, purchased_on=datetime.date(2025, 12, 10))
    morning = datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC)
    with time_machine.travel(morning, tick=False):
        assert queue_periodic_tasks(morning.timestamp()) == [TASK]
        run_worker()
        assert queue_periodic_tasks(morning.timestamp() + 3600) == []  # same day: not again
    run_worker()  # nothing left to do
    assert [mail.to for mail in mailoutbox] == [["rosa@example.com"]]
    assert "annual service, due 10 December 2026" in mailoutbox[0].body
    assert Reminder.objects.filter(customer=owner).count() == 1
