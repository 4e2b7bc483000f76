"""The links a message carries: the job's status page and the customer's unsubscribe link.

`status_url(item)` is the API other apps use (billing links an estimate to it).

Both links open something for whoever has them, so the outbox never stores them: a message is rendered with
stand-ins (`…/status/[redacted]/`, `…/messages/unsubscribe/[redacted]/`), which is what staff read, and
`with_links()` puts the real links in when the message leaves (the status token is derived again from the link's
nonce and the secret key).
"""

from urllib.parse import unquote

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from notifications.models import StatusLink
from service_center.http import REDACTED

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def status_link(item) -> StatusLink:
    """The job's active status link, created when it has none (or none the current keys can write again)."""
    link = StatusLink.objects.active().filter(item=item).first()
    if link is not None and link.token() is not None:
        return link
    try:
        with transaction.atomic():
            if link is not None:  # made with a secret key the site no longer has: it cannot be written again
                StatusLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
            return StatusLink.objects.create(item=item)
    except IntegrityError:  # made at the same moment by another request
        return StatusLink.objects.active().get(item=item)


def status_url(item) -> str:
    """The absolute address of the job's status page (from SITE_URL), creating its link when missing."""
    return url_of(status_link(item))


def url_of(link: StatusLink) -> str:
    """The absolute address a link opens; empty when no key the site has can write it again."""
    token = link.token()
    return absolute(reverse("notifications:status", kwargs={"token": token})) if token else ""


def unsubscribe_url(customer_id: int) -> str:
    """A signed link that stops a customer's messages, without logging in; it does not expire."""
    signed = signing.dumps(customer_id, salt=UNSUBSCRIBE_SALT, compress=True)
    return absolute(reverse("notifications:unsubscribe", kwargs={"signed": signed}))


def customer_id_from(signed: str) -> int | None:
    try:
        value = signing.loads(signed, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def redacted_status_url() -> str:
    """What a message stores in place of a job's status link."""
    return absolute(unquote(reverse("notifications:status", kwargs={"token": REDACTED})))


def redacted_unsubscribe_url() -> str:
    """What a message stores in place of the customer's unsubscribe link."""
    return absolute(unquote(reverse("notifications:unsubscribe", kwargs={"signed": REDACTED})))


def with_links(text: str, *, item, customer_id: int, html: bool) -> str:
    """A stored message's `text` with the real links in place of the stand-ins: the job's status link (made when
    the job has none) and the customer's unsubscribe link. Only for a message leaving now: never stored."""
    quote = escape if html else str
    status = quote(redacted_status_url())
    if item is not None and status in text:
        text = text.replace(status, quote(status_url(item)))
    return text.replace(quote(redacted_unsubscribe_url()), quote(unsubscribe_url(customer_id)))
