"""Login throttling: per account and per address, a cool-off and not a lock, with a clock the tests control."""

from http import HTTPStatus

import pytest
from django.test import Client

from accounts import throttle
from accounts.models import AuditEvent, LoginLockout
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, moved by hand: clock.advance(seconds)."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds):
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(throttle, "now", lambda: fake.now)
    return fake


def fail(client, username, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": "wrong password here"}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_for_five_minutes(client, clock, password):
    user = UserFactory(username="ann")
    for _ in range(5):
        assert fail(client, "ann").status_code == HTTPStatus.BAD_REQUEST
    refused = client.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused["Retry-After"] == "300"
    assert "Please try again in 5 minutes." in refused.text
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKOUT).exists()
    assert LoginLockout.objects.filter(key=f"user:{user.pk}|10.0.0.1").exists()

    clock.advance(301)
    allowed = client.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert allowed.status_code == HTTPStatus.FOUND


def test_four_failures_do_not_lock(client, clock, password):
    UserFactory(username="ann")
    for _ in range(4):
        fail(client, "ann")
    assert client.post(LOGIN, {"username": "ann", "password": password}).status_code == HTTPStatus.FOUND


def test_failures_by_username_and_by_email_count_together(client, clock):
    UserFactory(username="ann", email="ann@example.com", email_verified=True)
    for name in ["ann", "ANN@example.com", "Ann", "ann@example.com", "ann"]:
        fail(client, name)
    assert fail(client, "ann@example.com").status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_unknown_and_known_accounts_lock_alike(clock):
    UserFactory(username="ann")
    pages = []
    for name in ("ann", "nobody"):
        client = Client()
        for _ in range(5):
            fail(client, name, ip=f"10.0.1.{len(pages)}")
        response = fail(client, name, ip=f"10.0.1.{len(pages)}")
        pages.append((response.status_code, response.text))
    assert pages[0] == pages[1]
    assert pages[0][0] == HTTPStatus.TOO_MANY_REQUESTS


def test_twenty_failures_from_one_address_lock_the_address(client, clock, password):
    UserFactory(username="victim")
    for n in range(20):
        fail(client, f"guess{n}", ip="10.9.9.9")
    blocked = client.post(LOGIN, {"username": "victim", "password": password}, REMOTE_ADDR="10.9.9.9")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    elsewhere = client.post(LOGIN, {"username": "victim", "password": password}, REMOTE_ADDR="10.9.9.10")
    assert elsewhere.status_code == HTTPStatus.FOUND
    clock.advance(61)
    again = Client().post(LOGIN, {"username": "victim", "password": password}, REMOTE_ADDR="10.9.9.9")
    assert again.status_code == HTTPStatus.FOUND


def test_failures_age_out_of_the_window(client, clock, password):
    UserFactory(username="ann")
    for _ in range(4):
        fail(client, "ann")
    clock.advance(601)  # two windows later
    for _ in range(4):
        fail(client, "ann")
    assert client.post(LOGIN, {"username": "ann", "password": password}).status_code == HTTPStatus.FOUND


def test_a_successful_login_clears_the_account_count(client, clock, password):
    UserFactory(username="ann")
    for _ in range(4):
        fail(client, "ann")
    client.post(LOGIN, {"username": "ann", "password": password})
    client.post("/accounts/logout/")
    for _ in range(4):
        fail(client, "ann")
    assert client.post(LOGIN, {"username": "ann", "password": password}).status_code == HTTPStatus.FOUND


def test_admin_login_goes_through_the_throttled_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == "/accounts/login/?next=/admin/"


def test_managers_see_and_clear_lockouts_in_the_admin(client, clock, manager, password):
    manager.is_staff = True
    manager.save()
    user = UserFactory(username="ann")
    for _ in range(5):
        fail(Client(), "ann")
    client.force_login(manager)
    listing = client.get("/admin/accounts/loginlockout/")
    assert listing.status_code == HTTPStatus.OK
    assert ">ann from 10.0.0.1<" in listing.text
    lockout = LoginLockout.objects.get(key=f"user:{user.pk}|10.0.0.1")
    client.post("/admin/accounts/loginlockout/", {"action": "clear_lockouts", "_selected_action": [lockout.pk]})
    assert not LoginLockout.objects.exists()
    assert Client().post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_reset_form_is_throttled_per_address(client, clock):
    for _ in range(5):
        assert client.post("/accounts/password/reset/", {"email": "x@example.com"}).status_code == HTTPStatus.FOUND
    refused = client.post("/accounts/password/reset/", {"email": "x@example.com"})
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many attempts" in refused.text


def test_lockout_keys_are_shown_as_names_people_know():
    ann = UserFactory(username="ann", email="ann@example.com", email_verified=True)
    assert throttle.describe_key(throttle.user_key(ann)) == "ann"
    assert throttle.describe_key(throttle.account_key("ANN@example.com")) == "ann"
    assert throttle.describe_key(throttle.pair_key(throttle.user_key(ann), "10.0.0.1")) == "ann from 10.0.0.1"
    assert throttle.describe_key(throttle.account_key("Nobody")).startswith("unknown name #")
    assert "nobody" not in throttle.describe_key(throttle.account_key("Nobody")).lower()
    assert throttle.describe_key("10.0.0.1") == "10.0.0.1"
    assert throttle.describe_key("user:999999") == "user:999999"  # the account is gone
    assert throttle.describe_key("user:²") == "user:²"


# Nobody can keep an account out (F2)


def test_failures_from_one_address_never_lock_the_owner_out_elsewhere(clock, password):
    """The review's repro: five wrong passwords for root from .66, then root from .77 with the right one."""
    UserFactory(username="root", is_superuser=True, is_staff=True)
    attacker = Client()
    for n in range(5):
        attacker.post(LOGIN, {"username": "root", "password": f"x{n}"}, REMOTE_ADDR="127.0.0.66")
    assert fail(attacker, "root", ip="127.0.0.66").status_code == HTTPStatus.TOO_MANY_REQUESTS
    owner = Client().post(LOGIN, {"username": "root", "password": password}, REMOTE_ADDR="127.0.0.77")
    assert owner.status_code == HTTPStatus.FOUND


def test_guessing_spread_over_many_addresses_stops_at_fifty_an_hour_but_not_the_owners_browser(clock, password):
    UserFactory(username="ann")
    owner = Client()
    assert owner.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.7.0.1").status_code == 302
    owner.post("/accounts/logout/")
    for n in range(50):  # 10 addresses, 5 each: none of them locked by itself
        fail(Client(), "ann", ip=f"10.8.0.{n // 5}")
    stranger = Client().post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.9.0.1")
    assert stranger.status_code == HTTPStatus.TOO_MANY_REQUESTS  # a new device waits: the guessing stops here
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKOUT).exists()
    # The owner's own browser (its device cookie) still gets in, from any address.
    mine = owner.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.7.0.99")
    assert mine.status_code == HTTPStatus.FOUND
    clock.advance(15 * 60 + 1)
    later = Client().post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.9.0.1")
    assert later.status_code == HTTPStatus.FOUND


def test_a_device_cookie_of_another_account_or_forged_is_no_trust(clock, password):
    UserFactory(username="ann")
    UserFactory(username="bob")
    bobs_browser = Client()
    bobs_browser.post(LOGIN, {"username": "bob", "password": password}, REMOTE_ADDR="10.7.0.2")
    bobs_browser.post("/accounts/logout/")
    for n in range(50):
        fail(Client(), "ann", ip=f"10.8.1.{n // 5}")
    assert fail(bobs_browser, "ann", ip="10.7.0.3").status_code == HTTPStatus.TOO_MANY_REQUESTS
    forged = Client()
    forged.cookies[throttle.DEVICE_COOKIE] = '["user:1"]'
    assert forged.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.7.0.4").status_code == 429


def test_a_new_password_lifts_the_lock_on_new_devices(clock, password):
    ann = UserFactory(username="ann")
    for n in range(50):
        fail(Client(), "ann", ip=f"10.8.2.{n // 5}")
    from django.test import RequestFactory

    from accounts import services

    request = RequestFactory().post("/")
    request.user, request.session = ann, Client().session
    services.password_changed(user=ann, request=request)
    assert Client().post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR="10.9.0.2").status_code == 302


# Current-password checks count as logins (F6)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/password/change/", {"old_password": "{pw}", "new_password1": "n3w-reef-compass-77-x",
                                        "new_password2": "n3w-reef-compass-77-x"}),
        ("/accounts/email/change/", {"email": "next@example.com", "password": "{pw}"}),
        ("/accounts/two-factor/disable/", {"disable-password": "{pw}"}),
        ("/accounts/two-factor/recovery-codes/", {"renew-password": "{pw}"}),
    ],
)  # fmt: skip
def test_current_password_guesses_are_throttled_like_logins(clock, user, password, path, data):
    from accounts import services

    services.confirm_totp(device=services.start_totp(user=user), request=None) if "two-factor" in path else None
    client = Client(REMOTE_ADDR="10.3.3.3")
    client.force_login(user)
    wrong = {key: value.replace("{pw}", "not my password") for key, value in data.items()}
    statuses = [client.post(path, wrong).status_code for _ in range(6)]
    assert statuses == [HTTPStatus.BAD_REQUEST] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]
    right = {key: value.replace("{pw}", password) for key, value in data.items()}
    refused = client.post(path, right)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS  # even the right one, while locked
    assert refused["Retry-After"] == "300"
    assert fail(Client(), user.username, ip="10.3.3.3").status_code == HTTPStatus.TOO_MANY_REQUESTS
