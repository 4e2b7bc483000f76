"""The worker: runs queued tasks, and queues the periodic ones (settings.PERIODIC_TASKS) when they fall due.

    python -m service_center.worker

`make run` starts it beside the development server and `make serve` beside gunicorn; in production run one or
more under a process manager (docs/deploy.md). It runs the database queue's `db_worker`, or RQ's worker with its
scheduler when TASK_BACKEND=rq.
"""

import logging
import os
import threading
import time

logger = logging.getLogger("service_center.worker")
PERIODIC_CHECK_SECONDS = 30


def queue_periodic_tasks(now: float) -> list[str]:
    """Queue each periodic task whose time slot has started and that no worker has queued in it yet."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils.module_loading import import_string

    queued = []
    for path, every in settings.PERIODIC_TASKS.items():
        # The slot's key is added once, whichever worker gets there first (the cache is shared through Redis).
        if cache.add(f"periodic:{path}:{int(now // every)}", 1, every):
            import_string(path).enqueue()
            queued.append(path)
    return queued


def _queue_periodic_tasks_forever(stop: threading.Event) -> None:
    from django.db import close_old_connections

    while True:
        try:
            for path in queue_periodic_tasks(time.time()):
                logger.info("Queued the periodic task %s", path)
        except Exception:
            logger.exception("Could not queue the periodic tasks")
        finally:
            close_old_connections()
        if stop.wait(PERIODIC_CHECK_SECONDS):
            return


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "service_center.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    stop = threading.Event()
    threading.Thread(target=_queue_periodic_tasks_forever, args=(stop,), daemon=True).start()
    try:
        if settings.TASK_BACKEND == "rq":
            call_command("rqworker", "default", with_scheduler=True)
        else:
            call_command("db_worker", reload=False, startup_delay=False)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
