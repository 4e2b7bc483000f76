"""Account changes that touch several things at once (the user row, sessions, mail, the audit trail), the steps
of a login, and the two-factor questions the pages ask."""

import logging
import secrets

import django_otp
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, tasks, throttle, tokens
from accounts.models import AuditEvent, Invitation, UsedSignUpLink, User, UserSession
from service_center.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10


def queue_notice(*, template: str, user: User, to: str = "", **values: str) -> None:
    """Queue a notice about a change to the account (accounts/tasks.py), sent once the transaction commits."""
    enqueue_on_commit(tasks.send_notice, template=template, user_id=user.pk, to=to, **values)


def send_confirmation(*, user: User) -> None:
    enqueue_on_commit(tasks.send_email_confirmation, user_id=user.pk)


BadConfirmation = tokens.BadToken


class AddressTaken(BadConfirmation):
    """The address waiting for confirmation became another account's meanwhile."""


@transaction.atomic
def confirm_email(*, token: str, request: HttpRequest | None = None) -> User:
    """The link mailed to an address was opened: a new address waiting becomes the account's, confirmed; an
    account's own unconfirmed address (a manager made the account) is confirmed. A link for an address the account
    no longer waits for, or one another account holds now, is refused."""
    data = tokens.confirmation_data(token)
    user = User.objects.select_for_update().filter(pk=data.get("user")).first()
    if user is None or not data.get("email"):
        raise BadConfirmation("stale")
    if user.pending_email and user.pending_email.lower() == data["email"]:
        if User.objects.filter(email__iexact=user.pending_email).exclude(pk=user.pk).exists():
            raise AddressTaken("taken")
        user.email, user.pending_email, user.email_verified = user.pending_email, "", True
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "pending_email", "email_verified"])
        except IntegrityError as error:  # taken by an account made in the same moment
            raise AddressTaken("taken") from error
        audit.record(AuditEvent.Kind.EMAIL_CONFIRMED, request=request, user=user, changed=True)
    elif user.email.lower() == data["email"] and not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        audit.record(AuditEvent.Kind.EMAIL_CONFIRMED, request=request, user=user)
    else:
        raise BadConfirmation("stale")
    return user


@transaction.atomic
def change_email(*, user: User, new_email: str, request: HttpRequest | None, actor: User | None = None) -> None:
    """A new address (from the profile, or a manager in the admin) waits for confirmation: the account keeps its
    address, which logs in and gets resets, until the link mailed to the new one is opened (so nobody holds an
    address they did not prove, and its owner can still register or be invited). The account's address is told."""
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])
    audit.record(AuditEvent.Kind.EMAIL_CHANGED, request=request, user=user, actor=actor)
    if user.email:
        queue_notice(template="email_changed", user=user, to=user.email, new_email=new_email)
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
    *,
    user: User,
    request: HttpRequest,
    kind: AuditEvent.Kind = AuditEvent.Kind.PASSWORD_CHANGED,
    actor: User | None = None,
) -> None:
    """After a change, a reset, or a manager setting it in the admin: the account's other sessions end, its
    lockouts are lifted, the user is told by mail, the audit trail notes it (with who, when not the user)."""
    keep = request.session.session_key if request.user == user else None
    end_sessions(user=user, keep=keep)
    throttle.clear_login_failures(user)
    audit.record(kind, request=request, user=user, actor=actor)
    queue_notice(template="password_changed", user=user)


@transaction.atomic
def set_active(*, user: User, active: bool, actor: User, request: HttpRequest) -> None:
    """Activate or deactivate an account. Deactivating ends every session it has (reactivating brings none back)."""
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        end_sessions(user=user)
    kind = AuditEvent.Kind.ACTIVATED if active else AuditEvent.Kind.DEACTIVATED
    audit.record(kind, request=request, user=user, actor=actor)


# Registration and login ----------------------------------------------------------------------------------------


def _mail_to_address_allowed(email: str, what: str) -> bool:
    """At most THROTTLE_EMAIL_ADDRESS mails a typed address asked for (counted for every address, ours or not,
    so that the answer never differs); more are silently not sent, so nobody can flood an inbox from many
    client addresses."""
    if throttle.EMAIL_ADDRESS.retry_after(email):
        logger.info("%s not sent: too many were asked for that address", what)
        return False
    throttle.EMAIL_ADDRESS.hit(email)
    return True


def request_sign_up(*, email: str) -> None:
    """Someone typed this address at registration: the worker mails it the link that creates an account, or
    tells its owner that they have one. The same work here either way, so the page says nothing about it."""
    if _mail_to_address_allowed(email, "Sign-up link"):
        enqueue_on_commit(tasks.send_sign_up_link, email=email)


def request_password_reset(*, email: str, request: HttpRequest) -> None:
    """Someone asked for a reset link for this address. The worker looks the address up, so the answer takes the
    same time whether or not it is ours."""
    if _mail_to_address_allowed(email, "Reset link"):
        enqueue_on_commit(tasks.send_password_reset, email=email)


@transaction.atomic
def create_account(
    *,
    user: User,
    request: HttpRequest,
    invitation: Invitation | None = None,
    sign_up: tokens.SignUp | None = None,
) -> User:
    """Save a new account (the sign-up form's unsaved user, its address proven by the link it came from).

    Self-registered accounts have no access until a manager gives it, and the managers are told; their link is
    marked used for good. An invited one joins the invitation's groups. Atomic: when the database refuses a name
    taken meanwhile, or the link used meanwhile (IntegrityError), nothing is saved or sent.
    """
    user.email_verified = True
    user.save()
    if sign_up is not None:
        UsedSignUpLink.objects.create(nonce=sign_up.nonce)
        # Links older than their life are refused as expired anyway: their marks need not be kept.
        expired = timezone.now() - timezone.timedelta(seconds=settings.EMAIL_CONFIRMATION_SECONDS)
        UsedSignUpLink.objects.filter(used_at__lt=expired).delete()
    if invitation is None:
        audit.record(AuditEvent.Kind.REGISTERED, request=request, user=user)
        enqueue_on_commit(tasks.tell_managers_of_registration, user_id=user.pk)
        return user
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now(), user=user)
    groups = list(invitation.groups.all())
    user.groups.add(*groups)
    audit.record(
        AuditEvent.Kind.REGISTERED,
        request=request,
        user=user,
        actor=invitation.invited_by,
        invitation=invitation.pk,
        groups=[group.name for group in groups],
    )
    return user


@transaction.atomic
def invite(*, email: str, groups, invited_by: User, request: HttpRequest) -> Invitation:
    """Invite an address: the worker mails it a link to create an account in these groups."""
    invitation = Invitation.objects.create(email=email, invited_by=invited_by)
    invitation.groups.set(groups)
    audit.record(
        AuditEvent.Kind.INVITED,
        request=request,
        username=email,
        actor=invited_by,
        invitation=invitation.pk,
        groups=[group.name for group in invitation.groups.all()],
    )
    enqueue_on_commit(tasks.send_invitation, invitation_id=invitation.pk)
    return invitation


def resend_invitation(*, invitation: Invitation) -> None:
    enqueue_on_commit(tasks.send_invitation, invitation_id=invitation.pk)


def finish_login(request: HttpRequest, user: User, *, remember: bool) -> None:
    """Log the user in (a new session key) and set how long the session lasts."""
    auth_login(request, user, backend=getattr(user, "backend", None))
    request.session.set_expiry(settings.REMEMBER_ME_SECONDS if remember else 0)
    throttle.clear_login_failures(user, request)


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
def confirm_totp(*, device: TOTPDevice, request: HttpRequest | None) -> list[str]:
    """Two-factor is on: the user's other sessions, logged in with the password alone, end (F9)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    end_sessions(user=device.user, keep=request.session.session_key if request is not None else None)
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
    queue_notice(template="two_factor_disabled", user=user)
