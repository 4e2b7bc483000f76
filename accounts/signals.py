from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts import audit, throttle
from accounts.models import AuditEvent, User, UserSession
from service_center.http import client_ip


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    audit.record(AuditEvent.Kind.LOGIN, request=request, user=user)
    session = getattr(request, "session", None)
    if session is None:
        return
    session["auth_at"] = timezone.now().timestamp()
    if session.session_key is None:
        session.save()
    # login() has just given the session a new key, so this is always a new row.
    UserSession.objects.create(
        session_key=session.session_key,
        user=user,
        user_agent="".join(char for char in request.headers.get("User-Agent", "") if char.isprintable())[:300],
        ip=client_ip(request),
        last_seen=timezone.now(),
    )


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    audit.record(AuditEvent.Kind.LOGOUT, request=request, user=user)
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    """The account that was tried, when one answers to the name typed; else only a digest of the name. People
    type their password into the name field now and then: what they typed is never kept."""
    name = str(credentials.get("username", ""))
    user = User.objects.by_login_name(name).first()
    if user is not None:
        audit.record(AuditEvent.Kind.LOGIN_FAILED, request=request, user=user)
    else:
        audit.record(AuditEvent.Kind.LOGIN_FAILED, request=request, unknown_name=throttle.name_digest(name))
