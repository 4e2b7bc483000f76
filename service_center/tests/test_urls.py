"""The site-wide URLs: health, readiness, the favicon, and the admin's login going through the site's own."""

import pytest
from django.urls import resolve, reverse

from service_center import views
from service_center.tests.helpers import assert_url_round_trip

URLS = [
    ("healthz", "/healthz", views.healthz),
    ("readyz", "/readyz", views.readyz),
    ("favicon", "/favicon.ico", views.favicon),
]


@pytest.mark.parametrize(("name", "path", "view"), URLS, ids=[name for name, _, _ in URLS])
def test_url_reverses_and_resolves(name, path, view):
    assert assert_url_round_trip(name, path).func is view


def test_the_admin_index_and_login_are_where_the_admin_expects_them():
    assert reverse("admin:index") == "/admin/"
    assert reverse("admin:login") == "/admin/login/"
    assert resolve("/admin/login/").func.view_initkwargs["pattern_name"] == "accounts:login"
