import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

LOGIN_URL = "/accounts/login/"
REGISTER_URL = "/accounts/register/"
LOGOUT_URL = "/accounts/logout/"
INVALID_LOGIN = "Please enter a correct username or email and password."


def without_csrf_token(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# Login


def test_login_with_username(client, user, password):
    response = client.post(LOGIN_URL, {"username": user.username, "password": password})
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("core:index")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_email_in_any_case(client, password):
    user = UserFactory(email="Ann.Lee@example.com", email_verified=True)
    response = client.post(LOGIN_URL, {"username": "ANN.LEE@EXAMPLE.COM", "password": password})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_unconfirmed_address_logs_nobody_in(client, password):
    """Review, Info: an address typed into a profile (someone else's, perhaps) is no login name until confirmed."""
    UserFactory(username="ann", email="victim@example.com", email_verified=False)
    response = client.post(LOGIN_URL, {"username": "victim@example.com", "password": password})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "_auth_user_id" not in client.session


def test_login_with_username_in_other_case(client, password):
    UserFactory(username="Ann")
    response = client.post(LOGIN_URL, {"username": "aNN", "password": password})
    assert response.status_code == HTTPStatus.FOUND


def test_unknown_user_wrong_password_and_inactive_user_get_the_same_answer(client, password):
    UserFactory(username="active")
    UserFactory(username="gone", is_active=False)
    answers = [
        client.post(LOGIN_URL, {"username": "nobody", "password": password}),
        client.post(LOGIN_URL, {"username": "active", "password": "wrong-password-here"}),
        client.post(LOGIN_URL, {"username": "gone", "password": password}),
    ]
    for answer in answers:
        assert answer.status_code == HTTPStatus.BAD_REQUEST
        assert INVALID_LOGIN in answer.text
        assert "_auth_user_id" not in client.session
    names = ["nobody", "active", "gone"]
    pages = [
        without_csrf_token(answer.text).replace(f'value="{name}"', 'value="NAME"')
        for answer, name in zip(answers, names, strict=True)
    ]
    assert pages[0] == pages[1] == pages[2]


@pytest.mark.parametrize("data", [{}, {"username": "", "password": ""}, {"username": "x" * 300, "password": "p"}])
def test_login_with_empty_or_over_long_input_is_a_form_error(client, data):
    response = client.post(LOGIN_URL, data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "_auth_user_id" not in client.session
    assert 'aria-invalid="true"' in response.text


def test_login_without_remember_me_ends_with_the_browser(client, user, password):
    response = client.post(LOGIN_URL, {"username": user.username, "password": password})
    assert client.session.get_expire_at_browser_close()
    cookie = response.cookies["sessionid"]
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_login_with_remember_me_lasts_two_weeks(client, user, password):
    response = client.post(LOGIN_URL, {"username": user.username, "password": password, "remember_me": "on"})
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 14 * 24 * 60 * 60
    assert response.cookies["sessionid"]["max-age"] == 14 * 24 * 60 * 60


def test_login_follows_a_next_url_on_this_site(client, user, password):
    response = client.post(f"{LOGIN_URL}?next=/accounts/profile/", {"username": user.username, "password": password})
    assert response.url == "/accounts/profile/"


@pytest.mark.parametrize(
    "target",
    ["http://example.com", "//example.com", "///example.com", "https://example.com", "javascript:alert(1)"],
)
def test_login_never_follows_next_off_the_site(client, user, password, target):
    response = client.post(LOGIN_URL, {"username": user.username, "password": password, "next": target})
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("core:index")


def test_login_page_keeps_a_safe_next_in_the_form(client):
    response = client.get(f"{LOGIN_URL}?next=/accounts/profile/")
    assert 'name="next" value="/accounts/profile/"' in response.text


def test_logged_in_user_opening_login_goes_to_the_index(user_client):
    response = user_client.get(LOGIN_URL)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("core:index")


def test_login_rotates_the_session_key(client, user, password):
    client.get(LOGIN_URL)
    client.session.save()
    before = client.session.session_key
    client.post(LOGIN_URL, {"username": user.username, "password": password})
    assert client.session.session_key != before


# Logout


def test_logout_by_get_is_refused_with_405(user_client):
    response = user_client.get(LOGOUT_URL)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert "Log out" in response.text
    assert "_auth_user_id" in user_client.session


def test_logout_by_post_returns_to_the_index_with_a_message(user_client):
    response = user_client.post(LOGOUT_URL, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:index")
    assert "You have been logged out." in response.text
    assert "_auth_user_id" not in user_client.session


def test_logout_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(LOGOUT_URL)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "_auth_user_id" in client.session


def test_nav_shows_logout_as_a_button_in_a_form(user_client):
    response = user_client.get("/")
    assert f'<form method="post" action="{LOGOUT_URL}"' in response.text
    assert '<button type="submit" class="btn btn-outline-light btn-sm">Log out</button>' in response.text


# Profile and user page


def test_profile_needs_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"{LOGIN_URL}?next=/accounts/profile/"


def test_profile_shows_account_details(user_client, user):
    response = user_client.get("/accounts/profile/")
    assert response.status_code == HTTPStatus.OK
    assert user.username in response.text
    assert user.email in response.text
    assert "Date joined" in response.text
    assert "Last login" in response.text


def test_profile_saves_name_changes(user_client, user):
    response = user_client.post("/accounts/profile/", {"first_name": "Mara", "last_name": "<b>Reef</b>"}, follow=True)
    assert "Your profile has been saved." in response.text
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Mara", "<b>Reef</b>")
    assert "&lt;b&gt;Reef&lt;/b&gt;" in response.text


def test_profile_cannot_change_username_or_email(user_client, user):
    user_client.post("/accounts/profile/", {"first_name": "A", "last_name": "B", "username": "x", "email": "x@x.com"})
    user.refresh_from_db()
    assert user.username != "x"
    assert user.email != "x@x.com"


def test_profile_with_over_long_name_is_a_form_error(user_client):
    response = user_client.post("/accounts/profile/", {"first_name": "x" * 200, "last_name": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ensure this value has at most 150 characters" in response.text


def test_user_page_shows_the_user_to_staff(desk_client):
    other = UserFactory(username="reefer", first_name="Rita", last_name="Fer")
    response = desk_client.get("/users/reefer/")
    assert response.status_code == HTTPStatus.OK
    assert "Rita Fer" in response.text
    assert other.username in response.text


def test_user_page_for_unknown_name_is_404(desk_client):
    response = desk_client.get("/users/nobody-here/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.text


def test_user_page_needs_login(client, user):
    response = client.get(f"/users/{user.username}/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(LOGIN_URL)


@pytest.mark.parametrize("name", ["reefer", "nobody-here"])
def test_the_staff_directory_is_closed_to_accounts_without_access(user_client, name):
    """F15: a self-registered account learns neither names nor who exists: 403 for real and unknown names alike."""
    UserFactory(username="reefer", first_name="Rita", last_name="Fer")
    response = user_client.get(f"/users/{name}/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Rita" not in response.text
