"""Account changes that touch several things at once (the user row, sessions, mail, the audit trail), the steps
of a login, and the two-factor questions the pages ask."""

import logging
import secrets
import urllib.parse

import django_otp
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, throttle
from accounts.models import AuditEvent, User, UserSession

logger = logging.getLogger(__name__)

EMAIL_SALT = "accounts.confirm-email"
RECOVERY_CODES = 10


def site_url(path: str) -> str:
    """An absolute link on the configured site address; never built from the request's Host header."""
    return urllib.parse.urljoin(settings.SITE_URL, path)


def send_mail_after_commit(*, template: str, context: dict, to: str) -> None:
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


def confirmation_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=EMAIL_SALT, compress=True)


def send_confirmation(*, user: User) -> None:
    link = site_url(reverse("accounts:email-confirm", kwargs={"token": confirmation_token(user)}))
    days = settings.EMAIL_CONFIRMATION_SECONDS // 86400
    send_mail_after_commit(template="confirm_email", context={"user": user, "link": link, "days": days}, to=user.email)


class BadConfirmation(Exception):
    """A confirmation link that is expired, altered, or for an address the account no longer has."""


@transaction.atomic
def confirm_email(*, token: str, request: HttpRequest | None = None) -> User:
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
def change_email(*, user: User, new_email: str, request: HttpRequest) -> None:
    old_email = user.email
    user.email = new_email
    user.email_verified = False
    user.save(update_fields=["email", "email_verified"])
    audit.record(AuditEvent.Kind.EMAIL_CHANGED, request=request, user=user)
    send_mail_after_commit(template="email_changed", context={"user": user, "new_email": new_email}, to=old_email)
    send_confirmation(user=user)


def end_sessions(
    *, user: User, keep: str | None = None, only: str | None = None, request: HttpRequest | None = None
) -> int:
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
def password_changed(
    *, user: User, request: HttpRequest, kind: AuditEvent.Kind = AuditEvent.Kind.PASSWORD_CHANGED
) -> None:
    """After a change or a reset: other sessions end, the user is told by mail, the audit trail notes it."""
    keep = request.session.session_key if request.user.is_authenticated else None
    end_sessions(user=user, keep=keep)
    audit.record(kind, request=request, user=user)
    send_mail_after_commit(template="password_changed", context={"user": user}, to=user.email)


# Registration and login ----------------------------------------------------------------------------------------


@transaction.atomic
def register(*, user: User) -> User:
    """Save a new account (the registration form's unsaved user) and mail the link that confirms its address.

    Atomic: when the database refuses a name taken meanwhile (IntegrityError), no account and no mail.
    """
    user.save()
    send_confirmation(user=user)
    return user


def finish_login(request: HttpRequest, user: User, *, remember: bool) -> None:
    """Log the user in (a new session key) and set how long the session lasts."""
    auth_login(request, user, backend=getattr(user, "backend", None))
    request.session.set_expiry(settings.REMEMBER_ME_SECONDS if remember else 0)
    throttle.clear_login_failures(user)


class WrongCode(Exception):
    """A two-factor code that none of the user's devices accepts."""


def complete_two_factor_login(
    *, request: HttpRequest, user: User, code: str, backend: str, remember: bool
) -> int | None:
    """The second step of a login: check the code, then log the user in, verified.

    A wrong code counts as a failed login (the throttle) and raises WrongCode. Returns how many recovery codes
    are left when one was used (and notes its use in the audit trail), else None.
    """
    device = django_otp.match_token(user, code)
    if device is None:
        throttle.count_failure(request, throttle.user_key(user))
        raise WrongCode
    user.backend = backend
    finish_login(request, user, remember=remember)
    django_otp.login(request, device)
    if not isinstance(device, StaticDevice):
        return None
    left = device.token_set.count()
    audit.record(AuditEvent.Kind.RECOVERY_CODE_USED, request=request, user=user, left=left)
    return left


# Two-factor authentication -----------------------------------------------------------------------------------


def has_two_factor(user: User) -> bool:
    """Whether the user logs in with an authenticator app (a confirmed one)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user))


def device_being_set_up(*, user: User, pk: int | None) -> TOTPDevice | None:
    """The authenticator `pk` if the user started to set it up and has not confirmed it yet."""
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=pk).first()


def start_totp(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the user to scan; any earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp(*, device: TOTPDevice, request: HttpRequest) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = renew_recovery_codes(user=device.user, request=None)
    audit.record(AuditEvent.Kind.TWO_FACTOR_ENABLED, request=request, user=device.user)
    return codes


@transaction.atomic
def renew_recovery_codes(*, user: User, request: HttpRequest | None) -> list[str]:
    """Replace the user's recovery codes with new ones and return them, to be shown once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    if request is not None:
        audit.record(AuditEvent.Kind.RECOVERY_CODES_RENEWED, request=request, user=user)
    return codes


@transaction.atomic
def disable_two_factor(*, user: User, request: HttpRequest) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(AuditEvent.Kind.TWO_FACTOR_DISABLED, request=request, user=user)
    send_mail_after_commit(template="two_factor_disabled", context={"user": user}, to=user.email)
