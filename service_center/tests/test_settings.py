import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

STRONG_KEY = "x8Jq2-Lm9ZpT4vR7sW1nB6cY3hK0dF5gE8aU2iO9pQ4wZ7tN1mX"


def run_check(**env):
    """Run `manage.py check` in a fresh process with these settings in the environment."""
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_with_a_strong_key_and_hosts_start():
    result = run_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "a" * 50, "a" * 60, "change-me"])
def test_debug_off_with_a_missing_or_weak_secret_key_stops_with_one_line(key):
    result = run_check(DJANGO_SECRET_KEY=key)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_off_with_no_allowed_hosts_stops_with_one_line():
    result = run_check(DJANGO_ALLOWED_HOSTS="")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_debug_defaults_to_off_so_a_bare_environment_needs_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment["DJANGO_READ_DOT_ENV_FILE"] = "off"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr


@pytest.mark.django_db
def test_migrations_are_complete():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
