"""Sessions: rotation at login, the list of sessions, ending them, idle and absolute limits, deactivation."""

import time
from http import HTTPStatus

import pytest
from django.test import Client

from accounts.models import UserSession

pytestmark = pytest.mark.django_db
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


def log_in(user, password, agent=CHROME, ip="10.0.0.5"):
    client = Client(headers={"user-agent": agent}, REMOTE_ADDR=ip)
    client.post("/accounts/login/", {"username": user.username, "password": password})
    return client


def test_login_rotates_the_csrf_token(client, user, password):
    client.get("/accounts/login/")
    before = client.cookies["csrftoken"].value
    client.post("/accounts/login/", {"username": user.username, "password": password, "csrfmiddlewaretoken": before})
    assert client.cookies["csrftoken"].value != before


def test_profile_lists_sessions_with_browser_and_address(user, password):
    desk = log_in(user, password, CHROME, "10.0.0.5")
    log_in(user, password, FIREFOX, "10.0.0.6")
    page = desk.get("/accounts/profile/").text
    assert "Chrome on Windows" in page
    assert "Firefox on Linux" in page
    assert "10.0.0.6" in page
    assert "This browser" in page


def test_ending_another_session_logs_it_out(user, password):
    desk = log_in(user, password, CHROME)
    phone = log_in(user, password, FIREFOX)
    other = UserSession.objects.get(user_agent=FIREFOX)
    response = desk.post("/accounts/sessions/end/", {"session": other.pk}, follow=True)
    assert "Sessions logged out: 1." in response.text
    assert phone.get("/accounts/profile/").status_code == HTTPStatus.FOUND
    assert desk.get("/accounts/profile/").status_code == HTTPStatus.OK


def test_ending_all_other_sessions(user, password):
    desk = log_in(user, password)
    others = [log_in(user, password, FIREFOX, f"10.0.0.{n}") for n in range(3)]
    desk.post("/accounts/sessions/end/", {"session": "others"})
    assert all(other.get("/accounts/profile/").status_code == HTTPStatus.FOUND for other in others)
    assert UserSession.objects.filter(user=user).count() == 1


def test_a_session_of_someone_else_cannot_be_ended(user, password):
    from accounts.tests.factories import UserFactory

    victim = UserFactory()
    victim_client = log_in(victim, password)
    row = UserSession.objects.get(user=victim)
    attacker = log_in(user, password)
    response = attacker.post("/accounts/sessions/end/", {"session": row.pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "That session is not one you can end here." in response.text
    assert victim_client.get("/accounts/profile/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("bad", ["", "abc", "99999", "-1", "²", "٣", "9" * 20, "1.0"])
def test_ending_a_session_with_bad_input_is_a_clear_refusal(user, password, bad):
    client = log_in(user, password)
    response = client.post("/accounts/sessions/end/", {"session": bad})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "That session is not one you can end here." in response.text
    assert "Where you are logged in" in response.text


def test_a_deactivated_user_is_logged_out_on_the_next_request(user, password):
    client = log_in(user, password)
    user.is_active = False
    user.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith("/accounts/login/")


def test_staff_are_logged_out_after_30_idle_minutes(front_desk, password, monkeypatch):
    client = log_in(front_desk, password)
    assert client.get("/").status_code == HTTPStatus.OK
    real = time.time
    monkeypatch.setattr("accounts.middleware.time.time", lambda: real() + 31 * 60)
    response = client.get("/", follow=True)
    assert "You were logged out after 30 minutes without activity." in response.text
    assert "_auth_user_id" not in client.session


def test_staff_sessions_end_after_the_absolute_limit_even_when_busy(front_desk, password, monkeypatch, settings):
    settings.STAFF_SESSION_MAX_SECONDS = 3600
    client = log_in(front_desk, password)
    real = time.time
    for minutes in (20, 40, 59):
        monkeypatch.setattr("accounts.middleware.time.time", lambda m=minutes: real() + m * 60)
        assert client.get("/").status_code == HTTPStatus.OK
    monkeypatch.setattr("accounts.middleware.time.time", lambda: real() + 61 * 60)
    response = client.get("/", follow=True)
    assert "Your session has ended." in response.text


def test_customers_without_staff_access_have_no_idle_limit(user, password, monkeypatch):
    client = log_in(user, password)
    real = time.time
    monkeypatch.setattr("accounts.middleware.time.time", lambda: real() + 3 * 60 * 60)
    assert client.get("/accounts/profile/").status_code == HTTPStatus.OK
