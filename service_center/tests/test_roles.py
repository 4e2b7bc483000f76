"""The staff groups and who counts as staff or as a manager."""

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from service_center.roles import STAFF_GROUPS, is_manager, is_staff_member

pytestmark = pytest.mark.django_db


def test_the_migrations_create_exactly_the_named_groups():
    assert set(Group.objects.values_list("name", flat=True)) == set(STAFF_GROUPS)


def test_every_staff_group_makes_its_members_staff(front_desk, technician, manager):
    assert all(is_staff_member(user) for user in (front_desk, technician, manager))


def test_a_self_registered_account_is_not_staff():
    assert not is_staff_member(UserFactory())


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_admin_users_are_staff(flag):
    assert is_staff_member(UserFactory(**{flag: True}))


def test_asking_is_staff_then_a_permission_costs_the_permission_queries_once(front_desk, django_assert_num_queries):
    with django_assert_num_queries(2):  # the user's own permissions, and their groups'
        assert is_staff_member(front_desk)
        assert front_desk.has_perm("core.view_serviceitem")


def test_managers_and_superusers_are_managers(front_desk, technician, manager):
    assert is_manager(manager)
    assert is_manager(UserFactory(is_superuser=True))
    assert not is_manager(front_desk)
    assert not is_manager(technician)
