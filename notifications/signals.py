"""Receivers: the logbook's moments that send a message, and what customers tells us of merges and erasures.

Every signal arrives inside the sender's transaction: rows saved here commit or roll back with the change, and
deliveries are queued on commit.
"""

from django.dispatch import receiver

from core.models import CLOSED_STATUSES
from core.signals import item_taken_in, status_changed
from customers.signals import customer_erased, customers_merging
from notifications import links, services
from notifications.models import Event, Message


@receiver(item_taken_in, dispatch_uid="notifications.taken_in")
def on_taken_in(sender, item, actor, **kwargs):
    links.status_link(item)
    services.queue_message(item=item, event=Event.TAKEN_IN, actor=actor)


@receiver(status_changed, dispatch_uid="notifications.status_changed")
def on_status_changed(sender, item, from_status, to_status, actor, **kwargs):
    if to_status in CLOSED_STATUSES:
        services.expire_status_links(item=item)
    if event := services.EVENT_FOR_STATUS.get(to_status):
        extra = {"released_on": services.day(None)} if event == Event.RELEASED else {}
        services.queue_message(item=item, event=event, actor=actor, extra=extra)


@receiver(customers_merging, dispatch_uid="notifications.merging")
def on_customers_merging(sender, source, target, **kwargs):
    Message.objects.filter(customer=source).update(customer=target)


@receiver(customer_erased, dispatch_uid="notifications.erased")
def on_customer_erased(sender, customer, **kwargs):
    # The outbox keeps that a message went out and when; not to whom, nor what it said.
    Message.objects.filter(customer=customer).update(address="", subject="", body_text="", body_html="", context={})
