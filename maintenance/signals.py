"""How the service clocks hear of what happens in the logbook and to customers' gear."""

from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from core.models import ServiceItem, Status
from core.signals import status_changed
from customers.models import Equipment
from customers.signals import customer_erased, customers_merging, equipment_created_in_bulk
from maintenance import services
from maintenance.models import Reminder, ServiceClock, ServiceRecord
from service_center.tasks import enqueue_on_commit


@receiver(status_changed, sender=ServiceItem)
def reset_clocks_on_release(sender, item, to_status, actor, **kwargs):
    # Inside the release's transaction: the clocks are reset with it or not at all.
    if to_status == Status.RELEASED:
        services.reset_clocks_of_released_job(item=item, actor=actor)


@receiver(post_save, sender=Equipment)
def piece_saved(sender, instance, raw=False, **kwargs):
    # A new piece gets its type's clocks; a new type or purchase date moves its due dates.
    if not raw:
        services.sync_piece(equipment=instance)


@receiver(post_save, sender=ServiceClock)
def plan_changed(sender, instance, raw=False, **kwargs):
    # Every piece of the type is touched: in the background, once the change is committed.
    if not raw:
        from maintenance.tasks import refresh_clock

        enqueue_on_commit(refresh_clock, clock_id=instance.pk)


@receiver(customers_merging)
def move_reminders(sender, source, target, **kwargs):
    # The pieces move with customers' own rows; the reminders already sent follow them, once each.
    for reminder in Reminder.objects.filter(customer=source):
        duplicate = Reminder.objects.filter(
            customer=target, equipment_clock_id=reminder.equipment_clock_id, due_on=reminder.due_on
        )
        if duplicate.exists():
            reminder.delete()
        else:
            reminder.customer = target
            reminder.save(update_fields=["customer"])


@receiver(customer_erased)
def forget_notes(sender, customer, **kwargs):
    # The dates and the work stay (the gear's technical history); notes typed about the service may name people.
    ServiceRecord.objects.filter(equipment__owner=customer).exclude(note="").update(note="")


def fill_clocks_after_migrate(sender, plan=(), **kwargs):
    # Plans created by migrations, and pieces created in bulk by them, get their clocks at once. Not after going
    # backwards (`migrate core 0004`): the tables are then older than the models that would read them.
    if any(backwards for _migration, backwards in plan or ()):
        return
    services.fill_missing_clocks()


@receiver(equipment_created_in_bulk)
def fill_clocks_of_pieces_made_in_bulk(sender, **kwargs):
    services.fill_missing_clocks()


def connect_post_migrate(app_config):
    post_migrate.connect(fill_clocks_after_migrate, sender=app_config, dispatch_uid="maintenance-fill-clocks")
