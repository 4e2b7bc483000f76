"""Background work of the notifications app: delivering messages (with retries) and the pickup reminders."""

from django_tasks import task

from notifications import services
from service_center.tasks import retry_later


@task()
def deliver_message(*, message_id: int, attempt: int = 1) -> None:
    """Send one queued message; a passing failure is tried again later, the last one marks it failed."""
    if services.deliver(message_id=message_id) and not retry_later(deliver_message, attempt, message_id=message_id):
        services.give_up(message_id=message_id)


@task()
def send_pickup_reminders() -> int:
    """Periodic (settings.PERIODIC_TASKS): reminders for items ready and not collected. Safe to run twice."""
    return services.send_due_reminders()
