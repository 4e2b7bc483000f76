"""Registering (F4, counter item 13): an address first, then the mailed link to choose a username and password.

The page never says whether an address has an account (its owner gets a mail instead), it is throttled per
client address, the new account is logged in and the managers are told, and REGISTRATION_OPEN=off leaves
invitations by managers as the only way in.
"""

import re
import threading
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from accounts import tokens
from accounts.models import AuditEvent, Invitation, User
from accounts.tests.factories import GOOD_PASSWORD, SignUpDataFactory, UserFactory, staff_user
from accounts.tests.helpers import committing
from service_center.roles import FRONT_DESK, MANAGERS

pytestmark = pytest.mark.django_db
REGISTER = "/accounts/register/"


def link_in(mail):
    return re.search(r"https?://\S+", mail.body).group(0)


def path_of(url):
    return "/" + url.split("/", 3)[3]


def register(client, email, ip="10.0.0.9"):
    with committing():
        return client.post(REGISTER, {"email": email}, REMOTE_ADDR=ip)


def post(client, path, data):
    with committing():
        return client.post(path, data, follow=True)


def test_the_page_asks_for_the_address_and_says_what_happens(client):
    page = client.get(REGISTER).text
    assert "Email address" in page
    assert "we send you a link to choose your username" in page
    assert "Congratulations" not in page


def test_a_new_address_gets_a_link_and_the_page_says_what_happens_next(client, mailoutbox):
    response = register(client, "mara@example.com")
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(response.url).text
    assert "Check your mail" in page
    assert "within three days to choose your" in page
    assert "the managers are told" in page
    assert [mail.to for mail in mailoutbox] == [["mara@example.com"]]
    assert "/accounts/register/" in link_in(mailoutbox[0])
    assert not User.objects.exists()  # nothing is made before the link is opened


@pytest.mark.parametrize("typed", ["rita@example.com", "RITA@Example.COM"])
def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_note(client, mailoutbox, typed):
    UserFactory(username="rita", email="rita@example.com")
    known = register(client, typed)
    unknown = register(Client(), "nobody-here@example.com")
    assert known.status_code == unknown.status_code == HTTPStatus.FOUND
    assert known.url == unknown.url
    assert client.get(known.url).text.replace("rita", "") == Client().get(unknown.url).text.replace("rita", "")
    owner_mail = next(mail for mail in mailoutbox if mail.to == ["rita@example.com"])
    assert "already belongs to your account" in owner_mail.body
    assert "/accounts/password/reset/" in owner_mail.body
    assert User.objects.count() == 1


def test_registering_is_throttled_per_client_address(client, mailoutbox):
    statuses = [register(client, f"probe{n}@example.com").status_code for n in range(7)]
    assert statuses == [HTTPStatus.FOUND] * 5 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert len(mailoutbox) == 5
    assert register(Client(), "someone@example.com", ip="10.0.0.10").status_code == HTTPStatus.FOUND


def test_one_address_gets_at_most_three_mails_however_many_clients_ask(mailoutbox):
    answers = [register(Client(), "victim@example.com", ip=f"10.0.3.{n}") for n in range(5)]
    assert {answer.url for answer in answers} == {"/accounts/register/sent/"}
    assert len(mailoutbox) == 3


def test_bad_addresses_are_refused_with_a_reason(client, mailoutbox):
    response = register(client, "not an address")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "An email address" in response.text or "valid" in response.text
    assert mailoutbox == []


def open_link(client, mailoutbox):
    return path_of(link_in(mailoutbox[-1]))


def test_the_link_makes_the_account_logs_it_in_and_tells_the_managers(client, mailoutbox):
    boss = staff_user(MANAGERS, username="boss", email="boss@example.com")
    register(client, "mara@example.com")
    link = open_link(client, mailoutbox)
    page = client.get(link)
    assert page.status_code == HTTPStatus.OK
    assert "mara@example.com" in page.text
    response = post(client, link, SignUpDataFactory(username="mara"))
    assert "Welcome, mara: your account is ready and you are logged in." in response.text
    assert "the managers have been told" in response.text
    mara = User.objects.get(username="mara")
    assert (mara.email, mara.email_verified) == ("mara@example.com", True)
    assert client.session["_auth_user_id"] == str(mara.pk)
    assert not mara.groups.exists()
    told = mailoutbox[-1]
    assert told.to == [boss.email]
    assert "mara" in told.subject
    assert f"/admin/accounts/user/{mara.pk}/change/" in told.body
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REGISTERED)
    assert (event.user, event.actor) == (mara, None)


def test_the_link_works_once(client, mailoutbox):
    register(client, "mara@example.com")
    link = open_link(client, mailoutbox)
    client.post(link, SignUpDataFactory(username="mara"))
    again = Client().post(link, SignUpDataFactory(username="mara2"))
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "This link does not work" in again.text
    assert User.objects.count() == 1


@pytest.mark.parametrize("bad", ["not-a-token", "x" * 300, tokens.sign_up_token("a@example.com")[:-3] + "abc"])
def test_altered_or_expired_links_are_refused(client, bad, settings):
    assert client.get(f"/accounts/register/{bad}/").status_code == HTTPStatus.BAD_REQUEST
    settings.EMAIL_CONFIRMATION_SECONDS = -1
    expired = client.get(f"/accounts/register/{tokens.sign_up_token('a@example.com')}/")
    assert expired.status_code == HTTPStatus.BAD_REQUEST


TAKEN = "That username is not available: choose another."


def test_a_taken_username_is_a_field_error_on_the_link_page_only(client, mailoutbox):
    UserFactory(username="Mara", email="someone.else@example.com")
    register(client, "mara@example.com")
    response = client.post(open_link(client, mailoutbox), SignUpDataFactory(username="mara"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert TAKEN in response.text
    assert "already exists" not in response.text  # it says what to do, not that someone has that name
    assert GOOD_PASSWORD not in response.text


def test_markup_in_the_username_is_shown_as_text(client, mailoutbox):
    register(client, "mara@example.com")
    response = client.post(open_link(client, mailoutbox), SignUpDataFactory(username="<script>alert(1)</script>"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "<script>alert(1)</script>" not in response.text


def test_logged_in_users_are_sent_home(user_client):
    assert user_client.get(REGISTER).url == "/"


@pytest.mark.django_db(transaction=True)
def test_two_people_finishing_with_one_username_at_once_make_one_account_and_one_field_error(mailoutbox):
    links = []
    for n in range(2):
        register(Client(), f"twin{n}@example.com", ip=f"10.0.1.{n}")
        links.append(path_of(link_in(mailoutbox[-1])))
    start, responses = threading.Barrier(2), []

    def finish(link):
        try:
            start.wait()
            responses.append(Client().post(link, SignUpDataFactory(username="Twin")))
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(link,)) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(response.status_code for response in responses) == [HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST]
    refused = next(response for response in responses if response.status_code == HTTPStatus.BAD_REQUEST)
    assert TAKEN in refused.text
    assert User.objects.filter(username__iexact="twin").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_link_opened_twice_at_once_makes_one_account(mailoutbox):
    register(Client(), "solo@example.com")
    link = path_of(link_in(mailoutbox[-1]))
    start, responses = threading.Barrier(2), []

    def finish(name):
        try:
            start.wait()
            responses.append(Client().post(link, SignUpDataFactory(username=name)))
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(name,)) for name in ("solo1", "solo2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(response.status_code for response in responses) == [HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST]
    assert User.objects.filter(email__iexact="solo@example.com").count() == 1


# Invitation only


def test_with_registration_closed_the_page_says_to_ask_a_manager(client, settings, mailoutbox):
    settings.REGISTRATION_OPEN = False
    page = client.get(REGISTER)
    assert page.status_code == HTTPStatus.FORBIDDEN
    assert "Ask a manager of the shop to invite your email address" in page.text
    assert register(client, "mara@example.com").status_code == HTTPStatus.FORBIDDEN
    assert mailoutbox == []
    link = f"/accounts/register/{tokens.sign_up_token('mara@example.com')}/"  # mailed while it was open
    assert client.post(link, SignUpDataFactory(username="mara")).status_code == HTTPStatus.FORBIDDEN
    assert not User.objects.exists()


@pytest.fixture
def manager_in_admin(client):
    boss = staff_user(MANAGERS, username="boss", email="boss@example.com", is_staff=True)
    client.force_login(boss)
    return client


def test_a_manager_invites_by_email_and_the_invitee_joins_the_groups(manager_in_admin, mailoutbox, settings):
    settings.REGISTRATION_OPEN = False
    desk = Group.objects.get(name=FRONT_DESK)
    response = post(
        manager_in_admin, "/admin/accounts/invitation/add/", {"email": "new.clerk@example.com", "groups": [desk.pk]}
    )
    assert response.redirect_chain[0][1] == HTTPStatus.FOUND
    invitation = Invitation.objects.get()
    mail = mailoutbox[-1]
    assert mail.to == ["new.clerk@example.com"]
    assert "Front desk" in mail.body
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITED, username="new.clerk@example.com").exists()

    invitee = Client()
    link = path_of(link_in(mail))
    assert "Invited by" in invitee.get(link).text
    done = invitee.post(link, SignUpDataFactory(username="clerk"), follow=True)
    assert "Welcome, clerk: your account is ready." in done.text
    clerk = User.objects.get(username="clerk")
    assert list(clerk.groups.values_list("name", flat=True)) == [FRONT_DESK]
    assert clerk.email_verified
    invitation.refresh_from_db()
    assert invitation.accepted_at and invitation.user == clerk
    assert Client().get(link).status_code == HTTPStatus.BAD_REQUEST  # once only


def test_an_invitation_for_an_address_with_an_account_is_refused_in_the_admin(manager_in_admin):
    UserFactory(email="taken@example.com")
    response = manager_in_admin.post("/admin/accounts/invitation/add/", {"email": "Taken@example.com"})
    assert response.status_code == HTTPStatus.OK
    assert "An account with this address exists already." in response.text
    assert not Invitation.objects.exists()


def test_an_invitation_expires(manager_in_admin, mailoutbox, settings):
    post(manager_in_admin, "/admin/accounts/invitation/add/", {"email": "late@example.com"})
    settings.INVITATION_SECONDS = -1
    assert Client().get(path_of(link_in(mailoutbox[-1]))).status_code == HTTPStatus.BAD_REQUEST


def test_people_without_the_permission_cannot_invite(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.post("/admin/accounts/invitation/add/", {"email": "x@example.com"}).status_code == 403
    assert not Invitation.objects.exists()


def test_the_invitation_log_line_holds_no_address_and_the_trail_keeps_it_for_managers(manager_in_admin, caplog):
    """The log goes to more places than the admin (files, collectors) and is kept longer: no personal data there.
    The audit row keeps the address: managers look up whom they invited, also once the invitation is deleted."""
    with caplog.at_level("INFO", logger="service_center.audit"):
        post(manager_in_admin, "/admin/accounts/invitation/add/", {"email": "new.clerk@example.com"})
    invitation = Invitation.objects.get()
    line = next(record.getMessage() for record in caplog.records if record.getMessage().startswith("invited"))
    assert "new.clerk" not in caplog.text and "example.com" not in line
    assert f"invitation={invitation.pk}" in line and "actor=boss" in line
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.INVITED)
    assert (event.username, event.detail["invitation"]) == ("new.clerk@example.com", invitation.pk)


# Usernames cannot be tried fast (P9) -------------------------------------------------------------------------------


def sign_up_link(email):
    return f"/accounts/register/{tokens.sign_up_token(email)}/"


def invitation_link(email):
    return f"/accounts/invitation/{tokens.invitation_token(Invitation.objects.create(email=email))}/"


@pytest.mark.parametrize("link_for", [sign_up_link, invitation_link])
def test_trying_usernames_on_a_link_is_throttled_per_client_address(client, settings, link_for):
    limit = settings.THROTTLE_SIGN_UP[0]
    for n in range(limit):
        UserFactory(username=f"staff{n}")
    link = link_for("prober@example.com")
    answers = [
        client.post(link, SignUpDataFactory(username=f"staff{n}"), REMOTE_ADDR="10.0.5.1").status_code
        for n in range(limit)
    ]
    assert answers == [HTTPStatus.BAD_REQUEST] * limit  # each told to choose another
    refused = client.post(link, SignUpDataFactory(username="staff0"), REMOTE_ADDR="10.0.5.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS and int(refused["Retry-After"]) > 0
    assert TAKEN not in refused.text
    other = Client().post(link_for("someone@example.com"), SignUpDataFactory(username="free"), REMOTE_ADDR="10.0.5.2")
    assert other.status_code == HTTPStatus.FOUND  # somebody else, elsewhere, signs up as usual


def test_trying_usernames_on_one_link_from_many_addresses_is_throttled_too(settings):
    limit = settings.THROTTLE_SIGN_UP[0]
    UserFactory(username="manager")
    link = sign_up_link("prober@example.com")
    answers = [
        Client().post(link, SignUpDataFactory(username="manager"), REMOTE_ADDR=f"10.0.6.{n}").status_code
        for n in range(limit + 1)
    ]
    assert answers == [HTTPStatus.BAD_REQUEST] * limit + [HTTPStatus.TOO_MANY_REQUESTS]
    assert not User.objects.filter(email="prober@example.com").exists()


def test_opening_a_link_is_not_counted(client, settings):
    link = sign_up_link("mara@example.com")
    for _ in range(settings.THROTTLE_SIGN_UP[0] + 1):
        assert client.get(link).status_code == HTTPStatus.OK
    assert client.post(link, SignUpDataFactory(username="mara")).status_code == HTTPStatus.FOUND


# A sign-up link is used once, for good (P10) -----------------------------------------------------------------------


def test_a_sign_up_link_works_once_even_after_its_address_is_freed(client, mailoutbox):
    register(client, "newbie@example.com")
    link = open_link(client, mailoutbox)
    post(client, link, SignUpDataFactory(username="newbie"))
    User.objects.filter(username="newbie").update(email="elsewhere@example.com")  # a confirmed change frees it
    assert Client().get(link).status_code == HTTPStatus.BAD_REQUEST
    again = Client().post(link, SignUpDataFactory(username="newbie_again"))
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "This link does not work" in again.text
    assert not User.objects.filter(username="newbie_again").exists()
    register(Client(), "newbie@example.com", ip="10.0.7.1")  # a new link for the freed address works
    fresh = post(Client(), open_link(client, mailoutbox), SignUpDataFactory(username="newbie_again"))
    assert "Welcome, newbie_again" in fresh.text


def test_two_links_to_one_address_make_one_account(client, mailoutbox):
    register(client, "mara@example.com")
    first = open_link(client, mailoutbox)
    register(Client(), "mara@example.com", ip="10.0.7.2")
    second = open_link(client, mailoutbox)
    assert first != second
    post(client, first, SignUpDataFactory(username="mara"))
    assert Client().post(second, SignUpDataFactory(username="mara2")).status_code == HTTPStatus.BAD_REQUEST
    assert User.objects.count() == 1


def test_a_link_mailed_before_links_had_a_nonce_works_once_too(client):
    from django.core import signing

    link = (
        f"/accounts/register/{signing.dumps({'email': 'old@example.com'}, salt=tokens.SIGN_UP_SALT, compress=True)}/"
    )
    with committing():
        assert client.post(link, SignUpDataFactory(username="oldtimer")).status_code == HTTPStatus.FOUND
    User.objects.filter(username="oldtimer").update(email="moved@example.com")
    assert Client().post(link, SignUpDataFactory(username="again")).status_code == HTTPStatus.BAD_REQUEST
