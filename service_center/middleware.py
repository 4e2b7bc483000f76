import contextvars
import logging
import re
import time
import uuid

from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

# The current request's id, for every log line written while it is handled.
request_id_var = contextvars.ContextVar("request_id", default="-")

_TRUSTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("service_center.access")


class RequestIdMiddleware:
    """Gives each request an id (a load balancer's X-Request-ID when it looks sane) and returns it in a header.

    Writes one access line per request: method, path without the query string (searches carry customers'
    names) and without secrets (a view that has one in its path sets `request.path_for_log`), status, duration
    and user id; the request id is added to it, as to every line, by the log filter.
    """

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request.id = incoming if _TRUSTED_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[self.header] = request.id
            access_log.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                getattr(request, "path_for_log", request.path),
                response.status_code,
                (time.perf_counter() - started) * 1000,
                _user_id(request),
            )
        finally:
            request_id_var.reset(token)
        return response


def _user_id(request):
    """The user's id if the view already looked the user up; never a query of its own (/healthz makes none)."""
    user = getattr(request, "user", None)
    user = getattr(user, "_wrapped", user)
    if user is None or user is empty or not user.is_authenticated:
        return "-"
    return user.pk


class PrivatePagesMiddleware:
    """Pages are never stored by browsers or proxies: they show customers' data and account details.

    Static files never reach it (WhiteNoise answers them first, with their own long cache headers).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class AdminStylesMiddleware:
    """Lets the Django admin's own inline styles through the Content-Security-Policy, on /admin/ only.

    Django's admin widgets set style attributes from their scripts; without this the relationship pickers lose
    their layout. Scripts stay strict ('self' only) there as everywhere; our own pages allow no inline styles.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
