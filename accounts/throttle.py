"""Counting failures and refusing for a while: login, two-factor codes, current-password checks, mails, the form behind
a sign-up or invitation link.

The one door for lockout policy: the limits, the keys they count under, counting a failed login, trusted
devices, and the 429 page. Counters live in Django's cache, so app servers that share a cache (Redis) share the
counts. A limit is "at most `limit` in any `window` seconds", counted in two fixed windows (this one and the one
before); past it the key is locked for `cool_off` seconds, then everything starts afresh: a cool-off, never a
permanent lock.

Failed logins count three ways (README, "Throttling"): against the account *from this client address* (a few
tries, then that address waits: whoever guesses from one place locks out only themselves); against the client
address whatever the account (spraying many accounts); and against the account from *untrusted devices* taken
together (guessing spread over many addresses; at most THROTTLE_LOGIN_UNTRUSTED an hour, well under NIST's 100).
A browser in which the account logged in before carries a signed device cookie and is not held up by that last
lock, so an attacker can never keep the owner out of their usual browser (ASVS 6.1.1, OWASP "device cookies").
"""

import dataclasses
import hashlib
import math
import time
from http import HTTPStatus

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import audit
from accounts.models import AuditEvent, LoginLockout, User
from service_center.http import client_ip


def now():
    """The clock the throttles read; tests replace it."""
    return time.time()


@dataclasses.dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window: int
    cool_off: int

    def _id(self, key):
        return hashlib.sha256(str(key).lower().encode()).hexdigest()[:32]

    def _counter(self, key, bucket):
        return f"throttle:{self.scope}:{self._id(key)}:{bucket}"

    def _lock(self, key):
        return f"throttle:{self.scope}:{self._id(key)}:lock"

    def retry_after(self, key):
        """Seconds until `key` may try again; 0 when it is not locked."""
        until = cache.get(self._lock(key))
        if until is None:
            return 0
        return max(0, math.ceil(until - now()))

    def hit(self, key):
        """Count one attempt (or failure). Returns the seconds of lockout it caused, or 0."""
        bucket = int(now() // self.window)
        counter = self._counter(key, bucket)
        cache.add(counter, 0, self.window * 2)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, self.window * 2)
            count = 1
        count += cache.get(self._counter(key, bucket - 1), 0)
        if count < self.limit:
            return 0
        until = now() + self.cool_off
        cache.set(self._lock(key), until, self.cool_off + 5)
        LoginLockout.objects.update_or_create(
            scope=self.scope,
            key=str(key)[:254],
            defaults={"locked_until": timezone.now() + timezone.timedelta(seconds=self.cool_off)},
        )
        return self.cool_off

    def clear(self, key):
        bucket = int(now() // self.window)
        locked = cache.get(self._lock(key)) is not None
        cache.delete_many([self._lock(key), self._counter(key, bucket), self._counter(key, bucket - 1)])
        if locked:  # every successful login clears its account's count: no database write unless it was locked
            LoginLockout.objects.filter(scope=self.scope, key=str(key)[:254]).delete()


LOGIN_ACCOUNT = Throttle("login-account", *settings.THROTTLE_LOGIN_ACCOUNT)
LOGIN_IP = Throttle("login-ip", *settings.THROTTLE_LOGIN_IP)
LOGIN_UNTRUSTED = Throttle("login-untrusted", *settings.THROTTLE_LOGIN_UNTRUSTED)
EMAIL_IP = Throttle("email-ip", *settings.THROTTLE_EMAIL_IP)
EMAIL_USER = Throttle("email-user", *settings.THROTTLE_EMAIL_USER)
EMAIL_ADDRESS = Throttle("email-address", *settings.THROTTLE_EMAIL_ADDRESS)
SIGN_UP_IP = Throttle("sign-up-ip", *settings.THROTTLE_SIGN_UP)
SIGN_UP_LINK = Throttle("sign-up-link", *settings.THROTTLE_SIGN_UP)
THROTTLES = {
    throttle.scope: throttle
    for throttle in (
        LOGIN_ACCOUNT,
        LOGIN_IP,
        LOGIN_UNTRUSTED,
        EMAIL_IP,
        EMAIL_USER,
        EMAIL_ADDRESS,
        SIGN_UP_IP,
        SIGN_UP_LINK,
    )
}


def wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# Keys ----------------------------------------------------------------------------------------------------------
# A login counts against the account ("user:<pk>") when a user answers to the name typed, else against the name
# itself ("name:<digest>": unknown and known names lock alike, and a password typed into the name field by
# mistake is never stored); and against the client's address.


def user_key(user: User) -> str:
    """The key a user's failed logins count under."""
    return f"user:{user.pk}"


def account_key(name: str | None) -> str:
    """The key for a login name: the account when one answers to it (by username or email), else the name.

    So that "ann" and "ann@example.com" count against the same tries.
    """
    name = (name or "").strip()
    user = User.objects.by_login_name(name).only("pk").first()
    return user_key(user) if user else f"name:{name_digest(name)}"


def name_digest(name: str) -> str:
    """A short digest of a login name that no account has: enough to count and compare, nothing to read."""
    return hashlib.sha256(name.lower().encode()).hexdigest()[:12]


def pair_key(key: str, ip: str | None) -> str:
    """An account's tries from one client address."""
    return f"{key}|{ip}" if ip else key


def clear_login_failures(user: User, request: HttpRequest | None = None) -> None:
    """A successful login starts the account's count from this address afresh; a new password (request=None)
    lifts the lock on untrusted devices too."""
    key = user_key(user)
    if request is None:
        LOGIN_UNTRUSTED.clear(key)
        LOGIN_ACCOUNT.clear(key)
    else:
        LOGIN_ACCOUNT.clear(pair_key(key, client_ip(request)))


def describe_key(key: str) -> str:
    """A lockout's key as the admin shows it: the account's username, an unknown name, or the address."""
    key, _sep, ip = key.partition("|")
    kind, _sep, value = key.partition(":")
    if kind == "user" and value.isascii() and value.isdecimal():
        user = User.objects.filter(pk=int(value)).first()
        described = user.username if user else key
    elif kind == "name":
        described = f"unknown name #{value}"
    else:
        described = key
    return f"{described} from {ip}" if ip else described


# Trusted devices -----------------------------------------------------------------------------------------------

DEVICE_SALT = "accounts.trusted-device"
DEVICE_COOKIE = "__Host-device" if settings.PRODUCTION else "device"
DEVICE_MAX_ACCOUNTS = 10


def trusted_keys(request: HttpRequest | None) -> list[str]:
    """The accounts (keys) that logged in before in this browser, from its signed device cookie."""
    if request is None or DEVICE_COOKIE not in request.COOKIES:
        return []
    try:
        keys = signing.loads(request.COOKIES[DEVICE_COOKIE], salt=DEVICE_SALT, max_age=settings.TRUSTED_DEVICE_SECONDS)
    except signing.BadSignature:
        return []
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def trust_device(request: HttpRequest, response: HttpResponse, user: User) -> HttpResponse:
    """After a complete login (password and, when the user has it, the second factor): this browser is one of
    the account's devices from now on."""
    keys = [user_key(user), *(key for key in trusted_keys(request) if key != user_key(user))][:DEVICE_MAX_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(keys, salt=DEVICE_SALT),
        max_age=settings.TRUSTED_DEVICE_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


# Checking and counting -----------------------------------------------------------------------------------------


def login_checks(request: HttpRequest | None, key: str) -> tuple[tuple[Throttle, object], ...]:
    """The limits a login attempt (password, code, or a current-password check) must be within: the account's
    from this address, the address's, and, unless this browser is one of the account's devices, the account's
    from untrusted devices."""
    ip = client_ip(request) if request is not None else None
    checks = [(LOGIN_ACCOUNT, pair_key(key, ip)), (LOGIN_IP, ip)]
    if key not in trusted_keys(request):
        checks.append((LOGIN_UNTRUSTED, key))
    return tuple(checks)


def longest_wait(*checks: tuple[Throttle, object]) -> int:
    """Seconds until every (throttle, key) pair may try again; 0 when all may now. A key of None (no client
    address) is never limited."""
    return max((throttle.retry_after(key) for throttle, key in checks if key), default=0)


def refuse_if_throttled(
    request: HttpRequest, *checks: tuple[Throttle, object], count: bool = False
) -> HttpResponse | None:
    """The 429 page while any (throttle, key) is locked, else None, having counted this attempt against each
    key when `count` is set (mails: every request counts; logins count only their failures)."""
    wait = longest_wait(*checks)
    if wait:
        return too_many_requests(request, wait)
    if count:
        for throttle, key in checks:
            if key:
                throttle.hit(key)
    return None


def sign_up_checks(request: HttpRequest, token: str) -> tuple[tuple[Throttle, object], ...]:
    """The limits on sending the form behind a sign-up or invitation link, where a taken username is a field
    error: per client address, and per link (keyed by a digest: a lockout row never holds a working link)."""
    return ((SIGN_UP_IP, client_ip(request)), (SIGN_UP_LINK, f"link:{name_digest(token)}"))


def count_failure(request: HttpRequest, key: str) -> None:
    """Count a failed login (password, code, or current password) under each of its login checks."""
    locked = max(throttle.hit(counted) if counted else 0 for throttle, counted in login_checks(request, key))
    if locked:
        audit.record(AuditEvent.Kind.LOCKOUT, request=request, username=key, seconds=locked)


class Throttled(Exception):
    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def check_password(request: HttpRequest | None, user: User, password: str) -> bool:
    """A current-password check (password change, email change, two-factor off, new recovery codes), throttled
    like a login: refused while the account is locked here (raises Throttled), a wrong one counted."""
    key = user_key(user)
    wait = longest_wait(*login_checks(request, key))
    if wait:
        raise Throttled(wait)
    if user.check_password(password):
        return True
    count_failure(request, key)
    return False


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(request, "429.html", {"message": wait_message(seconds)}, status=HTTPStatus.TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response
