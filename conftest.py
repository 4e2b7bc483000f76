"""Fixtures shared by every app's tests: users, each kind of staff, and clients logged in as them."""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory, staff_user
from service_center.roles import FRONT_DESK, MANAGERS, TECHNICIANS


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Argon2id at production strength would cost tens of milliseconds per hash; tests hash thousands.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_not_required(settings) -> None:
    # On by default for staff (settings.py); the clients logged in as staff below would otherwise all be sent to
    # the two-factor set-up first. The tests of that requirement turn it on again.
    settings.REQUIRE_2FA_FOR_STAFF = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # With Redis the cache outlives a test; nothing one test counts or caches may leak into the next.
    yield
    cache.clear()


def pytest_collection_modifyitems(config, items):
    """Every transactional test puts back the data the migrations made (groups, permissions, equipment types) when
    it ends, so that the tests after it find them whatever ran before (Django's serialized rollback).

    Tests marked `redis` need REDIS_URL (CI's PostgreSQL + Redis run has it): without it they are left out of
    the run (deselected, never skipped), so that `make test` works on a machine without Redis."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True), append=False
            )
    if os.environ.get("REDIS_URL"):
        return
    kept = [item for item in items if "redis" not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if "redis" in item.keywords])
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every test must run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter and reporter.stats.get("skipped") and session.exitstatus == 0:
        reporter.write_line("CI: skipped tests count as failures here.", red=True)
        session.exitstatus = 1


# Users ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return "correct horse battery staple"


@pytest.fixture
def user(db, password: str) -> User:
    """A self-registered account: no group, no permission."""
    return UserFactory(password=password)


@pytest.fixture
def front_desk(db) -> User:
    return staff_user(FRONT_DESK, username="desk")


@pytest.fixture
def technician(db) -> User:
    return staff_user(TECHNICIANS, username="tech")


@pytest.fixture
def manager(db) -> User:
    return staff_user(MANAGERS, username="boss")


@pytest.fixture
def superuser(db) -> User:
    """An administrator with every right (pytest-django's admin_user is left as it is)."""
    return UserFactory(is_staff=True, is_superuser=True)


# Clients logged in as them -------------------------------------------------------------------------------------


def logged_in_client(user_fixture: str):
    """A fixture: pytest-django's client, logged in as the user that `user_fixture` gives."""

    @pytest.fixture
    def fixture(client: Client, request: pytest.FixtureRequest) -> Client:
        client.force_login(request.getfixturevalue(user_fixture))
        return client

    return fixture


user_client = logged_in_client("user")
desk_client = logged_in_client("front_desk")
tech_client = logged_in_client("technician")
manager_client = logged_in_client("manager")
superuser_client = logged_in_client("superuser")


@pytest.fixture
def error_page_client(user: User) -> Client:
    """Logged in, and answered with the 500 or 503 page a browser would get, not the view's exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Queued tasks run as soon as they are queued (after commit), so a test sees their effect directly; the
    # tests of the worker itself switch to the database queue (run_worker below).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def run_worker(settings):
    """Use the real database queue; calling the fixture runs a worker until the due tasks are done.

    Needs a transactional test (@pytest.mark.django_db(transaction=True)): the worker commits as it goes.
    """
    import signal

    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    def run():
        # The worker installs its own signal handlers; the test run keeps pytest's.
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run
