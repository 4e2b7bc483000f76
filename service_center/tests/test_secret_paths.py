"""Mailed links' tokens never reach a log line, also when the path is not exactly a route: a link missing its last
slash (a 301 to the slashed address) or with something after the token (a 404), as mail clients and people make
them. The access line, Django's request warnings and the development server's request line are checked as the
site's console handler writes them."""

import io
import logging
from http import HTTPStatus

import pytest
from django.urls import include, path

from service_center.http import loggable_path, redact_paths

TOKEN = "Xk3vQ9zr7LmN2pW5tY8bC4dF6gH1jK0sA-_eR"  # stands for any secret: nothing here checks it
SECRET_LINKS = [
    f"/accounts/password/reset/Nw/{TOKEN}",
    f"/accounts/invitation/{TOKEN}",
    f"/accounts/register/{TOKEN}",
    f"/accounts/email/confirm/{TOKEN}",
    f"/status/{TOKEN}",
    f"/status/{TOKEN}/estimate",
    f"/gear/{TOKEN}",
    f"/messages/unsubscribe/{TOKEN}",
]


@pytest.fixture
def console_log(caplog):
    """What the site's console handler (its filters and formatter) writes while the test runs."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream, console.stream = console.stream, io.StringIO()
    try:
        with caplog.at_level(logging.INFO):
            yield console.stream
    finally:
        console.stream = stream


@pytest.mark.django_db
@pytest.mark.parametrize("link", SECRET_LINKS)
@pytest.mark.parametrize(
    ("shape", "status"),
    [("{}", HTTPStatus.MOVED_PERMANENTLY), ("{}/", None), ("{}/x", HTTPStatus.NOT_FOUND), ("{}/.", None)],
)
def test_a_token_in_a_path_that_is_not_exactly_a_route_is_not_logged(client, console_log, link, shape, status):
    path = shape.format(link)
    response = client.get(path)
    if status is not None:
        assert response.status_code == status
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", response.status_code, 10)
    written = console_log.getvalue()
    assert written.count("[redacted]") >= 2  # the access line and the development server's line
    assert TOKEN not in written
    if status == HTTPStatus.NOT_FOUND:
        assert "Not Found: /" in written


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/accounts/password/reset/Nw/{TOKEN}", "/accounts/password/reset/[redacted]/[redacted]"),
        (f"/status/{TOKEN}/estimate/x", "/status/[redacted]/[redacted]/[redacted]"),
        (f"/STATUS/{TOKEN}", "/STATUS/[redacted]"),
        (f"/messages/unsubscribe/{TOKEN}:1x", "/messages/unsubscribe/[redacted]"),
        # Paths that open a page without a secret are written as they are.
        ("/accounts/password/reset/sent/", "/accounts/password/reset/sent/"),
        ("/accounts/register/", "/accounts/register/"),
        ("/messages/templates/ready/", "/messages/templates/ready/"),
        ("/items/SC-000123/x", "/items/SC-000123/x"),
    ],
)
def test_secret_routes_are_redacted_by_where_they_begin(path, logged):
    assert loggable_path(path) == logged
    assert redact_paths(f"Not Found: {path}") == f"Not Found: {logged}"


def test_the_beginnings_come_from_the_urlconf():
    from service_center.http import secret_prefixes

    for begins in ("accounts/password/reset/", "accounts/register/", "accounts/invitation/", "gear/", "status/"):
        assert secret_prefixes().match(f"/{begins}anything"), begins
    assert not secret_prefixes().match("/items/")


def voucher(request, token):  # pragma: no cover (never called: only its route matters)
    raise AssertionError


urlpatterns = [
    path("shop/vouchers/<str:token>/", voucher, name="voucher"),
    path("", include("service_center.urls")),
]


def test_a_new_route_with_a_token_argument_is_covered_without_further_work(settings):
    settings.ROOT_URLCONF = __name__  # the site's routes and one new secret route
    assert loggable_path(f"/shop/vouchers/{TOKEN}") == "/shop/vouchers/[redacted]"
    assert loggable_path(f"/shop/vouchers/{TOKEN}/") == "/shop/vouchers/[redacted]/"
    assert loggable_path(f"/status/{TOKEN}/x") == "/status/[redacted]/[redacted]"
