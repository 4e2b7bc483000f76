"""The signed links that mails carry: confirming an address, signing up with one, accepting an invitation.

Each is signed with SECRET_KEY and a salt of its own (a token for one purpose is useless for another) and
expires; none is stored anywhere: the task that sends the mail makes it, and the page that opens it checks it.
A sign-up link carries a random nonce, recorded (UsedSignUpLink) when the link makes an account: it is used
once, for good.
"""

import dataclasses
import hashlib
import secrets

from django.conf import settings
from django.core import signing

from accounts.models import Invitation, UsedSignUpLink, User

CONFIRM_SALT = "accounts.confirm-email"
SIGN_UP_SALT = "accounts.sign-up"
INVITATION_SALT = "accounts.invitation"


class BadToken(Exception):
    """A link that is expired, altered, or no longer fits (an address changed, an invitation accepted)."""


def _load(token: str, *, salt: str, max_age: int) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken("expired") from error
    except signing.BadSignature as error:
        raise BadToken("invalid") from error
    if not isinstance(data, dict):
        raise BadToken("invalid")
    return data


def address_to_confirm(user: User) -> str:
    """The address a confirmation link is for: the new one waiting, else the account's own while unconfirmed (an
    account a manager made); "" when there is nothing to confirm."""
    return user.pending_email or ("" if user.email_verified else user.email)


def confirmation_token(user: User) -> str:
    email = address_to_confirm(user)
    return signing.dumps({"user": user.pk, "email": email.lower()}, salt=CONFIRM_SALT, compress=True)


def confirmation_data(token: str) -> dict:
    return _load(token, salt=CONFIRM_SALT, max_age=settings.EMAIL_CONFIRMATION_SECONDS)


def sign_up_token(email: str) -> str:
    return signing.dumps({"email": email, "nonce": secrets.token_urlsafe(16)}, salt=SIGN_UP_SALT, compress=True)


@dataclasses.dataclass(frozen=True)
class SignUp:
    email: str  # the address the link was sent to
    nonce: str  # what marks the link used once it made an account


def open_sign_up(token: str) -> SignUp:
    """The sign-up a link stands for, while it was never used and no account has its address."""
    data = _load(token, salt=SIGN_UP_SALT, max_age=settings.EMAIL_CONFIRMATION_SECONDS)
    email, nonce = data.get("email"), data.get("nonce")
    if not isinstance(email, str) or not email:
        raise BadToken("invalid")
    if not isinstance(nonce, str) or not nonce:  # mailed before links had one: the link itself stands for it
        nonce = hashlib.sha256(token.encode()).hexdigest()
    if UsedSignUpLink.objects.filter(nonce=nonce[:64]).exists() or User.objects.filter(email__iexact=email).exists():
        raise BadToken("used")
    return SignUp(email=email, nonce=nonce[:64])


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk, "email": invitation.email.lower()}, salt=INVITATION_SALT)


def open_invitation(token: str) -> Invitation:
    """The invitation a link stands for, while it is not accepted yet."""
    data = _load(token, salt=INVITATION_SALT, max_age=settings.INVITATION_SECONDS)
    invitation = Invitation.objects.filter(pk=data.get("invitation"), accepted_at__isnull=True).first()
    if invitation is None or invitation.email.lower() != data.get("email"):
        raise BadToken("used")
    return invitation
