"""Sessions in the cache (Redis), failing loudly when the cache is unreachable.

Django's cache session store treats any error while reading as "no session": with Redis down every user would
be logged out and their session cookie deleted, and stay logged out after Redis is back. This store lets a
connection error through instead, so the page answers 503 with Retry-After (service_center/views.py) and the
cookie is kept: the user is still logged in once Redis answers again.
"""

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class SessionStore(CacheSessionStore):
    def load(self):
        try:
            session_data = self._cache.get(self.cache_key)
        except (RedisConnectionError, RedisTimeoutError):
            raise  # a 503, and the session cookie stays
        except Exception:
            # As Django's store: some cache backends raise on an invalid key; that is no session.
            session_data = None
        if session_data is not None:
            return session_data
        self._session_key = None
        return {}
