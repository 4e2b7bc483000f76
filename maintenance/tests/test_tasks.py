"""The daily reminders as the worker runs them: queued once a day by the worker, run by the database queue."""

import datetime

import pytest
import time_machine

from maintenance import services
from maintenance.models import Reminder
from maintenance.tests.factories import consenting_customer, piece
from service_center.worker import queue_periodic_tasks

TASK = "maintenance.tasks.send_service_reminders"


def test_the_worker_queues_the_reminders_once_a_day(settings):
    assert settings.PERIODIC_TASKS[TASK] == 24 * 60 * 60


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_the_daily_reminders_once_per_day(run_worker, settings, monkeypatch):
    settings.PERIODIC_TASKS = {TASK: 24 * 60 * 60}
    handed = []
    monkeypatch.setattr(services, "queue_reminder_message", lambda *, plan, day: handed.append(plan.customer.pk))
    owner = consenting_customer()
    piece(owner=owner, purchased_on=datetime.date(2025, 12, 10))
    morning = datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC)
    with time_machine.travel(morning, tick=False):
        assert queue_periodic_tasks(morning.timestamp()) == [TASK]
        run_worker()
        assert queue_periodic_tasks(morning.timestamp() + 3600) == []  # same day: not again
    assert handed == [owner.pk]
    assert Reminder.objects.filter(customer=owner).count() == 1
