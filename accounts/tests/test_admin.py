from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from service_center.roles import FRONT_DESK

pytestmark = pytest.mark.django_db
User = get_user_model()
CHANGELIST = "/admin/accounts/user/"


def test_changelist_lists_the_columns_managers_need(superuser_client):
    UserFactory(username="clerk", email="clerk@example.com", first_name="Cleo")
    response = superuser_client.get(CHANGELIST)
    assert response.status_code == HTTPStatus.OK
    for column in ("Username", "Email address", "First name", "Staff status", "Active", "Date joined", "Last login"):
        assert column in response.text
    assert "clerk@example.com" in response.text


@pytest.mark.parametrize("term", ["clerk", "CLERK@EXAMPLE", "Cleo", "Counter"])
def test_changelist_searches_username_email_and_name(superuser_client, term):
    UserFactory(username="clerk", email="clerk@example.com", first_name="Cleo", last_name="Counter")
    UserFactory(username="tech", email="tech@example.com", first_name="Tom", last_name="Wrench")
    response = superuser_client.get(CHANGELIST, {"q": term})
    assert "clerk@example.com" in response.text
    assert "tech@example.com" not in response.text


def test_changelist_filters_by_staff_active_superuser_and_groups(superuser_client):
    group = Group.objects.get(name=FRONT_DESK)  # made by the logbook migration
    clerk = UserFactory(username="clerk")
    clerk.groups.add(group)
    UserFactory(username="idle", is_active=False)
    response = superuser_client.get(CHANGELIST)
    for heading in ("By staff status", "By active", "By superuser status", "By groups"):
        assert heading in response.text
    filtered = superuser_client.get(CHANGELIST, {"groups__id__exact": group.pk})
    assert [user.username for user in filtered.context["cl"].result_list] == ["clerk"]
    inactive = superuser_client.get(CHANGELIST, {"is_active__exact": "0"})
    assert [user.username for user in inactive.context["cl"].result_list] == ["idle"]


def test_add_page_asks_for_the_email(superuser_client):
    response = superuser_client.get(f"{CHANGELIST}add/")
    assert response.status_code == HTTPStatus.OK
    assert 'name="email"' in response.text


def test_adding_a_user_in_the_admin_requires_an_email(superuser_client):
    data = {
        "username": "newclerk",
        "usable_password": "true",
        "password1": "tide-chart-regulator-42",
        "password2": "tide-chart-regulator-42",
    }
    response = superuser_client.post(f"{CHANGELIST}add/", data)
    assert response.status_code == HTTPStatus.OK
    assert not User.objects.filter(username="newclerk").exists()
    response = superuser_client.post(f"{CHANGELIST}add/", {**data, "email": "newclerk@example.com"})
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(username="newclerk").email == "newclerk@example.com"


def test_adding_a_user_with_an_email_taken_in_other_case_is_refused(superuser_client):
    UserFactory(email="taken@example.com")
    data = {
        "username": "newclerk",
        "email": "TAKEN@example.com",
        "usable_password": "true",
        "password1": "tide-chart-regulator-42",
        "password2": "tide-chart-regulator-42",
    }
    response = superuser_client.post(f"{CHANGELIST}add/", data)
    assert response.status_code == HTTPStatus.OK
    assert "A user with that email address already exists." in response.text


def test_change_page_loads(superuser_client):
    clerk = UserFactory(username="clerk")
    response = superuser_client.get(f"{CHANGELIST}{clerk.pk}/change/")
    assert response.status_code == HTTPStatus.OK
    assert 'value="clerk"' in response.text


def test_deactivate_and_activate_actions(superuser_client):
    first, second = UserFactory(), UserFactory()
    selected = [first.pk, second.pk]
    response = superuser_client.post(
        CHANGELIST, {"action": "deactivate_users", "_selected_action": selected}, follow=True
    )
    assert "2 users were deactivated." in response.text
    assert not User.objects.filter(pk__in=selected, is_active=True).exists()
    response = superuser_client.post(
        CHANGELIST, {"action": "activate_users", "_selected_action": [first.pk]}, follow=True
    )
    assert "1 user was activated." in response.text
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active
    assert not second.is_active


def test_a_manager_cannot_deactivate_their_own_account(superuser_client, superuser):
    response = superuser_client.post(
        CHANGELIST, {"action": "deactivate_users", "_selected_action": [superuser.pk]}, follow=True
    )
    assert "You can’t deactivate your own account." in response.text
    superuser.refresh_from_db()
    assert superuser.is_active


def test_staff_without_user_permissions_cannot_open_the_user_admin(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == HTTPStatus.FORBIDDEN
