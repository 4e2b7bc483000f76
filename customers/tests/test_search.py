"""The customer search finds what the counter types: every form of a phone number, names, emails, gear, jobs.

These run on SQLite here and on PostgreSQL in CI (the same queries: `contains` on the search documents)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from core.tests.factories import ServiceItemFactory
from customers.models import Customer
from customers.tests.factories import CustomerFactory, EquipmentFactory, equipment_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def diver():
    customer = CustomerFactory(name="María-José Okafor", email="mj.okafor@example.com", phone="555-411-8402")
    EquipmentFactory(owner=customer, kind=equipment_type("Dive computer"), brand="Shearwater", model="Perdix",
                     serial_number="SW00417")  # fmt: skip
    customer.refresh_search_document()
    CustomerFactory(name="Someone Else", email="else@example.com", phone="(202) 555-0100")
    return customer


@pytest.mark.parametrize(
    "typed",
    [
        "4118402",  # the end of the number
        "+1 555 4118 402",  # international, spaced any way
        "555-4118",  # the start, with a dash
        "(555) 411-8402",
        "15554118402",
        "555.411.8402",
    ],
)
def test_a_phone_number_is_found_in_any_formatting_or_in_part(diver, typed):
    assert list(Customer.objects.search(typed)) == [diver]


@pytest.mark.parametrize(
    "typed",
    [
        "okafor",
        "MARÍA",
        "maría-josé okafor",
        "mj.okafor@example.com",
        "sw00417",
        "Shearwater",
        "perdix",
        "dive computer",
    ],
)
def test_a_name_email_or_piece_of_gear_finds_the_customer(diver, typed):
    assert list(Customer.objects.search(typed)) == [diver]


def test_a_jobs_control_number_or_fault_words_find_the_customer(diver):
    job = ServiceItemFactory(
        customer=diver, equipment=diver.equipment.get(), requested_service="Battery drains overnight"
    )
    assert list(Customer.objects.search(job.control_number)) == [diver]
    assert list(Customer.objects.search("drains overnight")) == [diver]


def test_every_word_must_match(diver):
    assert not Customer.objects.search("okafor shearwater nothing").exists()
    assert list(Customer.objects.search("okafor shearwater")) == [diver]


@pytest.mark.parametrize("typed", ["%", "_", "' OR 1=1 --", "okafor%"])
def test_wildcards_and_sql_looking_text_are_plain_text(diver, typed):
    assert diver not in Customer.objects.search(typed)


def test_a_nul_byte_in_the_search_is_refused_before_the_search(tech_client, diver):
    response = tech_client.get(reverse("customers:customer-list"), {"q": "okafor\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_the_list_page_and_the_suggestions_find_the_same_phone_forms(tech_client, diver):
    for typed in ("4118402", "+1 555 4118 402", "555-4118"):
        page = tech_client.get(reverse("customers:customer-list"), {"q": typed}).content.decode()
        assert "María-José Okafor" in page and "Someone Else" not in page
        suggested = tech_client.get(reverse("customers:suggest"), {"q": typed}).json()["customers"]
        assert [found["id"] for found in suggested] == [diver.pk]
