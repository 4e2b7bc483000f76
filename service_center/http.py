"""Request helpers every app uses."""

import functools
import ipaddress
import re

from django.conf import settings
from django.urls import Resolver404, URLResolver, get_resolver, get_urlconf, resolve

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
    """The path with each secret part replaced by [redacted]: `/accounts/password/reset/[redacted]/[redacted]/`.

    A path that opens a route has the route's secret arguments (those named in SECRET_URL_KWARGS) redacted. A path
    that opens nothing (a link missing its last slash, answered with a redirect, or with something after the token,
    a 404) is redacted by where it starts: every segment after the fixed beginning of a secret route (`/status/`,
    `/accounts/password/reset/`, ...) is written [redacted]. `match` is the request's resolver match when known.
    """
    if match is None:
        try:
            match = resolve(path.split("?", 1)[0])
        except Resolver404:
            return _redact_after_secret_prefix(path)
    secrets = {str(value) for key, value in match.kwargs.items() if key in SECRET_URL_KWARGS}
    if not secrets:
        return path
    return "/".join(REDACTED if segment in secrets else segment for segment in path.split("/"))


def _redact_after_secret_prefix(path):
    found = secret_prefixes().match(path)
    if found is None:
        return path
    head, rest = path[: found.end()], path[found.end() :]
    return head + "/".join(REDACTED if segment else segment for segment in rest.split("/"))


def secret_prefixes() -> re.Pattern:
    """What the paths of secret routes begin with, as one pattern: for each route of the URLconf with a secret
    argument (SECRET_URL_KWARGS), its path up to that argument (`/status/`, `/accounts/password/reset/`). A new
    route is covered by naming its secret argument `token`, `uidb64` or `signed`."""
    return _secret_prefixes(get_urlconf() or settings.ROOT_URLCONF)


@functools.cache
def _secret_prefixes(urlconf) -> re.Pattern:
    secret_group = re.compile(r"\(\?P<(%s)>" % "|".join(sorted(SECRET_URL_KWARGS)))  # noqa: UP031
    prefixes = set()

    def walk(patterns, before):
        for entry in patterns:
            regex = before + entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, regex)
            elif (secret := secret_group.search(regex)) and secret.start() > 0:
                prefixes.add(regex[: secret.start()])

    walk(get_resolver(urlconf).url_patterns, "")
    if not prefixes:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("^/(?:%s)" % "|".join(sorted(prefixes)), re.IGNORECASE)  # noqa: UP031


_PATH = re.compile(r"/[^\s?\"']*")


def redact_paths(text):
    """Every path in a line of text (a request line, "Bad Request: /path") made loggable."""
    return _PATH.sub(lambda found: loggable_path(found.group(0)), text)
