"""Password change and reset, email confirmation and change: the rest of an account's life."""

import re
from datetime import timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.test import Client

from accounts import services, tokens
from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import committing

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "fresh-reef-compass-77"


def link_in(mail):
    return re.search(r"https?://\S+", mail.body).group(0)


def path_of(url):
    return "/" + url.split("/", 3)[3]


# Password change


def test_password_change_needs_the_current_password(user_client, user):
    response = user_client.post(
        "/accounts/password/change/",
        {"old_password": "not it at all", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Your old password was entered incorrectly" in response.text
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_password_change_ends_other_sessions_and_mails_the_user(
    client, user, password, mailoutbox, django_capture_on_commit_callbacks
):
    other = Client()
    other.post("/accounts/login/", {"username": user.username, "password": password})
    client.post("/accounts/login/", {"username": user.username, "password": password})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/change/",
            {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            follow=True,
        )
    assert "Your password was changed." in response.text
    assert client.get("/accounts/profile/").status_code == HTTPStatus.OK  # this session stays
    assert other.get("/accounts/profile/").status_code == HTTPStatus.FOUND  # the other one ended
    assert [mail.subject for mail in mailoutbox] == ["Your Service Center password was changed"]
    assert NEW_PASSWORD not in mailoutbox[0].body
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, user=user).exists()


# Password reset


@pytest.fixture
def verified(password):
    return UserFactory(username="rita", email="rita@example.com", email_verified=True)


def ask_reset(client, email, capture):
    with capture(execute=True):
        return client.post("/accounts/password/reset/", {"email": email})


def test_reset_answers_the_same_for_known_and_unknown_addresses(
    client, verified, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask_reset(client, "rita@example.com", django_capture_on_commit_callbacks)
    unknown = ask_reset(Client(), "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == HTTPStatus.FOUND
    assert known.url == unknown.url == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1


def test_reset_mails_no_unconfirmed_address(client, mailoutbox, django_capture_on_commit_callbacks):
    UserFactory(email="new@example.com", email_verified=False)
    ask_reset(client, "new@example.com", django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_reset_link_uses_the_site_address_not_the_host_header(
    client, verified, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "rita@example.com"}, headers={"Host": "evil.example"})
    assert link_in(mailoutbox[0]).startswith("https://shop.example.com/accounts/password/reset/")


def test_reset_link_works_once(client, verified, mailoutbox, django_capture_on_commit_callbacks):
    ask_reset(client, "rita@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(path_of(link_in(mailoutbox[0])), follow=True)
    set_url = form_page.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your new password is set." in done.text
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)
    again = Client().get(path_of(link_in(mailoutbox[0])), follow=True)
    assert "This link does not work any more" in again.text


def test_reset_link_expires_after_an_hour(client, verified, mailoutbox, django_capture_on_commit_callbacks):
    ask_reset(client, "rita@example.com", django_capture_on_commit_callbacks)
    later = PasswordResetTokenGenerator()._now() + timedelta(hours=1, minutes=1)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = client.get(path_of(link_in(mailoutbox[0])), follow=True)
    assert "This link does not work any more" in page.text


# Email confirmation


@pytest.fixture
def unconfirmed(client, password, mailoutbox):
    """A user who changed their address and has the confirmation mail; the client is logged in as them."""
    user = UserFactory(username="newbie", email="newbie@example.com", email_verified=False)
    client.force_login(user)
    with committing():
        services.send_confirmation(user=user)
    return user


def test_the_confirmation_link_confirms_by_post(client, unconfirmed, mailoutbox):
    link = path_of(link_in(mailoutbox[0]))
    page = client.get(link)
    assert "Confirm my email address" in page.text
    unconfirmed.refresh_from_db()
    assert not unconfirmed.email_verified  # a GET (a mail scanner) changes nothing
    client.post(link)
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified


def test_confirmation_link_expires(client, unconfirmed, mailoutbox, settings):
    link = path_of(link_in(mailoutbox[0]))
    settings.EMAIL_CONFIRMATION_SECONDS = -1
    response = client.post(link)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This link does not work" in response.text


def test_tampered_confirmation_link_is_refused(client, unconfirmed, mailoutbox):
    link = path_of(link_in(mailoutbox[0]))
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"user": unconfirmed.pk, "email": "newbie@example.com"}, salt="wrong-salt")
    for bad in (token[:-2] + "xx", forged, "not-a-token", signing.dumps([1], salt="accounts.confirm-email")):
        response = client.post(f"/accounts/email/confirm/{bad}/")
        assert response.status_code == HTTPStatus.BAD_REQUEST


def test_confirmation_link_for_a_replaced_address_is_refused(user_client, user):
    token = tokens.confirmation_token(user)
    user.email = "changed@example.com"
    user.save()
    assert user_client.post(f"/accounts/email/confirm/{token}/").status_code == HTTPStatus.BAD_REQUEST
    user.refresh_from_db()
    assert not user.email_verified


def test_profile_shows_unconfirmed_and_resending_is_rate_limited(
    user_client, user, mailoutbox, django_capture_on_commit_callbacks
):
    assert "Not confirmed" in user_client.get("/accounts/profile/").text
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [user_client.post("/accounts/email/confirm/send/").status_code for _ in range(4)]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert len(mailoutbox) == 3


# Email change


def test_email_change_needs_the_password_notifies_the_old_address_and_asks_to_confirm_the_new(
    user_client, user, password, mailoutbox, django_capture_on_commit_callbacks
):
    user.email_verified = True
    user.save()
    old = user.email
    refused = user_client.post("/accounts/email/change/", {"email": "next@example.com", "password": "wrong one"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "That is not your current password." in refused.text
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            "/accounts/email/change/", {"email": "next@example.com", "password": password}, follow=True
        )
    assert f"Your email address stays {old} until you confirm next@example.com" in response.text
    user.refresh_from_db()
    assert (user.email, user.email_verified, user.pending_email) == (old, True, "next@example.com")  # P10
    told = next(mail for mail in mailoutbox if mail.to == [old])
    assert "next@example.com" in told.body and "until" in told.body
    confirm = next(mail for mail in mailoutbox if mail.to == ["next@example.com"])
    assert "/accounts/email/confirm/" in confirm.body
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EMAIL_CHANGED, user=user).exists()


def test_until_it_is_confirmed_the_old_address_logs_in_and_the_new_one_does_not(client, user, password):
    user.email_verified = True
    user.save()
    old = user.email
    services.change_email(user=user, new_email="next@example.com", request=None)
    assert client.post("/accounts/login/", {"username": "next@example.com", "password": password}).status_code == 400
    assert client.post("/accounts/login/", {"username": old, "password": password}).status_code == HTTPStatus.FOUND


def test_opening_the_link_makes_the_new_address_the_accounts(client, user, mailoutbox):
    user.email_verified = True
    user.save()
    with committing():
        services.change_email(user=user, new_email="Next@Example.com", request=None)
    link = path_of(link_in(next(mail for mail in mailoutbox if mail.to == ["Next@Example.com"])))
    assert client.post(link).status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert (user.email, user.email_verified, user.pending_email) == ("Next@Example.com", True, "")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EMAIL_CONFIRMED, user=user).exists()
    assert client.post(link).status_code == HTTPStatus.BAD_REQUEST  # used


def test_nobody_can_squat_an_address_by_changing_to_it(client, user, password, mailoutbox, settings):
    """P10: an unconfirmed change blocked the owner's registration and a manager's invitation."""
    with committing():
        user_client = Client()
        user_client.force_login(user)
        user_client.post("/accounts/email/change/", {"email": "victim@example.com", "password": password})
        Client().post("/accounts/register/", {"email": "victim@example.com"}, REMOTE_ADDR="10.0.9.1")
    squatter_link = path_of(link_in(next(mail for mail in mailoutbox if "/email/confirm/" in mail.body)))
    to_victim = [mail for mail in mailoutbox if mail.to == ["victim@example.com"]]
    assert any("/accounts/register/" in mail.body for mail in to_victim)  # a sign-up link, not "you have one"
    assert not any("already belongs" in mail.body for mail in to_victim)
    from accounts.forms import InvitationForm

    assert InvitationForm(data={"email": "victim@example.com"}).is_valid()  # a manager may invite them
    sign_up = path_of(link_in(next(mail for mail in to_victim if "/accounts/register/" in mail.body)))
    with committing():
        Client().post(
            sign_up,
            {
                "username": "victim",
                "password1": "correct horse battery staple 2",
                "password2": "correct horse battery staple 2",
            },
        )
    from accounts.models import User

    assert User.objects.get(username="victim").email == "victim@example.com"
    refused = Client().post(squatter_link)  # the victim clicks the squatter's link in their mail, say
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    user.refresh_from_db()
    assert user.email != "victim@example.com"


def test_a_second_new_address_makes_the_first_ones_link_stale(client, user):
    services.change_email(user=user, new_email="first@example.com", request=None)
    first = tokens.confirmation_token(user)
    services.change_email(user=user, new_email="second@example.com", request=None)
    assert client.post(f"/accounts/email/confirm/{first}/").status_code == HTTPStatus.BAD_REQUEST
    user.refresh_from_db()
    assert (user.email, user.pending_email) == (f"{user.username}@example.com", "second@example.com")


def test_the_profile_shows_the_address_waiting_and_sends_its_link_again(
    user_client, user, mailoutbox, django_capture_on_commit_callbacks
):
    user.email_verified = True
    user.save()
    services.change_email(user=user, new_email="next@example.com", request=None)
    page = user_client.get("/accounts/profile/").text
    assert "next@example.com" in page and "waiting for confirmation" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post("/accounts/email/confirm/send/", follow=True)
    assert "We sent a new confirmation link to next@example.com." in response.text
    assert [mail.to for mail in mailoutbox] == [["next@example.com"]]


def test_email_change_to_an_address_taken_in_other_case_is_refused(user_client, password):
    UserFactory(email="taken@example.com")
    response = user_client.post("/accounts/email/change/", {"email": "TAKEN@example.com", "password": password})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "A user with that email address already exists." in response.text
