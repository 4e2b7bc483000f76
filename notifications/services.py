"""Writes of the notifications app: queueing, delivering and resending messages, status links, unsubscribing,
templates and reminders. Each is atomic; deliveries are queued only once the transaction commits."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import ServiceEvent, ServiceItem, Status
from core.services import record_event
from customers import services as customers
from customers.models import Customer
from notifications import channels, links, rendering
from notifications.models import Event, Message, MessageTemplate, StatusLink
from notifications.wording import status_words
from service_center.tasks import enqueue_on_commit

# What a status change sends.
EVENT_FOR_STATUS = {
    Status.WAITING_APPROVAL: Event.APPROVAL,
    Status.READY: Event.READY,
    Status.RELEASED: Event.RELEASED,
}


class NotificationError(Exception):
    """A request the app refuses; the message is for the user."""


class StaleTemplate(NotificationError):
    def __init__(self):
        super().__init__("Someone else saved this template after you opened it. Your changes were not saved.")


def day(value) -> str:
    """A date as messages write it (27 November 2026); None is today."""
    if value is None:
        value = timezone.now()
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return date_format(value, "j F Y")


def item_context(item: ServiceItem, customer: Customer, **extra: str) -> dict:
    """The documented template variables (rendering.VARIABLES) for one job: plain strings only. `status_url` is
    the stand-in the outbox keeps; the real link goes in when the message leaves (links.with_links)."""
    return {
        **rendering.shop_context(),
        "customer_name": customer.name,
        "control_number": item.control_number,
        "item": item.item or item.item_type,
        "item_type": item.item_type,
        "brand": item.brand,
        "model": item.model,
        "serial_number": item.serial_number,
        "requested_service": item.requested_service,
        "accessories": item.accessories,
        "received_on": day(item.received_at),
        "promised_on": day(item.promised_on) if item.promised_on else "",
        "status": status_words(item.status)[0],
        "status_url": links.redacted_status_url(),
        "days_waiting": "",
        "released_on": "",
        **extra,
    }


def _why_not(customer: Customer, template: MessageTemplate | None, channel) -> str:
    """Why a message must not go out, in words for staff; empty when it may."""
    if customer.erased_at is not None:
        return "The customer’s data was erased."
    if template is None or not template.enabled:
        return "This message is switched off."
    if not customer.consent:
        return "The customer has not agreed to service messages."
    if channel is None:
        return "The customer has no email address."
    return ""


def queue_message(
    *,
    item: ServiceItem,
    event: str,
    actor: AbstractUser | None = None,
    reminder_days: int | None = None,
    extra: dict | None = None,
) -> Message | None:
    """Record a message for the job's customer and queue its delivery, or record why it is not sent.

    None when this reminder step was already recorded.
    """
    customer = item.customer
    return queue_customer_message(
        customer=customer,
        event=event,
        context=lambda: item_context(item, customer, **(extra or {})),
        item=item,
        actor=actor,
        reminder_days=reminder_days,
    )


def queue_customer_message(
    *,
    customer: Customer,
    event: str,
    context: Callable[[], dict],
    item: ServiceItem | None = None,
    actor: AbstractUser | None = None,
    reminder_days: int | None = None,
) -> Message | None:
    """Record a message of `event` for a customer (about a job, or not) and queue its delivery, or record why it is
    not sent. `context` gives the template's variables; it is called only when the message is queued, and kept
    with it: the worker renders the message (never the request that queued it, whatever the template does).

    None when this pickup reminder step was already recorded.
    """
    template = MessageTemplate.objects.filter(event=event).first()
    channel, address = channels.choose(customer)
    message = Message(
        customer=customer,
        item=item,
        event=event,
        reminder_days=reminder_days,
        channel=channel.name if channel else "",
        address=address,
        created_by=actor,
    )
    if reason := _why_not(customer, template, channel):
        message.status, message.reason = Message.Status.SUPPRESSED, reason
    else:
        message.context = {
            name: "" if value is None else str(value)
            for name, value in context().items()
            if name in rendering.VARIABLES
        }
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if reminder_days is None:
            raise
        return None  # another run of the reminders recorded this step first
    if message.status == Message.Status.QUEUED:
        from notifications.tasks import deliver_message

        enqueue_on_commit(deliver_message, message_id=message.pk)
    return message


def _claim(message_id: int) -> Message | None:
    """Take a queued message for one attempt: nobody else sends it while the claim lasts (a worker that dies
    mid-send leaves a claim that runs out). None when there is nothing to send."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, status=Message.Status.QUEUED)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .first()
        )
        if message is None:  # sent, given up, suppressed or being sent: nothing to do, whichever attempt this is
            return None
        customer = Customer.objects.get(pk=message.customer_id)
        if not customer.consent or customer.erased_at is not None:
            message.status, message.reason = Message.Status.SUPPRESSED, "The customer withdrew consent before sending."
            message.save(update_fields=["status", "reason"])
            return None
        message.attempts += 1
        message.claimed_until = now + datetime.timedelta(seconds=settings.EMAIL_TIMEOUT * 3 + 30)
        message.save(update_fields=["attempts", "claimed_until"])
        return message


def _write(message: Message) -> bool:
    """Render a claimed message from its template and the variables it was queued with, as the outbox keeps it:
    the secret links as stand-ins. False, with the message failed and the reason, when the template cannot be used
    (an error, or past the sandbox's bounds)."""
    template = MessageTemplate.objects.filter(event=message.event).first()
    context = {**message.context, "status_url": links.redacted_status_url() if message.item_id else ""}
    try:
        if template is None:
            raise rendering.TemplateProblem("This message has no template.")
        rendered = rendering.render_message(
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            context=context,
            unsubscribe_url=links.redacted_unsubscribe_url(),
        )
    except rendering.TemplateProblem as problem:
        message.status, message.reason, message.claimed_until = Message.Status.FAILED, str(problem)[:255], None
        message.save(update_fields=["status", "reason", "claimed_until"])
        return False
    message.subject, message.body_text, message.body_html = rendered.subject, rendered.text, rendered.html
    message.context, message.rendered_at = {}, timezone.now()  # the rendered copy holds what the context did
    message.save(update_fields=["subject", "body_text", "body_html", "context", "rendered_at"])
    return True


def outgoing(message: Message) -> channels.Outgoing:
    """The message as it leaves: the outbox's copy with the real links put in. Never stored."""
    item = message.item if message.item_id else None

    def fill(text, *, html=False):
        return links.with_links(text, item=item, customer_id=message.customer_id, html=html)

    return channels.Outgoing(
        address=message.address,
        subject=fill(message.subject),
        body_text=fill(message.body_text),
        body_html=fill(message.body_html, html=True),
        unsubscribe_url=links.unsubscribe_url(message.customer_id),
    )


def deliver(*, message_id: int) -> bool:
    """One attempt at sending a queued message, rendering it first on its first attempt. True when it failed in a
    way worth trying again later.

    The message is claimed in one short transaction and the outcome saved in another: the channel (a mail server
    that may take EMAIL_TIMEOUT to answer) is never waited for inside a transaction.
    """
    message = _claim(message_id)
    if message is None:
        return False
    if message.rendered_at is None and not _write(message):
        return False
    channel = channels.get(message.channel)
    try:
        if channel is None:
            raise channels.DeliveryError(f"No channel “{message.channel}” is set up.", retry=False)
        channel.send(outgoing(message))
    except channels.DeliveryError as error:
        message.last_error = str(error)[:255]
        if not error.retry:
            message.status, message.reason = Message.Status.FAILED, message.last_error
        message.claimed_until = None
        message.save(update_fields=["last_error", "status", "reason", "claimed_until"])
        return error.retry
    with transaction.atomic():
        message.status, message.sent_at, message.last_error, message.claimed_until = (
            Message.Status.SENT,
            timezone.now(),
            "",
            None,
        )
        message.save(update_fields=["last_error", "status", "sent_at", "claimed_until"])
        if message.item_id:
            record_event(
                item=ServiceItem(pk=message.item_id),
                kind=ServiceEvent.Kind.MESSAGE,
                actor=message.created_by,
                note=f"{channel.label} sent: {message.get_event_display()}",
            )
    return False


def give_up(*, message_id: int) -> None:
    """The last attempt failed: the message is failed, with the last error as the reason."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, status=Message.Status.QUEUED).first()
        if message is not None:
            message.status = Message.Status.FAILED
            message.reason = f"Gave up after {message.attempts} attempts. {message.last_error}"[:255]
            message.save(update_fields=["status", "reason"])


@transaction.atomic
def resend(*, message_id: int, actor: AbstractUser) -> Message:
    """Send a job's message again: rendered afresh, to the customer's current address."""
    original = Message.objects.select_related("item__customer").get(pk=message_id)
    if original.item is None or original.item.customer is None:
        raise NotificationError("This message belongs to no job any more, so it cannot be sent again.")
    extra = {"days_waiting": str(original.reminder_days)} if original.reminder_days else {}
    return queue_message(item=original.item, event=original.event, actor=actor, extra=extra)


@transaction.atomic
def revoke_status_link(*, item_pk: int, actor: AbstractUser) -> bool:
    """Stop the job's status link from working. The next slip or message makes a new one. False if none."""
    return bool(
        StatusLink.objects.active().filter(item_id=item_pk).update(revoked_at=timezone.now(), revoked_by=actor)
    )


def expire_status_links(*, item: ServiceItem) -> None:
    """The job is closed: its link works for STATUS_LINK_DAYS_AFTER_RELEASE more days."""
    until = timezone.now() + datetime.timedelta(days=settings.STATUS_LINK_DAYS_AFTER_RELEASE)
    StatusLink.objects.active().filter(item=item).update(expires_at=until)


@transaction.atomic
def unsubscribe(*, customer_id: int) -> Customer | None:
    """Turn the customer's consent off (from the link in a message) and record it in their history."""
    return customers.withdraw_consent(
        customer_pk=customer_id, note=_("Withdrawn with the unsubscribe link in a message.")
    )


@transaction.atomic
def save_template(*, template_pk: int, data: dict, expected_version: int, actor: AbstractUser) -> MessageTemplate:
    """Save a manager's edit, unless someone saved the template since the form was opened."""
    template = MessageTemplate.objects.select_for_update().get(pk=template_pk)
    if template.version != expected_version:
        raise StaleTemplate
    for name, value in data.items():
        setattr(template, name, value)
    template.version += 1
    template.updated_by = actor
    template.save()
    return template


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Queue a reminder for each item ready for pickup and not collected after each of PICKUP_REMINDER_DAYS.

    Only the latest step that is due is sent (an item found 31 days ready gets the 30-day reminder, not three),
    and a step is recorded once per item: running it twice, or in two workers at once, sends nothing twice.
    """
    now = now or timezone.now()
    steps = settings.PICKUP_REMINDER_DAYS
    if not steps:
        return 0
    ready = (
        ServiceItem.objects.filter(status=Status.READY, customer__isnull=False)
        .annotate(ready_since=Max("events__created_at", filter=Q(events__kind=ServiceEvent.Kind.STATUS)))
        .filter(ready_since__lte=now - datetime.timedelta(days=steps[0]))
        .select_related("customer")
    )
    queued = 0
    for item in ready:
        days = (now - item.ready_since).days
        step = max(day for day in steps if day <= days)
        if Message.objects.filter(item=item, event=Event.REMINDER, reminder_days__gte=step).exists():
            continue
        with transaction.atomic():
            message = queue_message(
                item=item, event=Event.REMINDER, reminder_days=step, extra={"days_waiting": str(days)}
            )
        queued += message is not None
    return queued
