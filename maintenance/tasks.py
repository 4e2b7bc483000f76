"""Background work of the service clocks: the daily reminders, and refreshing a plan's clocks after a change."""

from django_tasks import task

from maintenance import services


@task()
def refresh_clock(*, clock_id: int) -> int:
    return services.refresh_clock(clock_id=clock_id)


@task()
def send_service_reminders() -> dict:
    """Queued once a day by the worker (settings.PERIODIC_TASKS); safe to run any number of times."""
    return services.send_service_reminders().as_dict()
