"""Request helpers every app uses."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the one our own proxies put in X-Forwarded-For.

    Always a valid IP address or None: it is stored (audit trail, sessions) and counted (throttles), and a
    forwarded value is only as good as the proxy that wrote it.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies and (address := _valid(hops[-proxies])):
            return address
    return _valid(request.META.get("REMOTE_ADDR") or "")


def _valid(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
