"""The logbook's signals, for the apps built on it, and the receivers that keep the logbook's cache honest.

Every signal is sent inside the write's transaction, with the item locked: a receiver's own rows are saved or
rolled back with the change, and a receiver of `status_changing` refuses the change by raising
core.services.LogbookError (its message is shown to the user).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from core.models import LogbookRevision, ServiceItem
from customers import signals as customers_signals

# A new item was taken in. Arguments: item, actor.
item_taken_in = Signal()
# A status change is about to be saved. Arguments: item (old status still set), to_status, actor, note, request
# (the page's request, or None when no page asked for it).
status_changing = Signal()
# A status change was saved. Arguments: item, from_status, to_status, actor, note, request.
status_changed = Signal()


@receiver(post_save, sender=ServiceItem)
@receiver(post_delete, sender=ServiceItem)
def item_changed(sender, **kwargs):
    # In the writer's transaction: readers keep the old revision until the change is committed and visible.
    LogbookRevision.bump()


# What customers tells the logbook (customers/signals.py): keep the jobs' search text and owners right.


def _refresh_documents(jobs):
    for job in jobs.select_related("customer", "equipment__kind").prefetch_related("customer__phones"):
        job.save(update_fields=["search_document"])


@receiver(customers_signals.customer_changed)
def customer_changed(sender, customer, **kwargs):
    _refresh_documents(ServiceItem.objects.filter(customer=customer))


@receiver(customers_signals.equipment_changed)
def equipment_changed(sender, equipment, **kwargs):
    _refresh_documents(ServiceItem.objects.filter(equipment=equipment))


@receiver(customers_signals.customers_merging)
def customers_merging(sender, source, target, **kwargs):
    ServiceItem.objects.filter(customer=source).update(customer=target)
    _refresh_documents(ServiceItem.objects.filter(customer=target))


@receiver(customers_signals.customer_erased)
def customer_erased(sender, customer, **kwargs):
    # The jobs' technical history stays; what named the person (the search text) is written again without it.
    _refresh_documents(ServiceItem.objects.filter(customer=customer))
