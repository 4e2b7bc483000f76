"""The audit trail: what is recorded, who sees it, and what it never holds."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import put_in_group_through_admin
from service_center.roles import FRONT_DESK

pytestmark = pytest.mark.django_db


def kinds():
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def test_login_failure_and_logout_are_recorded_with_the_address(client, user, password):
    client.post(
        "/accounts/login/", {"username": user.username, "password": "wrong guess here"}, REMOTE_ADDR="10.1.2.3"
    )
    client.post("/accounts/login/", {"username": user.username, "password": password}, REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/logout/", REMOTE_ADDR="10.1.2.3")
    assert kinds() == [AuditEvent.Kind.LOGIN_FAILED, AuditEvent.Kind.LOGIN, AuditEvent.Kind.LOGOUT]
    assert set(AuditEvent.objects.values_list("ip", flat=True)) == {"10.1.2.3"}
    assert set(AuditEvent.objects.values_list("username", flat=True)) == {user.username}


def test_the_trail_never_holds_a_password(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": "my secret guess 123"})
    assert "my secret guess 123" not in str(list(AuditEvent.objects.values()))


def test_a_name_that_is_no_account_is_never_kept_as_typed(client, caplog):
    """People type their password into the name field now and then (review, Info)."""
    client.post("/accounts/login/", {"username": "Hunter2-my-password", "password": "x"})
    client.post("/accounts/login/", {"username": "hunter2-MY-password", "password": "y"})
    events = list(AuditEvent.objects.values("username", "detail"))
    assert "hunter2" not in str(events).lower()
    assert "hunter2" not in caplog.text.lower()
    assert events[0]["detail"] == events[1]["detail"]  # the same name, recognisable as the same


def test_group_changes_in_the_admin_are_recorded_with_who_made_them(client, manager):
    clerk = UserFactory(username="newclerk", email="newclerk@example.com")
    put_in_group_through_admin(client, manager, clerk, FRONT_DESK)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCESS_CHANGED)
    assert (event.user, event.actor) == (clerk, manager)
    assert event.detail == {"field": "groups", "added": [FRONT_DESK], "removed": []}


def test_group_permission_changes_are_recorded(superuser_client, superuser):
    desk = Group.objects.get(name=FRONT_DESK)
    kept = list(desk.permissions.exclude(codename="print_slip_serviceitem").values_list("pk", flat=True))
    superuser_client.post(f"/admin/auth/group/{desk.pk}/change/", {"name": FRONT_DESK, "permissions": kept})
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCESS_CHANGED)
    assert event.actor == superuser
    assert event.detail["removed"] == ["Service logbook | service item | Can print claim slips"]


def test_managers_read_the_trail_in_the_admin_but_cannot_change_it(client, manager):
    manager.is_staff = True
    manager.save()
    UserFactory(username="someone")
    Client().post("/accounts/login/", {"username": "someone", "password": "a wrong one here"})
    client.force_login(manager)
    listing = client.get("/admin/accounts/auditevent/")
    assert listing.status_code == HTTPStatus.OK
    assert "someone" in listing.text
    event = AuditEvent.objects.first()
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == HTTPStatus.FORBIDDEN


def test_other_staff_cannot_read_the_trail(client, front_desk):
    front_desk.is_staff = True
    front_desk.save()
    client.force_login(front_desk)
    assert client.get("/admin/accounts/auditevent/").status_code == HTTPStatus.FORBIDDEN
