import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import UserSession
from service_center.roles import is_staff_member

# Paths that must work whatever the session's state: health checks and the way out.
EXEMPT = ("/healthz", "/readyz", "/static/")
TOUCH_EVERY = 60  # seconds between "last seen" writes


def needs_two_factor(user):
    return settings.REQUIRE_2FA_FOR_STAFF and is_staff_member(user)


class SessionSecurityMiddleware:
    """Session rules Django does not have: idle and absolute limits for staff, "last seen" for the session
    list, and two-factor authentication for staff when REQUIRE_2FA_FOR_STAFF is on (the default).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(EXEMPT) or not request.user.is_authenticated:
            return self.get_response(request)
        session, user, now = request.session, request.user, time.time()
        last_seen = session.get("last_seen", now)
        auth_at = session.setdefault("auth_at", now)
        if is_staff_member(user) and (
            now - last_seen > settings.STAFF_IDLE_SECONDS or now - auth_at > settings.STAFF_SESSION_MAX_SECONDS
        ):
            idle = now - last_seen > settings.STAFF_IDLE_SECONDS
            logout(request)
            if idle:
                minutes = settings.STAFF_IDLE_SECONDS // 60
                messages.info(
                    request,
                    _("You were logged out after %(minutes)d minutes without activity.") % {"minutes": minutes},
                )
            else:
                messages.info(request, _("Your session has ended. Please log in again."))
            return redirect_to_login(request.get_full_path())
        if now - session.get("last_seen", 0) > TOUCH_EVERY:
            session["last_seen"] = now
            UserSession.objects.filter(session_key=session.session_key).update(last_seen=timezone.now())
        if needs_two_factor(user) and not user.is_verified() and not self._setting_up(request):
            messages.warning(request, _("Staff must turn on two-factor authentication before going on."))
            return redirect("accounts:two-factor")
        return self.get_response(request)

    @staticmethod
    def _setting_up(request):
        allowed = [reverse(name) for name in ("accounts:two-factor", "accounts:two-factor-start",
                                              "accounts:two-factor-confirm", "accounts:logout")]  # fmt: skip
        return request.path in allowed
