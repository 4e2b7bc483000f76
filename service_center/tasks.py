"""The task queue's shared plumbing: retries with back-off, queueing after commit, and the queue's health.

Tasks themselves live in each app's tasks.py and use Django's Tasks API. On Django 5.2 it comes from the
django-tasks backport: moving to Django 6 changes `django_tasks` to `django.tasks` in the imports, nothing else.
"""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits, so the worker never runs ahead of the data it needs."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def retry_delay(attempt: int) -> float:
    """Seconds before the attempt after `attempt`: 30 s, 1, 2, 4 minutes... with a little jitter."""
    return settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1) * random.uniform(0.9, 1.1)  # noqa: S311 (not crypto)


def retry_later(task, attempt: int, *args, **kwargs) -> bool:
    """Queue attempt number `attempt + 1` of `task` after a back-off; False when no attempt is left.

    The Tasks API has no retries of its own, so a task that failed in a way worth retrying (a mail server that
    did not answer) calls this with its own arguments, then records the failure. Backends that cannot run a
    task later (the immediate backend of the tests) run the next attempt at once.
    """
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        return False
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=retry_delay(attempt)))
    task.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True


def oldest_waiting_seconds() -> float | None:
    """How long the oldest task that is due has been waiting for a worker; None when nothing waits.

    A worker that stopped taking tasks shows here first (/readyz reports it).
    """
    now = timezone.now()
    if settings.TASK_BACKEND == "rq":
        import django_rq

        oldest = django_rq.get_queue("default").get_jobs(0, 1)
        return (now - oldest[0].enqueued_at).total_seconds() if oldest else None
    from django.db.models import Case, F, Min, When
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A task queued to run later counts from when it fell due, not from when it was queued.
    due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    oldest = DBTaskResult.objects.filter(backend_name=default_task_backend.alias).ready().aggregate(t=Min(due_since))
    return (now - oldest["t"]).total_seconds() if oldest["t"] else None
