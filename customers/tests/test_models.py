import pytest
from django.db import IntegrityError

from customers.models import Equipment
from customers.tests.factories import CustomerFactory, EquipmentFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_a_phone_number_is_stored_normalised_and_shown_as_typed():
    phone = PhoneFactory(as_typed="(202) 555-0143")
    phone.refresh_from_db()
    assert phone.number.as_e164 == "+12025550143"
    assert str(phone) == "(202) 555-0143"


def test_the_same_number_in_another_formatting_cannot_belong_to_a_second_customer():
    PhoneFactory(as_typed="(202) 555-0143")
    with pytest.raises(IntegrityError):
        PhoneFactory(as_typed="+1 202 555 0143")


def test_a_serial_number_identifies_one_piece_whatever_its_letter_case():
    EquipmentFactory(brand="Apeks", serial_number="ab123")
    with pytest.raises(IntegrityError):
        EquipmentFactory(brand="APEKS", serial_number="AB123")


def test_pieces_without_a_serial_number_are_not_confused():
    customer = CustomerFactory()
    EquipmentFactory(owner=customer, serial_number="")
    EquipmentFactory(owner=customer, serial_number="")
    assert Equipment.objects.filter(owner=customer).count() == 2


def test_the_customers_migration_offers_dive_gear_types():
    from customers.models import EquipmentType

    names = set(EquipmentType.objects.values_list("name", flat=True))
    assert {"Regulator", "BCD", "Dive computer", "Cylinder", "Drysuit"} <= names
