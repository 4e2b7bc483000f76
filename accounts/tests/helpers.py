"""Test helpers that drive accounts' pages as a person would."""

from django.contrib.auth.models import Group
from django.test import TestCase


def put_in_group_through_admin(client, manager, user, group_name):
    """A manager (made staff) opens `user` in the admin and saves it with this one group ticked."""
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "groups": [Group.objects.get(name=group_name).pk],
        },
    )


def committing():
    """Runs what the requests inside queued for after their commit (mails), as the real commit would.

    A test runs in one transaction that never commits, so `transaction.on_commit` callbacks wait; this runs them
    when the block ends: `with committing(): client.post(...)`.
    """
    return TestCase.captureOnCommitCallbacks(execute=True)
