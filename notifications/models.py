"""The outbox (every message to a customer), the message templates, and the customers' status links."""

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """The moments that send a message."""

    TAKEN_IN = "taken_in", _("Taken in")
    APPROVAL = "approval", _("Waiting for the customer’s approval")
    READY = "ready", _("Ready for pickup")
    REMINDER = "reminder", _("Pickup reminder")
    RELEASED = "released", _("Released")
    # Sent by maintenance: the customer's gear falling due for service (one message listing every piece).
    SERVICE_DUE = "service_due", _("Service due")


class MessageTemplate(models.Model):
    """What is sent at one event, and whether it is sent at all: managers edit both."""

    event = models.CharField(_("event"), max_length=20, choices=Event, unique=True)
    enabled = models.BooleanField(_("send this message"), default=True)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("plain text"), max_length=5000)
    body_html = models.TextField(
        _("HTML"), max_length=10000, blank=True, help_text=_("Leave empty to send the plain text as HTML too.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Optimistic locking: two managers editing the same template do not overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("message template")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(event__in=Event.values), name="notif_template_event_valid")]

    def __str__(self):
        return self.get_event_display()


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent")


class MessageQuerySet(models.QuerySet):
    def failed(self):
        """Messages that could not be delivered, newest first, with what the failed list shows."""
        return self.filter(status=MessageStatus.FAILED).select_related("item", "customer").order_by("-created_at")


class Message(models.Model):
    """One message to a customer, as it was rendered, and what became of it.

    It is queued with its template's variables (`context`) and rendered by the worker, with stand-ins for the
    secret links (notifications.links): the stored subject and bodies are what was sent, less those links.
    """

    Status = MessageStatus

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="messages", verbose_name=_("customer")
    )
    item = models.ForeignKey(
        "core.ServiceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("job"),
    )
    event = models.CharField(_("event"), max_length=20, choices=Event)
    # For reminders: after how many days ready (one message per item and step).
    reminder_days = models.PositiveSmallIntegerField(_("reminder after days"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20)
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    # The template's variables (rendering.VARIABLES, strings) as they were when the message was queued, until the
    # worker renders it; no secret link among them.
    context = models.JSONField(default=dict, blank=True, editable=False)
    rendered_at = models.DateTimeField(_("written"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.QUEUED)
    # Why it was not sent or failed, in words for staff; never the customer's data.
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    # While an attempt is under way: nobody else sends the message until then.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queued by"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_message", "Can send a message to a customer again")]
        indexes = [
            models.Index(fields=["item", "-created_at"], name="notif_message_item_idx"),
            models.Index(fields=["status", "-created_at"], name="notif_message_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="notif_message_status_valid"),
            # Running the reminders twice (two workers, or a retry) never sends a reminder twice.
            models.UniqueConstraint(
                fields=["item", "reminder_days"],
                condition=Q(event="reminder"),
                name="notif_one_reminder_per_step",
            ),
        ]

    def __str__(self):
        return f"{self.get_event_display()} ({self.get_status_display()})"


# A status link's token: 32 bytes from HMAC-SHA256, base64url without padding.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _derive_token(nonce: str, key: str) -> str:
    digest = hmac.new(key.encode(), f"notifications.StatusLink:{nonce}".encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StatusLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def get_valid(self, token: str) -> "StatusLink | None":
        """The link that `token` opens, with its item; None when it is unknown, revoked or expired."""
        if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
            return None
        digest = hash_token(token)
        link = self.select_related("item").filter(token_hash=digest).first()
        if link is None or not hmac.compare_digest(link.token_hash, digest) or not link.is_valid:
            return None
        return link


class StatusLink(models.Model):
    """A job's secret link to its status page.

    The token is never stored: it is derived from a random nonce with the site's secret key (HMAC-SHA256, 256
    bits), and only its SHA-256 hash is kept to find the link. A copy of the database alone gives no working
    link, yet the site can write the same link again on a reprinted slip or a later message.
    """

    item = models.ForeignKey("core.ServiceItem", on_delete=models.CASCADE, related_name="status_links")
    nonce = models.CharField(max_length=64, default=secrets.token_urlsafe, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StatusLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("status link")
        ordering = ["-created_at", "-id"]
        permissions = [("revoke_statuslink", "Can revoke a customer’s status link")]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(revoked_at__isnull=True), name="notif_one_active_link_per_item"
            ),
        ]

    def __str__(self):
        return f"Status link of {self.item_id}"

    def save(self, *args, **kwargs):
        if not self.token_hash:
            self.token_hash = hash_token(_derive_token(self.nonce, settings.SECRET_KEY))
        super().save(*args, **kwargs)

    @property
    def is_valid(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def token(self) -> str | None:
        """The link's token, derived again; None when no key the site knows derives it (the key was replaced
        and the old one is not among SECRET_KEY_FALLBACKS)."""
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
            token = _derive_token(self.nonce, key)
            if hmac.compare_digest(hash_token(token), self.token_hash):
                return token
        return None
