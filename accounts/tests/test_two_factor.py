"""Two-factor authentication: enrolment, login with a code, wrong codes, recovery codes, required for managers."""

import re
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def code_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def next_step(monkeypatch):
    """Move the authenticator's clock 30 s on: a code is accepted once, so logging in needs the next one.

    django-otp also makes a device wait a moment after a wrong code; its clock moves on too.
    """
    real, real_now = time.time, timezone.now

    def advance():
        later = lambda: real() + 30  # noqa: E731
        monkeypatch.setattr("django_otp.oath.time", later)  # the code we type
        monkeypatch.setattr("django_otp.plugins.otp_totp.models.time.time", later)  # the server's check
        monkeypatch.setattr("django_otp.models.timezone.now", lambda: real_now() + timedelta(seconds=30))

    return advance


def enrol(client):
    client.post("/accounts/two-factor/start/")
    device = TOTPDevice.objects.get(confirmed=False)
    page = client.get("/accounts/two-factor/")
    assert "<svg" in page.text
    response = client.post("/accounts/two-factor/confirm/", {"code": code_for(device)})
    codes = re.findall(r"<li class=\"col\">([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</li>", response.text)
    return device, codes


def test_the_same_code_cannot_be_used_twice(user_client, user, password):
    device, _ = enrol(user_client)  # enrolment used this time step's code
    client = Client()
    log_in(client, user, password)
    assert client.post("/accounts/login/code/", {"code": code_for(device)}).status_code == HTTPStatus.BAD_REQUEST


def test_enrolment_shows_a_qr_code_then_ten_recovery_codes(user_client, user):
    device, codes = enrol(user_client)
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TWO_FACTOR_ENABLED, user=user).exists()
    assert '<span class="badge text-bg-success">On</span>' in user_client.get("/accounts/profile/").text


def test_enrolment_with_a_wrong_code_is_refused(user_client):
    user_client.post("/accounts/two-factor/start/")
    response = user_client.post("/accounts/two-factor/confirm/", {"code": "000000"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "That code is not right." in response.text
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def log_in(client, user, password):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def test_login_asks_for_the_code_after_the_password(user_client, user, password, next_step):
    device, _ = enrol(user_client)
    client = Client()
    response = log_in(client, user, password)
    assert response.url == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # not logged in with the password alone
    assert client.get("/accounts/profile/").status_code == HTTPStatus.FOUND
    wrong = client.post("/accounts/login/code/", {"code": "123456" if code_for(device) != "123456" else "654321"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "That code is not right." in wrong.text
    next_step()  # a person takes a moment to look again
    right = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert right.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_recovery_code_works_once(user_client, user, password):
    _, codes = enrol(user_client)
    first = Client()
    log_in(first, user, password)
    response = first.post("/accounts/login/code/", {"code": codes[0]}, follow=True)
    assert "You used a recovery code; 9 are left." in response.text
    second = Client()
    log_in(second, user, password)
    assert second.post("/accounts/login/code/", {"code": codes[0]}).status_code == HTTPStatus.BAD_REQUEST
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECOVERY_CODE_USED, user=user).count() == 1


def test_wrong_codes_are_throttled_like_passwords(user_client, user, password):
    enrol(user_client)
    client = Client()
    log_in(client, user, password)
    statuses = [client.post("/accounts/login/code/", {"code": "999999x"}).status_code for _ in range(6)]
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS


def test_the_code_step_expires(user_client, user, password, monkeypatch):
    enrol(user_client)
    client = Client()
    log_in(client, user, password)
    real = time.time
    monkeypatch.setattr("accounts.views.time.time", lambda: real() + 6 * 60)
    response = client.get("/accounts/login/code/", follow=True)
    assert "Please log in again." in response.text


def test_turning_it_off_needs_the_password(user_client, user, password):
    enrol(user_client)
    refused = user_client.post("/accounts/two-factor/disable/", {"disable-password": "nope"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert TOTPDevice.objects.filter(user=user).exists()
    user_client.post("/accounts/two-factor/disable/", {"disable-password": password})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert log_in(Client(), user, password).url == "/"


def test_new_recovery_codes_replace_the_old(user_client, user, password):
    _, old = enrol(user_client)
    response = user_client.post("/accounts/two-factor/recovery-codes/", {"renew-password": password})
    new = re.findall(r"<li class=\"col\">([0-9a-f-]{14})</li>", response.text)
    assert len(new) == 10
    assert not set(old) & set(new)
    client = Client()
    log_in(client, user, password)
    assert client.post("/accounts/login/code/", {"code": old[0]}).status_code == HTTPStatus.BAD_REQUEST


def test_the_admin_is_guarded_by_the_same_second_factor(user, password, next_step):
    user.is_staff = user.is_superuser = True
    user.save()
    owner = Client()
    owner.force_login(user)
    enrol(owner)
    client = Client()
    client.post("/accounts/login/?next=/admin/", {"username": user.username, "password": password, "next": "/admin/"})
    assert client.get("/admin/").status_code == HTTPStatus.FOUND  # still anonymous: the admin sends to login
    device = TOTPDevice.objects.get(user=user)
    next_step()
    response = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("member", ["manager", "front_desk", "technician", "superuser"])
def test_staff_must_set_it_up_before_anything_else(client, member, settings, request):
    """Checklist #10, F8: no page of the logbook or the admin with a password alone."""
    settings.REQUIRE_2FA_FOR_STAFF = True
    client.force_login(request.getfixturevalue(member))
    for page in ("/", "/admin/", "/accounts/profile/"):
        response = client.get(page, follow=True)
        assert response.redirect_chain[-1][0] == "/accounts/two-factor/", page
    assert "Staff must turn on two-factor authentication" in response.text
    enrol(client)
    assert client.get("/").status_code == HTTPStatus.OK


def test_accounts_without_access_are_not_required(client, user, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == HTTPStatus.OK


def test_staff_two_factor_is_required_unless_turned_off():
    from service_center import settings as project_settings

    assert project_settings.REQUIRE_2FA_FOR_STAFF is True  # the tests turn it off in conftest.py


def test_turning_it_on_ends_the_older_password_only_sessions(user, password):
    """F9: a session logged in before two-factor was on must not outlive it."""
    old = Client()
    old.post("/accounts/login/", {"username": user.username, "password": password})
    current = Client()
    current.post("/accounts/login/", {"username": user.username, "password": password})
    enrol(current)
    assert old.get("/accounts/profile/").status_code == HTTPStatus.FOUND
    assert current.get("/accounts/profile/").status_code == HTTPStatus.OK
