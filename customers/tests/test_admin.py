from http import HTTPStatus

import pytest
from django.urls import reverse

from core.tests.factories import ServiceItemFactory
from customers.models import Customer, CustomerEvent, EquipmentType
from customers.tests.factories import CustomerFactory, EquipmentFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_customers_found_by_a_phone_in_any_formatting(superuser_client):
    CustomerFactory(name="Mia Wong", phone="555-411-8402")
    CustomerFactory(name="Someone Else")
    page = superuser_client.get(reverse("admin:customers_customer_changelist"), {"q": "+1 555 4118 402"})
    assert page.status_code == HTTPStatus.OK
    assert "Mia Wong" in page.content.decode() and "Someone Else" not in page.content.decode()


def test_the_admin_customer_page_shows_phones_gear_and_history(superuser_client, superuser):
    customer = CustomerFactory(name="Mia Wong", phone="(202) 555-0143")
    EquipmentFactory(owner=customer, serial_number="SP-123")
    CustomerEvent.objects.create(customer=customer, actor=superuser, kind=CustomerEvent.Kind.CREATED)
    page = superuser_client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()
    assert 'value="(202) 555-0143"' in page
    assert "SP-123" in page
    assert "Created" in page


def admin_form(customer, **overrides):
    data = {
        "name": customer.name,
        "email": customer.email,
        "address": "",
        "notes": "",
        "preferred_channel": "email",
        "consent_method": "",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-as_typed": "",
        "phones-0-label": "mobile",
        "phones-0-position": "0",
        "equipment-TOTAL_FORMS": "0",
        "equipment-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_an_admin_edit_renews_search_text_records_history_and_makes_open_forms_stale(superuser_client):
    customer = CustomerFactory(name="Mia Wong", phone=False)
    job = ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer))
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    response = superuser_client.post(url, admin_form(customer, name="Mia Wu", **{"phones-0-as_typed": "202 555 0177"}))
    assert response.status_code == HTTPStatus.FOUND
    customer.refresh_from_db()
    assert customer.version == 2
    assert customer.phones.get().number.as_e164 == "+12025550177"
    assert Customer.objects.search("5550177").get() == customer
    job.refresh_from_db()
    assert "mia wu" in job.search_document
    assert customer.events.filter(kind=CustomerEvent.Kind.EDITED).exists()


@pytest.mark.parametrize(("typed", "message"), [("hello", "not a phone number"), ("(202) 555-0100", "taken by")])
def test_the_admin_refuses_an_unreadable_or_taken_number(superuser_client, typed, message):
    CustomerFactory(phone="202-555-0100")
    customer = CustomerFactory(phone=False)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    response = superuser_client.post(url, admin_form(customer, **{"phones-0-as_typed": typed}))
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not customer.phones.exists()


def test_customers_are_not_deleted_in_the_admin(superuser_client):
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_the_equipment_admin_shows_who_owned_it_when(superuser_client):
    piece = EquipmentFactory(serial_number="SP-123")
    page = superuser_client.get(reverse("admin:customers_equipment_change", args=[piece.pk])).content.decode()
    assert "SP-123" in page
    assert str(piece.owner) in page


def test_managers_keep_the_equipment_types_list(client, manager):
    client.force_login(manager)
    manager.is_staff = True
    manager.save()
    kind = EquipmentType.objects.create(name="Scooter", position=50)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(kind.pk),
        "form-0-active": "",
        "form-0-position": "7",
        "_save": "Save",
    }
    response = client.post(reverse("admin:customers_equipmenttype_changelist") + "?q=Scooter", data)
    assert response.status_code == HTTPStatus.FOUND
    kind.refresh_from_db()
    assert (kind.active, kind.position) == (False, 7)
