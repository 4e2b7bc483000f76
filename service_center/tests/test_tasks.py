"""The task queue's plumbing: retries with back-off, the queue's health for /readyz, and the worker's periodic
tasks. Tasks are real: they run through the database queue and its worker."""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from service_center import tasks as queue
from service_center.worker import queue_periodic_tasks

CALLS = []


@task()
def flaky(*, fail_times: int, attempt: int = 1) -> None:
    CALLS.append(attempt)
    if attempt <= fail_times and not queue.retry_later(flaky, attempt, fail_times=fail_times):
        CALLS.append("gave up")


@task()
def tick() -> None:
    CALLS.append("tick")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


@pytest.mark.django_db(transaction=True)
def test_a_task_is_run_by_the_worker_only_after_the_transaction_commits(run_worker):
    from django.db import transaction

    with transaction.atomic():
        queue.enqueue_on_commit(tick)
        assert not DBTaskResult.objects.exists()
    run_worker()
    assert CALLS == ["tick"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_attempt_is_tried_again_later_with_a_growing_delay(run_worker, settings):
    settings.TASK_RETRY_SECONDS = 30
    flaky.enqueue(fail_times=2)
    run_worker()
    assert CALLS == [1]
    retry = DBTaskResult.objects.filter(status=TaskResultStatus.READY).get()  # not due yet
    waited = (retry.run_after - timezone.now()).total_seconds()
    assert 20 < waited <= 33
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    second = DBTaskResult.objects.filter(status=TaskResultStatus.READY).get()
    assert 50 < (second.run_after - timezone.now()).total_seconds() <= 66
    DBTaskResult.objects.filter(pk=second.pk).update(run_after=timezone.now())
    run_worker()
    assert CALLS == [1, 2, 3]


@pytest.mark.django_db
def test_attempts_stop_at_the_limit(settings):
    settings.TASK_MAX_ATTEMPTS = 3
    flaky.enqueue(fail_times=10)  # the immediate backend runs every attempt at once
    assert CALLS == [1, 2, 3, "gave up"]


@pytest.mark.django_db(transaction=True)
def test_the_queue_health_shows_how_long_the_oldest_due_task_waits(run_worker):
    assert queue.oldest_waiting_seconds() is None
    tick.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=90))
    tick.using(run_after=timezone.now() + datetime.timedelta(hours=1)).enqueue()  # not due: not waiting
    assert 89 < queue.oldest_waiting_seconds() < 95
    run_worker()
    assert queue.oldest_waiting_seconds() is None


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_a_worker_that_stopped_taking_tasks_until_it_catches_up(client, run_worker, settings):
    settings.TASK_STALL_SECONDS = 60
    tick.enqueue()
    assert client.get("/readyz").status_code == HTTPStatus.OK  # just queued: the worker has a minute
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=75))
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["problems"] == {"tasks": "no worker took a task waiting for 75 s"}
    run_worker()  # the worker is back
    assert client.get("/readyz").status_code == HTTPStatus.OK
    assert CALLS == ["tick"]


@pytest.mark.django_db
def test_the_worker_queues_a_periodic_task_once_per_period(settings):
    settings.PERIODIC_TASKS = {"service_center.tests.test_tasks.tick": 3600}
    start = 1_800_000_000  # a whole hour
    assert queue_periodic_tasks(start + 10) == ["service_center.tests.test_tasks.tick"]
    assert queue_periodic_tasks(start + 1800) == []  # same hour: another worker, or the same one again
    assert queue_periodic_tasks(start + 3600) == ["service_center.tests.test_tasks.tick"]
    assert CALLS == ["tick", "tick"]
    cache.clear()


@pytest.fixture
def rq_queue(settings):
    """RQ on the Redis of REDIS_URL, as TASK_BACKEND=rq configures it; yields a function that runs a worker."""
    import django_rq
    from rq import SimpleWorker

    settings.TASK_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": settings.REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    yield lambda: SimpleWorker([queue], connection=queue.connection, job_class=queue.job_class).work(burst=True)
    queue.empty()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rq_runs_queued_tasks_and_reports_the_waiting_time(rq_queue):
    tick.enqueue()
    tick.enqueue()
    assert 0 <= queue.oldest_waiting_seconds() < 5
    rq_queue()
    assert CALLS == ["tick", "tick"]
    assert queue.oldest_waiting_seconds() is None
