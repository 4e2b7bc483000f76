"""The site as `make serve` runs it: gunicorn, DEBUG off, WhiteNoise, PostgreSQL behind a proxy we can cut.

The proxy stands between the site and PostgreSQL, so the test can take the database away and bring it back
exactly as a restart or a network failure would, and watch the site answer 503 and then recover by itself.
"""

import contextlib
import hashlib
import http.cookiejar
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus

import psycopg
import pytest
from django.conf import settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# One per checkout: test runs of several worktrees on one machine must not drop each other's database.
DB_NAME = "sc_serving_" + hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:10]
PASSWORD = "tide-chart-regulator-42"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """Forwards a local port to PostgreSQL; stop() drops the listener and every open connection."""

    def __init__(self, port, upstream=("127.0.0.1", 5432)):
        self.port, self.upstream = port, upstream
        self.sockets, self.listener, self.running = [], None, False

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.running = False
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets = []

    def _accept(self):
        listener = self.listener
        while self.running:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a, b):
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return


def postgres_available():
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, dict(response.headers), response.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    proxy_port, web_port = free_port(), free_port()
    tmp = tmp_path_factory.mktemp("serving")
    env = {
        **os.environ,
        "DJANGO_READ_DOT_ENV_FILE": "off",
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": "serving-test-" + "k3y" * 20,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_FORMAT": "json",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        # The owner browses the logbook with a password alone here: these tests are about serving, not 2FA.
        "REQUIRE_2FA_FOR_STAFF": "off",
    }
    manage = [sys.executable, "manage.py"]
    commands = [
        ["migrate", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
        ["createsuperuser", "--no-input", "--username", "owner", "--email", "owner@example.com"],
    ]
    for command in commands:
        subprocess.run([*manage, *command], cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    proxy = TcpProxy(proxy_port)
    proxy.start()
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{proxy_port}/{DB_NAME}"
    log = (tmp / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "service_center.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{web_port}", "--workers", "1"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield {"base": base, "proxy": proxy, "log": tmp / "gunicorn.log"}
    server.terminate()
    server.wait(timeout=20)
    proxy.stop()
    log.close()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def log_in(browser):
    _, _, page = browser.request("/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, headers, _ = browser.request(
        "/accounts/login/", {"csrfmiddlewaretoken": token, "username": "owner", "password": PASSWORD}
    )
    assert status == HTTPStatus.FOUND, status


def test_static_files_have_hashed_names_and_far_future_caching(site):
    browser = Browser(site["base"])
    _, _, page = browser.request("/")
    css = (
        re.search(rb'href="(/static/vendor/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    )
    status, headers, body = browser.request(css, headers={"Accept-Encoding": "gzip"})
    assert status == HTTPStatus.OK
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "gzip"


def test_database_outage_answers_503_and_the_site_recovers_by_itself(site):
    browser = Browser(site["base"])
    log_in(browser)
    status, _, page = browser.request("/")
    assert status == HTTPStatus.OK
    assert b"Logbook" in page

    site["proxy"].stop()
    try:
        status, headers, page = browser.request("/")
        assert status == HTTPStatus.SERVICE_UNAVAILABLE
        assert headers["Retry-After"] == "30"
        assert "We’ll be back in a moment".encode() in page
        assert b"Traceback" not in page
        assert browser.request("/healthz")[0] == HTTPStatus.OK
        status, _, body = browser.request("/readyz")
        assert status == HTTPStatus.SERVICE_UNAVAILABLE
        assert "database" in json.loads(body)["problems"]
    finally:
        site["proxy"].start()

    status, _, page = browser.request("/")
    assert status == HTTPStatus.OK
    assert b"Logbook" in page
    assert browser.request("/readyz")[0] == HTTPStatus.OK


def test_log_lines_are_json_with_the_request_id_of_the_response(site):
    browser = Browser(site["base"])
    _, headers, _ = browser.request("/?q=Secret+Customer")
    time.sleep(0.2)
    lines = [json.loads(line) for line in site["log"].read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line["request_id"] == headers["X-Request-ID"]]
    assert mine
    assert mine[0]["logger"] == "service_center.access"
    assert "Secret" not in site["log"].read_text()
