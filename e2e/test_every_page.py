"""Every page of the site as each role sees it, checked by axe-core (WCAG 2.1 AA) at phone and desktop sizes,
with no Content-Security-Policy violation and valid HTML: a manager's pages have buttons a technician's have
not, and a page that only an anonymous visitor sees is checked too. The admin (Django's own pages) is left out.

Also the pages of the flows added for the security review: registration by mailed link, invitations, the
two-factor set-up that staff must go through, the login code step, and the error pages.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import tokens
from accounts.models import Invitation
from accounts.tests.factories import UserFactory
from core.models import Status
from core.tests.factories import ServiceItemFactory
from service_center.roles import FRONT_DESK, MANAGERS, TECHNICIANS

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "tide-chart-regulator-42"


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def logbook(db):
    """An open item, a released one, and one just taken in (a manager may delete it)."""
    received_by = UserFactory(username="counter")
    return {
        "open": ServiceItemFactory(status=Status.IN_REPAIR, received_by=received_by),
        "closed": ServiceItemFactory(status=Status.RELEASED, received_by=received_by),
        "new": ServiceItemFactory(received_by=received_by),
    }


def member(username, group=None, **fields):
    user = UserFactory(username=username, password=PASSWORD, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


PAGES_FOR_EVERYONE_LOGGED_IN = [
    ("home", "/"),
    ("profile", "/accounts/profile/"),
    ("password-change", "/accounts/password/change/"),
    ("email-change", "/accounts/email/change/"),
    ("two-factor", "/accounts/two-factor/"),
]


def staff_pages(items, *, edit, slip, take_in, delete, export=False):
    pages = [
        ("logbook-filtered", "/?q=a&status=in_repair&sort=received"),
        ("item-open", items["open"].get_absolute_url()),
        ("item-closed", items["closed"].get_absolute_url()),
        ("item-new", items["new"].get_absolute_url()),
        ("colleague", "/users/counter/"),
    ]
    if edit:
        pages.append(("item-edit", items["open"].get_absolute_url() + "edit/"))
    if slip:
        pages.append(("item-slip", items["open"].get_absolute_url() + "slip/"))
    if take_in:
        pages.append(("take-in", "/items/new/"))
    if delete:
        pages.append(("item-delete", items["new"].get_absolute_url() + "delete/"))
    return pages


@pytest.mark.parametrize("role", ["registered", "front_desk", "technician", "manager"])
def test_every_page_as_each_role_sees_it(live_server, new_page, inspector, logbook, role):
    base = live_server.url
    group = {"registered": None, "front_desk": FRONT_DESK, "technician": TECHNICIANS, "manager": MANAGERS}[role]
    member(role.replace("_", ""), group, is_staff=role == "manager")
    pages = list(PAGES_FOR_EVERYONE_LOGGED_IN)
    if role == "front_desk":
        pages += staff_pages(logbook, edit=True, slip=True, take_in=True, delete=False)
    elif role == "technician":
        pages += staff_pages(logbook, edit=True, slip=False, take_in=False, delete=False)
    elif role == "manager":
        pages += staff_pages(logbook, edit=True, slip=True, take_in=True, delete=True)
    page = new_page()
    log_in(page, base, role.replace("_", ""))
    for name, path in pages:
        response = page.goto(base + path)
        assert response.status == 200, (role, path, response.status)
        inspector.check(page, f"{role}-{name}")
    if role == "manager":  # the delete button is the one axe 4.14 found too faint
        page.goto(base + logbook["new"].get_absolute_url())
        expect(page.get_by_role("link", name="Delete…")).to_be_visible()
    if role == "registered":  # and the refusals a person without access meets
        assert page.goto(base + "/users/counter/").status == 403
        inspector.check(page, f"{role}-forbidden", html_from="dom")


def test_every_page_an_anonymous_visitor_meets(live_server, new_page, inspector, settings):
    base = live_server.url
    page = new_page()
    boss = member("boss", MANAGERS, is_staff=True)
    invitation = Invitation.objects.create(email="invited@example.com", invited_by=boss)
    anonymous_pages = [
        ("home", "/", 200),
        ("login", "/accounts/login/", 200),
        ("register", "/accounts/register/", 200),
        ("register-sent", "/accounts/register/sent/", 200),
        ("sign-up", f"/accounts/register/{tokens.sign_up_token('new@example.com')}/", 200),
        ("invitation", f"/accounts/invitation/{tokens.invitation_token(invitation)}/", 200),
        ("link-failed", "/accounts/register/not-a-token/", 400),
        ("password-reset", "/accounts/password/reset/", 200),
        ("password-reset-sent", "/accounts/password/reset/sent/", 200),
        ("bad-request", "/?q=%00", 400),
        ("logout-by-get", "/accounts/logout/", 405),
    ]
    for name, path, status in anonymous_pages:
        response = page.goto(base + path)
        assert response.status == status, (path, response.status)
        inspector.check(page, f"anonymous-{name}", html_from="refetch" if status == 200 else "dom")
    settings.REGISTRATION_OPEN = False
    assert page.goto(base + "/accounts/register/").status == 403
    inspector.check(page, "anonymous-registration-closed", html_from="dom")


def test_staff_set_up_two_factor_first_then_log_in_with_a_code(live_server, new_page, inspector, settings):
    """The pages of REQUIRE_2FA_FOR_STAFF (on in production): set-up, recovery codes, and the login code step."""
    settings.REQUIRE_2FA_FOR_STAFF = True
    base = live_server.url
    member("clerk", FRONT_DESK)
    page = new_page()
    log_in(page, base, "clerk")
    expect(page.get_by_text("Staff must turn on two-factor authentication before going on.")).to_be_visible()
    inspector.check(page, "two-factor-required")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_text("Scan this code")).to_be_visible()
    inspector.check(page, "two-factor-set-up")
    device = TOTPDevice.objects.get(user__username="clerk")
    page.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    inspector.check(page, "recovery-codes", html_from="dom")
    code = re.search(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", page.content()).group(0)
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Logbook")).to_be_visible()

    again = new_page()
    log_in(again, base, "clerk")
    expect(again.get_by_label("Code")).to_be_visible()
    inspector.check(again, "login-code")
    again.get_by_label("Code").fill(code)
    again.get_by_role("button", name=re.compile("Log in|Verify|Continue")).click()
    expect(again.get_by_text("You used a recovery code")).to_be_visible()
    assert not mail.outbox or all("code" not in message.body for message in mail.outbox)
