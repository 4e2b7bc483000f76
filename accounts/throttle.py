"""Counting failures and refusing for a while: login, two-factor codes, reset and confirmation mails.

Counters live in Django's cache, so app servers that share a cache (Redis) share the counts. A limit is
"at most `limit` in any `window` seconds", counted in two fixed windows (this one and the one before); past it the
key is locked for `cool_off` seconds, then everything starts afresh: a cool-off, never a permanent lock.
"""

import dataclasses
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext


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
        from accounts.models import LoginLockout

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
            from accounts.models import LoginLockout

            LoginLockout.objects.filter(scope=self.scope, key=str(key)[:254]).delete()


LOGIN_ACCOUNT = Throttle("login-account", *settings.THROTTLE_LOGIN_ACCOUNT)
LOGIN_IP = Throttle("login-ip", *settings.THROTTLE_LOGIN_IP)
EMAIL_IP = Throttle("email-ip", *settings.THROTTLE_EMAIL_IP)
EMAIL_USER = Throttle("email-user", *settings.THROTTLE_EMAIL_USER)
THROTTLES = {throttle.scope: throttle for throttle in (LOGIN_ACCOUNT, LOGIN_IP, EMAIL_IP, EMAIL_USER)}


def wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
