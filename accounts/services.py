"""Account changes that touch several things at once: the user row, sessions, mail and the audit trail."""

import logging
import secrets
import urllib.parse

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import AuditEvent, User, UserSession

logger = logging.getLogger(__name__)

EMAIL_SALT = "accounts.confirm-email"
RECOVERY_CODES = 10


def site_url(path):
    """An absolute link on the configured site address; never built from the request's Host header."""
    return urllib.parse.urljoin(settings.SITE_URL, path)


def send_mail_after_commit(*, template, context, to):
    """Send accounts/email/<template>_subject.txt and _body.txt once the transaction commits.

    A mail server that fails is logged, never shown to the user as an error page.
    """
    context = {"shop_name": settings.SHOP_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/email/{template}_body.txt", context)

    def deliver():
        try:
            send_mail(subject, body, None, [to])
        except Exception:
            logger.exception("Could not send the %s mail", template)

    transaction.on_commit(deliver)


def confirmation_token(user):
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=EMAIL_SALT, compress=True)


def send_confirmation(*, user):
    link = site_url(reverse("accounts:email-confirm", kwargs={"token": confirmation_token(user)}))
    days = settings.EMAIL_CONFIRMATION_SECONDS // 86400
    send_mail_after_commit(template="confirm_email", context={"user": user, "link": link, "days": days}, to=user.email)


class BadConfirmation(Exception):
    """A confirmation link that is expired, altered, or for an address the account no longer has."""


@transaction.atomic
def confirm_email(*, token, request=None):
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=settings.EMAIL_CONFIRMATION_SECONDS)
    except signing.SignatureExpired as error:
        raise BadConfirmation("expired") from error
    except signing.BadSignature as error:
        raise BadConfirmation("invalid") from error
    user = User.objects.select_for_update().filter(pk=data.get("user")).first()
    if user is None or user.email.lower() != data.get("email"):
        raise BadConfirmation("stale")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        audit.record(AuditEvent.Kind.EMAIL_CONFIRMED, request=request, user=user)
    return user


@transaction.atomic
def change_email(*, user, new_email, request):
    old_email = user.email
    user.email = new_email
    user.email_verified = False
    user.save(update_fields=["email", "email_verified"])
    audit.record(AuditEvent.Kind.EMAIL_CHANGED, request=request, user=user)
    send_mail_after_commit(template="email_changed", context={"user": user, "new_email": new_email}, to=old_email)
    send_confirmation(user=user)


def end_sessions(*, user, keep=None, only=None, request=None):
    """End the user's sessions: all but `keep`, or just `only`. Returns how many ended."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    if only:
        rows = rows.filter(session_key=only)
    store = _session_store()
    ended = 0
    for key in list(rows.values_list("session_key", flat=True)):
        store(session_key=key).delete()
        ended += 1
    rows.delete()
    if ended and request is not None:
        audit.record(AuditEvent.Kind.SESSION_ENDED, request=request, user=user, sessions=ended)
    return ended


def _session_store() -> type[SessionBase]:
    from importlib import import_module

    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def password_changed(*, user, request, kind=AuditEvent.Kind.PASSWORD_CHANGED):
    """After a change or a reset: other sessions end, the user is told by mail, the audit trail notes it."""
    keep = request.session.session_key if request.user.is_authenticated else None
    end_sessions(user=user, keep=keep)
    audit.record(kind, request=request, user=user)
    send_mail_after_commit(template="password_changed", context={"user": user}, to=user.email)


# Two-factor authentication -----------------------------------------------------------------------------------


def start_totp(*, user):
    """An unconfirmed authenticator for the user to scan; any earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp(*, device, request):
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = renew_recovery_codes(user=device.user, request=None)
    audit.record(AuditEvent.Kind.TWO_FACTOR_ENABLED, request=request, user=device.user)
    return codes


@transaction.atomic
def renew_recovery_codes(*, user, request):
    """Replace the user's recovery codes with new ones and return them, to be shown once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    if request is not None:
        audit.record(AuditEvent.Kind.RECOVERY_CODES_RENEWED, request=request, user=user)
    return codes


@transaction.atomic
def disable_two_factor(*, user, request):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(AuditEvent.Kind.TWO_FACTOR_DISABLED, request=request, user=user)
    send_mail_after_commit(template="two_factor_disabled", context={"user": user}, to=user.email)
