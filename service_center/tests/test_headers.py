"""Security headers on every response, error pages included, and the deploy check in production mode."""

import os
import subprocess
import sys
from http import HTTPStatus
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def assert_security_headers(response):
    policy = response["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "unsafe" not in directives["script-src"]
    assert "unsafe" not in directives["default-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_headers_on_a_page(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_headers_on_404(client):
    response = client.get("/nowhere/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert_security_headers(response)


def test_headers_on_500(error_page_client):
    with mock.patch("core.views.IndexView.get", side_effect=RuntimeError("boom")):
        response = error_page_client.get("/")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert_security_headers(response)


def test_account_and_logbook_pages_are_not_stored(user_client):
    for url in ("/accounts/profile/", "/accounts/password/change/", "/"):
        assert "no-store" in user_client.get(url)["Cache-Control"]


def test_cookies_are_http_only_and_lax(client, user, password):
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def test_admin_pages_load_under_the_policy(superuser_client):
    for url in ("/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/core/serviceitem/"):
        response = superuser_client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert_security_headers(response)
        # Nothing the policy would block: no inline script bodies, no inline event handlers.
        assert "onclick=" not in response.text
        assert "<script>" not in response.text


def test_only_the_admin_may_use_inline_styles(superuser_client):
    admin_policy = superuser_client.get("/admin/")["Content-Security-Policy"]
    site_policy = superuser_client.get("/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in admin_policy
    assert "style-src 'self';" in site_policy + ";"
    assert "unsafe-inline" not in site_policy
    for policy in (admin_policy, site_policy):
        assert "script-src 'self';" in policy + ";"


def test_production_settings_pass_the_deploy_check():
    env = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_READ_DOT_ENV_FILE": "off",
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": "production-check-" + "Zq9" * 20,
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    assert client.get("/").status_code == HTTPStatus.MOVED_PERMANENTLY
    secure = client.get("/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
