"""Fixtures shared by every app's tests."""

import os

import pytest
from django.core.cache import cache

from accounts.tests.factories import UserFactory
from core.tests.factories import staff_user
from service_center.roles import FRONT_DESK, MANAGERS, TECHNICIANS


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2id at production strength would cost tens of milliseconds per hash; tests hash thousands.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # With Redis the cache outlives a test; nothing one test counts or caches may leak into the next.
    yield
    cache.clear()


@pytest.fixture
def password():
    return "correct horse battery staple"


@pytest.fixture
def user(db, password):
    return UserFactory(password=password)


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every test must run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter and reporter.stats.get("skipped") and session.exitstatus == 0:
        reporter.write_line("CI: skipped tests count as failures here.", red=True)
        session.exitstatus = 1


@pytest.fixture
def front_desk(db):
    return staff_user(FRONT_DESK, username="desk")


@pytest.fixture
def technician(db):
    return staff_user(TECHNICIANS, username="tech")


@pytest.fixture
def manager(db):
    return staff_user(MANAGERS, username="boss")
