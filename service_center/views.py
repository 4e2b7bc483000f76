"""Views the whole site shares: error pages, health and readiness checks, the favicon, and a form mixin."""

import sys
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from service_center import tasks

DATABASE_RETRY_SECONDS = 30
# The database or the cache (Redis: sessions, throttles) cannot be reached: the site is down for a moment.
OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def server_error(request):
    """The 500 page; when the cause is an unreachable database or cache, a 503 that says to try again shortly."""
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGES):
        response = render(request, "503.html", status=HTTPStatus.SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return response
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A form refused because its security token was missing or stale: say what to do about it."""
    return render(request, "403_csrf.html", status=HTTPStatus.FORBIDDEN)


def healthz(request):
    """The process is up. Touches neither the database nor the cache."""
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's). Resolved per request: the hashed
    name exists only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def readyz(request):
    """The site can do its work: the database and the cache answer and the task worker keeps up.

    503 with the reasons otherwise. Load balancers check /healthz (this process is up); monitoring checks this.
    """
    problems = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        problems["database"] = error.__class__.__name__
    try:
        cache.set("readyz", "ok", 5)
        if cache.get("readyz") != "ok":
            problems["cache"] = "value not stored"
    except Exception as error:  # every cache backend raises its own errors
        problems["cache"] = error.__class__.__name__
    if "database" not in problems:
        try:
            waited = tasks.oldest_waiting_seconds()
        except Exception as error:  # the queue's own store (the database or Redis) did not answer
            problems["tasks"] = error.__class__.__name__
        else:
            if waited is not None and waited > settings.TASK_STALL_SECONDS:
                problems["tasks"] = f"no worker took a task waiting for {waited:.0f} s"
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=HTTPStatus.SERVICE_UNAVAILABLE)
    return JsonResponse({"status": "ok"})


class InvalidFormStatusMixin:
    """A form sent back with errors answers 400, so that bad input is never reported as a success."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = HTTPStatus.BAD_REQUEST
        return response

    def form_stale(self, form, stale):
        """409: someone saved the record after this form was opened. The form comes back with the user's input,
        `stale` (what differs) and the saved version, so that saving again is a deliberate choice."""
        form.data = form.data.copy()
        form.data["version"] = stale.current.version
        response = self.render_to_response(self.get_context_data(form=form, stale=stale))
        response.status_code = HTTPStatus.CONFLICT
        return response
