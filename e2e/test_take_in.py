"""Taking in for a returning customer, as the counter does it: measured in keystrokes, with and without scripts."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from core.models import ServiceItem
from core.tests.factories import ServiceItemFactory
from customers.tests.factories import CustomerFactory, EquipmentFactory
from e2e.test_journeys import PASSWORD, log_in
from service_center.roles import FRONT_DESK

pytestmark = pytest.mark.django_db(transaction=True)
# Issue 11: a known customer and piece, from the logbook to a saved job, in under 40 keystrokes.
KEYSTROKE_BUDGET = 40


class CountingKeyboard:
    """page.keyboard, counting every key pressed (a character typed is one key; Control+Enter is one stroke)."""

    def __init__(self, keyboard):
        self.keyboard, self.count = keyboard, 0

    def type(self, text):
        self.keyboard.type(text)
        self.count += len(text)

    def press(self, key):
        self.keyboard.press(key)
        self.count += 1


@pytest.fixture
def returning_diver():
    rosa = CustomerFactory(name="Rosa Reyes", phone="+1 555 411 8402", email="rosa@example.com")
    regulator = EquipmentFactory(owner=rosa, brand="Apeks", model="XTX50", serial_number="AP123")
    EquipmentFactory(owner=rosa, brand="Suunto", model="D5", serial_number="SU77")
    ServiceItemFactory(customer=rosa, equipment=regulator, requested_service="Annual service")
    CustomerFactory(name="Rosa Martin", phone="(202) 555-0100")
    return rosa, regulator


def desk_page(live_server, new_page, **context):
    UserFactory(username="desk", password=PASSWORD).groups.add(Group.objects.get(name=FRONT_DESK))
    page = new_page(**context)
    log_in(page, live_server.url, "desk")
    return page


def test_a_returning_customer_is_taken_in_in_under_40_keystrokes(live_server, new_page, inspector, returning_diver):
    rosa, regulator = returning_diver
    page = desk_page(live_server, new_page)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Take in an item").click()
    keys = CountingKeyboard(page.keyboard)
    expect(page.get_by_label("Who is it?")).to_be_focused()
    keys.type("4118402")  # the phone number, as the customer says it
    option = page.get_by_role("option", name=re.compile("Rosa Reyes"))
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    inspector.check(page, "take-in-suggestions", html_from="dom")
    keys.press("Enter")
    expect(page.get_by_label("Requested service or fault")).to_be_focused()
    expect(page.get_by_label(re.compile("Apeks XTX50"))).to_be_checked()  # the piece she brought last time
    inspector.check(page, "take-in-returning")
    keys.type("Free flow at depth")
    keys.press("Control+Enter")
    expect(page.get_by_text("taken in.")).to_be_visible()
    job = ServiceItem.objects.latest("pk")
    assert (job.customer, job.equipment, job.requested_service) == (rosa, regulator, "Free flow at depth")
    assert keys.count < KEYSTROKE_BUDGET, f"{keys.count} keystrokes"
    print(f"\nReturning customer taken in with {keys.count} keystrokes (budget {KEYSTROKE_BUDGET}).")


def test_with_scripts_off_the_search_lists_customers_and_the_form_still_works(
    live_server, new_page, inspector, returning_diver
):
    rosa, _ = returning_diver
    page = desk_page(live_server, new_page, java_script_enabled=False)
    page.goto(live_server.url + "/items/new/")
    page.get_by_label("Who is it?").fill("555-4118")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Rosa Martin")).to_have_count(0)
    page.get_by_role("link", name="Rosa Reyes").click()
    page.get_by_label(re.compile("Suunto D5")).check()
    page.get_by_label("Requested service or fault").fill("Battery swap")
    page.get_by_role("button", name="Take in").click()
    expect(page.get_by_text("taken in.")).to_be_visible()
    job = ServiceItem.objects.latest("pk")
    assert (job.customer, job.equipment.brand, job.requested_service) == (rosa, "Suunto", "Battery swap")
    # The list of customers found, checked (axe needs scripts) in a browser that has them.
    checker = new_page()
    log_in(checker, live_server.url, "desk")
    checker.goto(live_server.url + "/items/new/?who=555-4118")
    expect(checker.get_by_role("link", name="Rosa Reyes")).to_be_visible()
    inspector.check(checker, "take-in-found")
