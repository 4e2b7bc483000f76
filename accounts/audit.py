"""Writing the audit trail: a row for the admin and a line for the log, for every security-relevant event."""

import logging

from accounts.models import AuditEvent
from service_center.http import client_ip

logger = logging.getLogger("service_center.audit")


def record(kind, *, request=None, user=None, username="", actor=None, **detail):
    """Record one event. `detail` is for plain facts (a device name, a group); never secrets or customers' data.

    The row may name an email address (an invitation's: managers look up whom they invited); the log line never
    does, as log lines travel further and live longer than the admin's rows: it says `[address]`, and `detail`
    (an invitation's id, say) tells which row it is."""
    if user is not None and not username:
        username = user.get_username()
    ip = client_ip(request) if request is not None else None
    AuditEvent.objects.create(kind=kind, user=user, username=username[:254], actor=actor, ip=ip, detail=detail)
    logger.info(
        "%s user=%s actor=%s ip=%s %s",
        kind,
        "[address]" if "@" in username else username or "-",
        actor.get_username() if actor else "-",
        ip or "-",
        " ".join(f"{key}={value}" for key, value in sorted(detail.items())),
    )
