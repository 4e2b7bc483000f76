"""Every account mail, sent by the task worker, never inside a request.

A task takes ids and plain values only, never a token or a link: whoever reads the task queue (a database
table, or Redis) must not find anything that opens an account there. The task builds the token when it sends.
A mail server that fails (refused, timed out after EMAIL_TIMEOUT) is tried again later with a growing wait
(service_center.tasks.retry_later); every outcome is a log line without the address, and the task's result
(sent, skipped, retrying, or failed with the reason) shows in the admin under "Task results".
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from accounts import tokens
from accounts.models import Invitation, User
from service_center.roles import MANAGERS
from service_center.tasks import retry_later

logger = logging.getLogger("accounts.mail")

# Errors of the mail server or the network on the way to it, worth another attempt later.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


class MailNotSent(Exception):
    """The last attempt failed too. The message names the mail and the error's kind, never the address."""


def _deliver(task, attempt: int, *, template: str, to: list[str], context: dict, about: str, retry: dict) -> str:
    """Render accounts/email/<template>_subject.txt and _body.txt and send them to `to`; on a mail server
    error queue the next attempt of `task` (with the arguments `retry`) after a back-off. `about` names the
    account or invitation in the log lines (an id, never an address)."""
    context = {"shop_name": settings.SHOP_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    try:
        send_mail(subject, body, None, to)
    except MAIL_ERRORS as error:
        reason = error.__class__.__name__
        if attempt < settings.TASK_MAX_ATTEMPTS:  # logged first: the tests' immediate queue retries at once
            logger.warning(
                "The %s mail (%s) was not sent (attempt %d: %s); trying again later", template, about, attempt, reason
            )
            retry_later(task, attempt, **retry)
            return "retrying"
        logger.error("The %s mail (%s) was not sent: gave up after %d attempts (%s)", template, about, attempt, reason)
        raise MailNotSent(f"{template} mail ({about}): {reason} after {attempt} attempts") from None
    logger.info("Sent the %s mail (%s, attempt %d)", template, about, attempt)
    return "sent"


def site_url(path: str) -> str:
    """An absolute link on the configured site address; never built from a request's Host header."""
    return settings.SITE_URL.rstrip("/") + path


# The tasks -----------------------------------------------------------------------------------------------------


@task()
def send_password_reset(*, email: str, attempt: int = 1) -> str:
    """The reset link, to the account with this confirmed address (active, with a usable password), if any.

    The request queues this for every address typed, ours or not, so that the answer takes the same time
    whichever it is; this task alone looks the address up.
    """
    user = User.objects.filter(email__iexact=email, is_active=True, email_verified=True).first()
    if user is None or not user.has_usable_password():
        logger.info("No reset mail: no account with a confirmed address answers to it")
        return "skipped"
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return _deliver(
        send_password_reset,
        attempt,
        template="password_reset",
        to=[user.email],
        about=f"user {user.pk}",
        context={"user": user, "link": site_url(path)},
        retry={"email": email},
    )


@task()
def send_sign_up_link(*, email: str, attempt: int = 1) -> str:
    """To an address typed at registration: the link that creates an account with it, or, when an account has
    it already, a note to its owner saying so (the registration page answers the same either way)."""
    owner = User.objects.filter(email__iexact=email).first()
    if owner is not None:
        return _deliver(
            send_sign_up_link,
            attempt,
            template="already_registered",
            to=[owner.email],
            about=f"user {owner.pk}",
            context={
                "user": owner,
                "login": site_url(reverse("accounts:login")),
                "reset": site_url(reverse("accounts:password-reset")),
            },
            retry={"email": email},
        )
    path = reverse("accounts:sign-up", kwargs={"token": tokens.sign_up_token(email)})
    days = settings.EMAIL_CONFIRMATION_SECONDS // 86400
    return _deliver(
        send_sign_up_link,
        attempt,
        template="sign_up",
        to=[email],
        about="a new address",
        context={"link": site_url(path), "days": days},
        retry={"email": email},
    )


@task()
def send_invitation(*, invitation_id: int, attempt: int = 1) -> str:
    """The invitation's link, signed now, to the invited address (unless it was accepted meanwhile)."""
    invitation = Invitation.objects.select_related("invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at:
        return "skipped"
    path = reverse("accounts:invitation", kwargs={"token": tokens.invitation_token(invitation)})
    days = settings.INVITATION_SECONDS // 86400
    return _deliver(
        send_invitation,
        attempt,
        template="invitation",
        to=[invitation.email],
        about=f"invitation {invitation.pk}",
        context={"invitation": invitation, "link": site_url(path), "days": days},
        retry={"invitation_id": invitation_id},
    )


@task()
def send_email_confirmation(*, user_id: int, attempt: int = 1) -> str:
    """The link that confirms the new address waiting (or the account's own, unconfirmed), signed now, to it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    address = tokens.address_to_confirm(user) if user is not None else ""
    if not address:
        return "skipped"
    path = reverse("accounts:email-confirm", kwargs={"token": tokens.confirmation_token(user)})
    days = settings.EMAIL_CONFIRMATION_SECONDS // 86400
    return _deliver(
        send_email_confirmation,
        attempt,
        template="confirm_email",
        to=[address],
        about=f"user {user.pk}",
        context={"user": user, "address": address, "link": site_url(path), "days": days},
        retry={"user_id": user_id},
    )


@task()
def send_notice(*, template: str, user_id: int, to: str = "", attempt: int = 1, **values: str) -> str:
    """A notice about a change to an account (password changed, two-factor off, email changed), to its address
    or to `to` (the old address, after a change). `values` are plain words for the template, never secrets."""
    if template not in NOTICES:
        raise ValueError(f"Unknown notice {template!r}")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "skipped"
    return _deliver(
        send_notice,
        attempt,
        template=template,
        to=[to or user.email],
        about=f"user {user.pk}",
        context={"user": user, **values},
        retry={"template": template, "user_id": user_id, "to": to, **values},
    )


NOTICES = {"password_changed", "two_factor_disabled", "email_changed", "password_retired"}


@task()
def tell_managers_of_registration(*, user_id: int, attempt: int = 1) -> str:
    """Tells the Managers group that someone registered, so that they can give access or deactivate it."""
    user = User.objects.filter(pk=user_id).first()
    managers = list(
        User.objects.filter(groups__name=MANAGERS, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if user is None or not managers:
        return "skipped"
    link = site_url(reverse("admin:accounts_user_change", args=[user.pk]))
    return _deliver(
        tell_managers_of_registration,
        attempt,
        template="new_registration",
        to=managers,
        about=f"user {user.pk}",
        context={"new_user": user, "link": link},
        retry={"user_id": user_id},
    )
