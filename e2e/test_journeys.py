"""What staff do all day, in a real browser, finding things by their accessible names as a person would."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.models import ServiceItem, Status
from service_center.roles import FRONT_DESK, MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "tide-chart-regulator-42"


def log_in(page, base, username, password=PASSWORD, remember=False):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()


def test_from_registration_to_a_released_item(live_server, new_page, inspector):
    base = live_server.url
    manager = UserFactory(username="boss", is_staff=True, password=PASSWORD)
    manager.groups.add(Group.objects.get(name=MANAGERS))

    # A new member of staff registers with an address, opens the mailed link, chooses a username and password,
    # is logged in, logs out, then logs in with "Remember me".
    clerk = new_page()
    clerk.goto(base + "/")
    inspector.check(clerk, "home-anonymous")
    clerk.get_by_role("link", name="Register").first.click()
    inspector.check(clerk, "register")
    clerk.get_by_label("Email address").fill("mara@example.com")
    clerk.get_by_role("button", name="Send me the link").click()
    expect(clerk.get_by_role("heading", name="Check your mail")).to_be_visible()
    inspector.check(clerk, "register-sent")
    clerk.goto(re.search(r"http://\S+", mail.outbox[-1].body).group(0))
    inspector.check(clerk, "sign-up")
    clerk.get_by_label("Username").fill("mara")
    clerk.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    clerk.get_by_label("Password confirmation").fill(PASSWORD)
    clerk.get_by_role("button", name="Create my account").click()
    expect(clerk.get_by_text("Welcome, mara: your account is ready and you are logged in.")).to_be_visible()
    expect(clerk.get_by_text("a manager must grant you access")).to_be_visible()
    assert "New registration" in mail.outbox[-1].subject and mail.outbox[-1].to == [manager.email]
    inspector.check(clerk, "home-no-access")
    log_out(clerk)
    log_in(clerk, base, "mara@example.com", remember=True)
    clerk.get_by_role("link", name="mara").click()
    inspector.check(clerk, "profile")
    session = next(cookie for cookie in clerk.context.cookies() if cookie["name"] == "sessionid")
    assert session["expires"] > 0  # remembered: the cookie outlives the browser

    # A manager grants access in the admin (its JavaScript works under the Content-Security-Policy).
    admin = new_page()
    log_in(admin, base, "boss")
    admin.goto(base + "/admin/")
    inspector.check(admin, "admin-index")
    admin.get_by_role("link", name="Users").click()
    admin.get_by_role("link", name="mara").click()
    # Django's own change form has known axe and vnu findings (its help tooltips and disabled <div>s), which
    # are Django's to fix; here the test holds it to the Content-Security-Policy (no violation in the console).
    admin.get_by_role("listbox", name="Available groups").select_option(label=FRONT_DESK)
    admin.get_by_role("button", name="Choose selected groups").click()
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_text("was changed successfully")).to_be_visible()
    assert User.objects.get(username="mara").groups.filter(name=FRONT_DESK).exists()

    # The clerk takes an item in.
    clerk.goto(base + "/")
    inspector.check(clerk, "logbook-empty")
    clerk.get_by_role("link", name="Take in an item").click()
    inspector.check(clerk, "take-in")
    clerk.get_by_label("Phone", exact=True).fill("(202) 555-0143")
    clerk.get_by_label("Name", exact=True).fill("Rosa Reyes")
    clerk.get_by_label("Type", exact=True).select_option(label="Regulator")
    clerk.get_by_label("Brand").fill("Apeks")
    clerk.get_by_label("Serial number").fill("007AB123")
    clerk.get_by_label("Requested service or fault").fill("Annual service")
    clerk.get_by_role("button", name="Take in").click()
    item = ServiceItem.objects.get()
    expect(clerk.get_by_text(f"Item {item.control_number} taken in.")).to_be_visible()
    inspector.check(clerk, "item")

    # The claim slip.
    clerk.get_by_role("link", name="Print claim slip").click()
    expect(clerk.get_by_text(item.control_number, exact=True).first).to_be_visible()  # the customer's copy
    expect(clerk.get_by_text("007AB123", exact=True).first).to_be_visible()
    inspector.check(clerk, "claim-slip")
    clerk.emulate_media(media="print")
    clerk.screenshot(path=str(inspector_path("claim-slip-print.png")))
    clerk.emulate_media(media="screen")
    clerk.get_by_role("link", name=f"Back to {item.control_number}").click()

    # A detail fixed on the edit page.
    clerk.get_by_role("link", name="Edit").click()
    inspector.check(clerk, "edit")
    clerk.get_by_label("Accessories left with the item").fill("Hose, gauge")
    clerk.get_by_role("button", name="Save changes").click()
    expect(clerk.get_by_text("“(empty)” → “Hose, gauge”")).to_be_visible()

    # Through the workflow to released.
    for status in ("Diagnosing", "In repair", "Ready for pickup", "Released"):
        clerk.get_by_label("New status").select_option(label=status)
        clerk.get_by_role("button", name="Change status").click()
        expect(clerk.get_by_text(f"{item.control_number} is now “{status}”.")).to_be_visible()
    item.refresh_from_db()
    assert item.status == Status.RELEASED
    expect(clerk.get_by_text("only notes can be added")).to_be_visible()

    # Search finds it.
    clerk.get_by_role("link", name="Home").click()
    clerk.get_by_label(re.compile(r"^Search\W*$")).fill("reyes")
    clerk.get_by_role("button", name="Search").click()
    expect(clerk.get_by_role("link", name=item.control_number)).to_be_visible()
    inspector.check(clerk, "logbook-search")
    log_out(clerk)


def inspector_path(name):
    from e2e.conftest import ARTIFACTS

    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def front_desk_at_take_in(live_server, new_page):
    """A browser logged in as a member of the front desk, on the take-in form."""
    UserFactory(username="desk", password=PASSWORD).groups.add(Group.objects.get(name=FRONT_DESK))
    page = new_page()
    log_in(page, live_server.url, "desk")
    page.goto(live_server.url + "/items/new/")
    return page


def test_the_take_in_form_works_from_the_keyboard_alone(live_server, new_page, inspector):
    page = front_desk_at_take_in(live_server, new_page)
    expect(page.get_by_label("Who is it?")).to_be_focused()
    keyboard = page.keyboard
    # Nobody known: Tab leaves the search (past its button) for the new customer's fields, in reading order.
    keyboard.press("Tab")
    keyboard.press("Tab")
    for value in ("+1 202 555 0101", "Ann Lee", "ann@example.com"):
        keyboard.type(value)
        keyboard.press("Tab")
    keyboard.press("Space")  # consent
    keyboard.press("Tab")
    keyboard.type("Dive")  # picks "Dive computer" from the list
    keyboard.press("Tab")
    for value in ("Shearwater", "Perdix 2", "00SN42"):
        keyboard.type(value)
        keyboard.press("Tab")
    keyboard.type("Does not power on")
    keyboard.press("Control+Enter")
    expect(page.get_by_text("taken in.")).to_be_visible()
    item = ServiceItem.objects.select_related("customer", "equipment__kind").get()
    assert (item.customer.name, item.customer.email, item.customer.consent) == ("Ann Lee", "ann@example.com", True)
    assert (item.equipment.kind.name, item.equipment.brand, item.serial_number) == (
        "Dive computer",
        "Shearwater",
        "00SN42",
    )


def test_a_refused_form_announces_its_errors_and_focuses_the_first(live_server, new_page, inspector):
    page = front_desk_at_take_in(live_server, new_page)
    page.get_by_label("Phone", exact=True).fill("call me")
    page.get_by_role("button", name="Take in").click()
    phone = page.get_by_label("Phone", exact=True)
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    described = phone.get_attribute("aria-describedby")
    expect(page.locator(f"#{described.split()[0]}")).to_have_text(re.compile("doesn’t read as a phone number"))
    inspector.check(page, "take-in-errors")


def test_password_reset_through_the_mailed_link(live_server, new_page, inspector):
    base = live_server.url
    UserFactory(username="rita", email="rita@example.com", email_verified=True, password=PASSWORD)
    page = new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    inspector.check(page, "password-reset")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    inspector.check(page, "password-reset-confirm")
    page.get_by_label(re.compile(r"^New password\W*$")).fill("a-brand-new-passphrase-9")
    page.get_by_label("New password confirmation").fill("a-brand-new-passphrase-9")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
    log_in(page, base, "rita", password="a-brand-new-passphrase-9")
    expect(page.get_by_text("Hi, ")).to_be_visible()


def test_too_many_wrong_passwords_show_when_to_try_again(live_server, new_page, inspector):
    base = live_server.url
    UserFactory(username="ann", password=PASSWORD)
    page = new_page()
    for _ in range(5):
        log_in(page, base, "ann", password="not the password")
        expect(page.get_by_text("Please enter a correct username or email and password.")).to_be_visible()
    log_in(page, base, "ann")
    expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    expect(page.get_by_text("Please try again in 5 minutes.")).to_be_visible()


def test_an_expired_form_explains_itself(live_server, new_page, inspector):
    base = live_server.url
    UserFactory(username="ann", password=PASSWORD)
    page = new_page()
    page.goto(base + "/accounts/login/")
    page.context.clear_cookies()  # as if the session had ended in another tab
    page.get_by_label("Username or email").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    inspector.check(page, "csrf-failure", html_from="dom")


def test_an_unknown_address_shows_the_404_page(live_server, new_page, inspector):
    page = new_page()
    response = page.goto(live_server.url + "/no/such/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    inspector.check(page, "not-found")


def test_a_new_email_address_waits_until_its_link_is_opened(live_server, new_page, inspector):
    """P10: the account keeps its address until the new one is proved; the profile shows the one waiting."""
    base = live_server.url
    UserFactory(username="rita", email="rita@example.com", email_verified=True, password=PASSWORD)
    page = new_page()
    log_in(page, base, "rita")
    page.goto(base + "/accounts/profile/")
    page.get_by_role("link", name="Change email address").click()
    page.get_by_label("New email address").fill("rita.new@example.com")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Change email address").click()
    expect(page.get_by_text("Your email address stays rita@example.com until you confirm")).to_be_visible()
    expect(page.get_by_text("New address waiting for confirmation: rita.new@example.com")).to_be_visible()
    inspector.check(page, "profile-email-waiting")
    assert User.objects.get(username="rita").email == "rita@example.com"
    link = re.search(r"http://\S+", next(m for m in mail.outbox if m.to == ["rita.new@example.com"]).body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("Thank you: your email address is confirmed.")).to_be_visible()
    expect(page.get_by_text("New address waiting")).to_have_count(0)
    assert User.objects.get(username="rita").email == "rita.new@example.com"
