"""Checks of the security checklist (../shared/security-checklist.md) that no other test file holds, each named
by its number."""

from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.models import ServiceEvent, ServiceItem
from core.tests.factories import take_in_data

pytestmark = pytest.mark.django_db


def test_7_a_reset_token_dies_when_the_address_or_the_password_changes():
    user = UserFactory(email="rita@example.com", email_verified=True)
    token = default_token_generator.make_token(user)
    user.email = "rita.new@example.com"
    user.save()
    assert not default_token_generator.check_token(user, token)
    token = default_token_generator.make_token(user)
    user.set_password("another long passphrase here")
    user.save()
    assert not default_token_generator.check_token(user, token)


def test_10_the_migrations_make_no_account():
    assert not User.objects.exists()


def test_13_a_cookie_replayed_after_logout_is_anonymous(user, password):
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": password})
    old = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = old
    response = replay.get("/accounts/profile/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith("/accounts/login/")


def test_20_the_profile_form_cannot_grant_rights(user_client, user):
    user_client.post(
        "/accounts/profile/",
        {"first_name": "Mara", "last_name": "Reef", "is_staff": "on", "is_superuser": "on", "groups": [1, 2, 3],
         "user_permissions": [1, 2], "email_verified": "on", "username": "root"},
    )  # fmt: skip
    user.refresh_from_db()
    assert (user.first_name, user.is_staff, user.is_superuser, user.username) == ("Mara", False, False, user.username)
    assert not user.groups.exists() and not user.user_permissions.exists()


@pytest.mark.parametrize(
    "target",
    [  # the seven of Django's own tests of url_has_allowed_host_and_scheme, and back-slash variants
        "http://example.com", "http:///example.com", "https://example.com", "ftp://example.com", "///example.com",
        "//example.com", 'javascript:alert("XSS")', "\\\\example.com", "/\\\\example.com", "\\/example.com",
        " //example.com", "http:\\\\example.com",
    ],
)  # fmt: skip
def test_22_login_never_follows_next_off_the_site(client, user, password, target):
    response = client.post("/accounts/login/", {"username": user.username, "password": password, "next": target})
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == "/"


def test_23_an_over_long_password_at_login_is_refused_before_any_hashing(client, user):
    with mock.patch("accounts.backends.UsernameOrEmailBackend.authenticate") as authenticate:
        response = client.post("/accounts/login/", {"username": user.username, "password": "x" * 5000})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "at most 4096 characters" in response.text
    authenticate.assert_not_called()


def test_36_an_error_in_the_middle_of_a_take_in_leaves_nothing_behind(desk_client):
    client = Client(raise_request_exception=False)
    client.cookies = desk_client.cookies
    with mock.patch.object(ServiceEvent.objects, "create", side_effect=RuntimeError("disk full")):
        response = client.post("/items/new/", take_in_data())
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert not ServiceItem.objects.exists()


def test_36_an_error_in_the_middle_of_creating_an_account_leaves_nothing_behind(client, mailoutbox):
    from accounts import tokens

    link = f"/accounts/register/{tokens.sign_up_token('mara@example.com')}/"
    failing = Client(raise_request_exception=False)
    data = {"username": "mara", "password1": "salt marsh heron at the tide gauge",
            "password2": "salt marsh heron at the tide gauge"}  # fmt: skip
    with mock.patch("accounts.services.audit.record", side_effect=RuntimeError("disk full")):
        assert failing.post(link, data).status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert not User.objects.exists()
    assert mailoutbox == []
