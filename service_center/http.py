"""Request helpers every app uses."""

import ipaddress
import re

from django.conf import settings
from django.urls import Resolver404, resolve

# URL parts that open an account for whoever has them (a mailed link's token): never written to a log.
SECRET_URL_KWARGS = {"token", "uidb64", "signed"}
REDACTED = "[redacted]"


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


def loggable_path(path, match=None):
    """The path with each secret part (a URL argument named in SECRET_URL_KWARGS) replaced by [redacted]:
    `/accounts/password/reset/[redacted]/[redacted]/`. `match` is the request's resolver match when known."""
    if match is None:
        try:
            match = resolve(path.split("?", 1)[0])
        except Resolver404:
            return path
    secrets = {str(value) for key, value in match.kwargs.items() if key in SECRET_URL_KWARGS}
    if not secrets:
        return path
    return "/".join(REDACTED if segment in secrets else segment for segment in path.split("/"))


_PATH = re.compile(r"/[^\s?\"']*")


def redact_paths(text):
    """Every path in a line of text (a request line, "Bad Request: /path") made loggable."""
    return _PATH.sub(lambda found: loggable_path(found.group(0)), text)
