import importlib

import pytest
from django.apps import apps


def make_templates_and_grants():
    """What the notifications data migration makes; transactional tests empty the tables, so they make it again."""
    importlib.import_module("core.migrations.0002_staff_groups").create_groups(apps, None)
    migration = importlib.import_module("notifications.migrations.0002_default_templates_and_permissions")
    migration.create_templates(apps, None)
    migration.grant_permissions(apps, None)


@pytest.fixture
def message_templates(db):
    make_templates_and_grants()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run `action()` and the deliveries it queues on commit (tasks run at once in tests)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
