"""A task for the cluster benchmark: it notes which worker ran it, in the shared cache (see cluster.py)."""

import os

from django.core.cache import cache
from django_tasks import task

HOUR = 60 * 60


@task()
def note_worker(*, run: str, number: int) -> None:
    # RQ runs each job in a process forked from the worker, so the worker is the parent.
    cache.add(f"bench-task:{run}:{number}", [os.getpid(), os.getppid()], HOUR)
    cache.add(f"bench-task:{run}:runs", 0, HOUR)
    cache.incr(f"bench-task:{run}:runs")


def enqueue(count):
    import secrets

    run = secrets.token_hex(4)
    for number in range(count):
        note_worker.enqueue(run=run, number=number)
    return {"run": run}


def results(run, count=20):
    found = cache.get_many([f"bench-task:{run}:{number}" for number in range(count)])
    return {
        "ran": {key.rsplit(":", 1)[1]: pids for key, pids in found.items()},
        "runs": cache.get(f"bench-task:{run}:runs", 0),
    }
