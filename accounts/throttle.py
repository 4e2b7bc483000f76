"""Counting failures and refusing for a while: login, two-factor codes, reset and confirmation mails.

The one door for lockout policy: the limits, the keys they count under, counting a failed login, and the
429 page. Counters live in Django's cache, so app servers that share a cache (Redis) share the counts. A limit
is "at most `limit` in any `window` seconds", counted in two fixed windows (this one and the one before); past
it the key is locked for `cool_off` seconds, then everything starts afresh: a cool-off, never a permanent lock.
"""

import dataclasses
import hashlib
import math
import time
from http import HTTPStatus

from django.conf import settings
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
EMAIL_IP = Throttle("email-ip", *settings.THROTTLE_EMAIL_IP)
EMAIL_USER = Throttle("email-user", *settings.THROTTLE_EMAIL_USER)
EMAIL_ADDRESS = Throttle("email-address", *settings.THROTTLE_EMAIL_ADDRESS)
THROTTLES = {throttle.scope: throttle for throttle in (LOGIN_ACCOUNT, LOGIN_IP, EMAIL_IP, EMAIL_USER, EMAIL_ADDRESS)}


def wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# Keys ----------------------------------------------------------------------------------------------------------
# A login counts against the account ("user:<pk>") when a user answers to the name typed, else against the name
# itself ("name:<name>"), so that unknown and known names lock alike; and against the client's address.


def user_key(user: User) -> str:
    """The key a user's failed logins count under."""
    return f"user:{user.pk}"


def account_key(name: str | None) -> str:
    """The key for a login name: the account when one answers to it (by username or email), else the name.

    So that "ann" and "ann@example.com" count against the same five attempts.
    """
    name = (name or "").strip()
    user = User.objects.by_login_name(name).only("pk").first()
    return user_key(user) if user else f"name:{name.lower()}"


def clear_login_failures(user: User) -> None:
    """A successful login, or a new password, starts the account's count afresh."""
    LOGIN_ACCOUNT.clear(user_key(user))


def describe_key(key: str) -> str:
    """A lockout's key as the admin shows it: the account's username, the name typed, or the address."""
    kind, _sep, value = key.partition(":")
    if kind == "user" and value.isdigit():
        user = User.objects.filter(pk=int(value)).first()
        return user.username if user else key
    return value if kind == "name" else key


# Checking and counting -----------------------------------------------------------------------------------------


def login_checks(request: HttpRequest | None, key: str) -> tuple[tuple[Throttle, object], ...]:
    """The two limits a login attempt (password or code) must be within: its account's and its address's."""
    return (LOGIN_ACCOUNT, key), (LOGIN_IP, client_ip(request) if request is not None else None)


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


def count_failure(request: HttpRequest, key: str) -> None:
    """Count a failed login (password or code) against the account and the client's address."""
    locked = max(throttle.hit(counted) if counted else 0 for throttle, counted in login_checks(request, key))
    if locked:
        audit.record(AuditEvent.Kind.LOCKOUT, request=request, username=key, seconds=locked)


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(request, "429.html", {"message": wait_message(seconds)}, status=HTTPStatus.TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response
