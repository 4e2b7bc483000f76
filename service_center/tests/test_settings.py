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


def settings_in_a_fresh_process(*names, **env):
    """The values of these settings in a fresh process started with this environment (as run_check)."""
    environment = {**os.environ, "DJANGO_DEBUG": "off", "DJANGO_SECRET_KEY": STRONG_KEY,
                   "DJANGO_ALLOWED_HOSTS": "shop.example.com", "DJANGO_READ_DOT_ENV_FILE": "off", **env}  # fmt: skip
    code = f"from django.conf import settings; print(repr([getattr(settings, n) for n in {list(names)!r}]))"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=settings.BASE_DIR,
                            env=environment, capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 (our own repr of plain values)


def test_production_cookies_carry_the_host_prefix_and_its_conditions():
    names = settings_in_a_fresh_process(
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN", "SESSION_COOKIE_PATH", "CSRF_COOKIE_PATH",
        DJANGO_ENV="production",
    )  # fmt: skip
    assert names == ["__Host-sessionid", "__Host-csrftoken", True, True, None, None, "/", "/"]


def test_development_cookies_keep_their_plain_names():
    names = settings_in_a_fresh_process("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", DJANGO_DEBUG="on")
    assert names == ["sessionid", "csrftoken"]


@pytest.mark.parametrize(
    ("url", "folder"), [("filemail:///srv/shop-mail", "/srv/shop-mail"), ("filemail://mail", "{base}/mail")]
)
def test_filemail_keeps_an_absolute_folder_absolute(url, folder):
    [path] = settings_in_a_fresh_process("EMAIL_FILE_PATH", EMAIL_URL=url)
    assert path == folder.format(base=settings.BASE_DIR)
