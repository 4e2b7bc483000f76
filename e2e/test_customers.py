"""The customer pages in a real browser: the list's search finds a number typed another way, the customer's page
shows their gear and jobs, and a manager merges a duplicate after reading the preview."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from core.tests.factories import ServiceItemFactory
from customers.models import Customer
from customers.tests.factories import CustomerFactory, EquipmentFactory, equipment_type
from service_center.roles import MANAGERS

from .test_journeys import PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _customers_permissions(_site):
    # Other transactional tests empty the tables: grant the groups the customers' rights as the migration does.
    importlib.import_module("customers.migrations.0003_search_and_permissions").grant(apps, None)


def test_a_manager_finds_a_customer_by_phone_reads_their_page_and_merges_a_duplicate(live_server, new_page, inspector):
    base = live_server.url
    UserFactory(username="boss", password=PASSWORD).groups.add(Group.objects.get(name=MANAGERS))
    rosa = CustomerFactory(name="Rosa Reyes", email="rosa@example.com", phone="555-411-8402")
    regulator = EquipmentFactory(
        owner=rosa, kind=equipment_type("Regulator"), brand="Apeks", model="XTX50", serial_number="RG1001"
    )
    job = ServiceItemFactory(customer=rosa, equipment=regulator, requested_service="Free-flows at depth")
    duplicate = CustomerFactory(name="Rosa R.", email="", phone="(202) 555-0190")
    ServiceItemFactory(
        customer=duplicate,
        equipment=EquipmentFactory(owner=duplicate, brand="Suunto", model="D5", serial_number="SU55"),
        requested_service="Battery",
    )
    duplicate.refresh_search_document()

    page = new_page()
    log_in(page, base, "boss")
    page.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.get_by_label("Find a customer").fill("+1 555 4118 402")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Rosa Reyes")).to_be_visible()
    expect(page.get_by_role("link", name="Rosa R.", exact=True)).to_have_count(0)
    inspector.check(page, "customers-search")

    page.get_by_role("link", name="Rosa Reyes").click()
    expect(page.get_by_role("heading", name="Rosa Reyes")).to_be_visible()
    expect(page.get_by_role("link", name="555-411-8402")).to_have_attribute("href", "tel:+15554118402")
    expect(page.get_by_text("RG1001")).to_be_visible()
    expect(page.get_by_role("link", name=job.control_number)).to_be_visible()
    expect(page.get_by_role("link", name="Take in another item")).to_have_attribute(
        "href", f"/items/new/?customer={rosa.pk}"
    )
    inspector.check(page, "customer-page")

    page.get_by_role("link", name="Merge…").click()
    page.get_by_label("The other record: name, phone or email").fill("555-0190")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Preview Rosa R.").click()
    preview = page.locator(".merge-preview")
    expect(preview).to_contain_text("1 service item")
    expect(preview).to_contain_text("1 equipment")
    expect(preview).to_contain_text("1 phone number")
    inspector.check(page, "customer-merge-preview")

    page.get_by_role("button", name="Merge Rosa R. into Rosa Reyes").click()
    expect(page.get_by_text("The two records are now one: Rosa Reyes.")).to_be_visible()
    expect(page.get_by_text("SU55")).to_be_visible()
    expect(page.get_by_role("link", name="(202) 555-0190")).to_be_visible()
    expect(page.get_by_text(f"Merged customer #{duplicate.pk}")).to_be_visible()
    inspector.check(page, "customer-page-merged", html_from="dom")
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert rosa.service_items.count() == 2


def test_the_other_customer_pages_pass_the_checks(live_server, new_page, inspector):
    """Each page once, as a manager sees it (axe at both sizes, no CSP violation, valid HTML)."""
    base = live_server.url
    UserFactory(username="boss", password=PASSWORD).groups.add(Group.objects.get(name=MANAGERS))
    rosa = CustomerFactory(name="Rosa Reyes", email="rosa@example.com", phone="555-411-8402")
    piece = EquipmentFactory(owner=rosa, brand="Apeks", model="XTX50", serial_number="RG1001")
    ServiceItemFactory(customer=rosa, equipment=piece)
    CustomerFactory(name="Bea Buyer", phone="(202) 555-0177")
    page = new_page()
    log_in(page, base, "boss")
    pages = {
        "customer-new": "/customers/new/",
        "customer-edit": f"/customers/{rosa.pk}/edit/",
        "equipment-new": f"/customers/{rosa.pk}/equipment/new/",
        "equipment-edit": f"/equipment/{piece.pk}/edit/",
        "equipment-transfer": f"/equipment/{piece.pk}/transfer/?q=Bea",
        "customer-merge-search": f"/customers/{rosa.pk}/merge/?q=Bea",
        "customer-export": f"/customers/{rosa.pk}/export/",
        "customer-erase": f"/customers/{rosa.pk}/erase/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        expect(page.locator("h1")).to_be_visible()
        inspector.check(page, name)
    # A form sent back with its errors is checked too: the messages are tied to their fields.
    page.goto(base + "/customers/new/")
    page.get_by_label("Phone", exact=True).fill("202.555.0177")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This number is taken by")).to_be_visible()
    expect(page.get_by_role("link", name="Bea Buyer")).to_be_visible()
    inspector.check(page, "customer-new-errors", html_from="dom")
