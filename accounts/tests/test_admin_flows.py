"""What managers do to accounts in the admin goes through the site's own flows (F1, F7, F10), and the admin
shows what they need (counter item 12)."""

import re
from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import AuditEvent, User, UserSession
from accounts.tests.factories import UserFactory, staff_user
from accounts.tests.helpers import committing
from service_center.roles import FRONT_DESK, MANAGERS

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/accounts/user/"
PASSWORD = "tide-chart-regulator-42"


@pytest.fixture
def boss(db):
    return staff_user(MANAGERS, username="boss", is_staff=True, password=PASSWORD)


@pytest.fixture
def boss_client(boss):
    client = Client()
    client.force_login(boss)
    return client


def logged_in(user):
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def bulk(client, action, *users):
    with committing():
        return client.post(
            CHANGELIST, {"action": action, "_selected_action": [user.pk for user in users], "index": 0}, follow=True
        )


def test_a_manager_cannot_deactivate_or_reactivate_a_superuser_in_bulk(boss_client):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, password=PASSWORD)
    clerk = UserFactory(username="clerk")
    response = bulk(boss_client, "deactivate_users", root, clerk)
    assert "1 user was deactivated." in response.text
    assert "1 superuser was left as it was: only a superuser can change one." in response.text
    root.refresh_from_db()
    clerk.refresh_from_db()
    assert (root.is_active, clerk.is_active) == (True, False)
    assert logged_in(root)  # the superuser still gets in

    User.objects.filter(pk=root.pk).update(is_active=False)  # another superuser disabled it
    bulk(boss_client, "activate_users", root)
    root.refresh_from_db()
    assert not root.is_active


def test_bulk_deactivation_is_audited_logged_and_ends_the_sessions(boss_client, boss):
    clerk = UserFactory(username="clerk", password=PASSWORD)
    clerk_browser = logged_in(clerk)
    bulk(boss_client, "deactivate_users", clerk)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DEACTIVATED)
    assert (event.user, event.actor) == (clerk, boss)
    assert LogEntry.objects.filter(object_id=str(clerk.pk), user=boss).exists()
    assert not UserSession.objects.filter(user=clerk).exists()

    bulk(boss_client, "activate_users", clerk)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACTIVATED, user=clerk, actor=boss).exists()
    # The old session stays ended: reactivation brings no session back (F10).
    assert clerk_browser.get("/accounts/profile/").status_code == HTTPStatus.FOUND


def change_form_data(user, **changes):
    data = {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "is_active": "on" if user.is_active else "",
            "groups": list(user.groups.values_list("pk", flat=True))}  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_unticking_active_in_the_change_form_ends_the_sessions(boss_client, boss):
    clerk = UserFactory(username="clerk", password=PASSWORD)
    clerk_browser = logged_in(clerk)
    with committing():
        boss_client.post(f"{CHANGELIST}{clerk.pk}/change/", change_form_data(clerk, is_active=""))
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DEACTIVATED, user=clerk, actor=boss).exists()
    clerk.is_active = True
    clerk.save()
    assert clerk_browser.get("/accounts/profile/").status_code == HTTPStatus.FOUND


def test_a_password_set_by_a_manager_ends_sessions_mails_the_user_and_is_audited(boss_client, boss, mailoutbox):
    clerk = UserFactory(username="clerk", password=PASSWORD, email="clerk@example.com")
    clerk_browser = logged_in(clerk)
    new = "a-manager-chose-this-one-77"
    with committing():
        response = boss_client.post(
            f"{CHANGELIST}{clerk.pk}/password/", {"password1": new, "password2": new, "usable_password": "true"}
        )
    assert response.status_code == HTTPStatus.FOUND
    clerk.refresh_from_db()
    assert clerk.check_password(new)
    assert clerk_browser.get("/accounts/profile/").status_code == HTTPStatus.FOUND
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_CHANGED)
    assert (event.user, event.actor) == (clerk, boss)
    assert [mail.to for mail in mailoutbox] == [["clerk@example.com"]]
    assert new not in mailoutbox[0].body


def test_an_email_changed_by_a_manager_waits_for_confirmation_and_both_addresses_hear(boss_client, boss, mailoutbox):
    clerk = UserFactory(username="clerk", email="old@example.com", email_verified=True)
    with committing():
        response = boss_client.post(
            f"{CHANGELIST}{clerk.pk}/change/", change_form_data(clerk, email="new@example.com")
        )
    assert response.status_code == HTTPStatus.FOUND
    clerk.refresh_from_db()
    assert (clerk.email, clerk.email_verified, clerk.pending_email) == ("old@example.com", True, "new@example.com")
    assert "new@example.com" in boss_client.get(f"{CHANGELIST}{clerk.pk}/change/").text  # shown as waiting
    assert sorted(mail.to[0] for mail in mailoutbox) == ["new@example.com", "old@example.com"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EMAIL_CHANGED)
    assert (event.user, event.actor) == (clerk, boss)


def test_the_admins_own_password_change_is_the_sites(boss_client):
    response = boss_client.get("/admin/password_change/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == "/accounts/password/change/"


def test_a_user_with_an_address_todays_checks_refuse_can_still_be_saved(boss_client):
    demo = UserFactory(username="demo", email="frontdesk@demo.invalid")
    response = boss_client.post(f"{CHANGELIST}{demo.pk}/change/", change_form_data(demo, first_name="Dee"))
    assert response.status_code == HTTPStatus.FOUND
    demo.refresh_from_db()
    assert demo.first_name == "Dee"


def test_the_user_list_shows_groups(superuser_client):
    clerk = UserFactory(username="clerk")
    clerk.groups.add(Group.objects.get(name=FRONT_DESK))
    page = superuser_client.get(CHANGELIST).text
    assert "Groups" in page
    assert "Front desk" in page


def test_the_user_page_hides_the_password_hashs_details(superuser_client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    clerk = UserFactory(username="clerk", password=PASSWORD)
    page = superuser_client.get(f"{CHANGELIST}{clerk.pk}/change/").text
    assert "A password is set." in page
    for detail in ("pbkdf2", "iterations", "salt", "hash:"):
        assert detail not in page.lower()


def test_audit_details_read_as_a_list_not_json(superuser_client, boss_client):
    clerk = UserFactory(username="clerk")
    boss_client.post(f"{CHANGELIST}{clerk.pk}/change/",
                          change_form_data(clerk, groups=[Group.objects.get(name=FRONT_DESK).pk]))  # fmt: skip
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCESS_CHANGED)
    page = superuser_client.get(f"/admin/accounts/auditevent/{event.pk}/change/").text
    assert re.search(r"<strong>added:</strong> Front desk", page)
    assert '{"' not in page
