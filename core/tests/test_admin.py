from http import HTTPStatus

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import put_in_group_through_admin
from core.models import ServiceEvent
from core.tests.factories import ServiceItemFactory
from service_center.roles import FRONT_DESK

pytestmark = pytest.mark.django_db


def test_item_changelist_searches_and_filters(superuser_client):
    ServiceItemFactory(customer_name="Rosa Reyes")
    ServiceItemFactory(customer_name="Other Person")
    response = superuser_client.get("/admin/core/serviceitem/", {"q": "reyes"})
    assert response.status_code == HTTPStatus.OK
    assert "Rosa Reyes" in response.text
    assert "Other Person" not in response.text
    assert "By status" in response.text


def test_item_admin_shows_history_read_only(superuser_client):
    item = ServiceItemFactory()
    ServiceEvent.objects.create(item=item, kind=ServiceEvent.Kind.NOTE, note="Seen in admin")
    response = superuser_client.get(f"/admin/core/serviceitem/{item.pk}/change/")
    assert response.status_code == HTTPStatus.OK
    assert "Seen in admin" in response.text
    assert 'name="customer_name"' not in response.text  # read-only: changes go through the logbook pages


def test_item_admin_cannot_add_or_delete(superuser_client):
    item = ServiceItemFactory()
    assert superuser_client.get("/admin/core/serviceitem/add/").status_code == HTTPStatus.FORBIDDEN
    assert superuser_client.get(f"/admin/core/serviceitem/{item.pk}/delete/").status_code == HTTPStatus.FORBIDDEN


def test_manager_can_grant_access_but_not_superuser_rights(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    clerk = UserFactory()
    page = client.get(f"/admin/accounts/user/{clerk.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert 'name="groups"' in page.text
    assert 'name="is_superuser"' not in page.text
    boss = UserFactory(is_superuser=True, is_staff=True)
    assert client.get(f"/admin/accounts/user/{boss.pk}/password/").status_code == HTTPStatus.FORBIDDEN


def test_manager_puts_a_new_user_in_the_front_desk_group_and_they_see_the_logbook(client, manager):
    clerk = UserFactory(username="newclerk", email="newclerk@example.com")
    response = put_in_group_through_admin(client, manager, clerk, FRONT_DESK)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert not clerk.is_superuser
    client.force_login(clerk)
    assert "Take in an item" in client.get("/").text
