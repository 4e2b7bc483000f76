import datetime

import pytest
from django.utils import timezone

from customers.forms import CustomerForm, CustomerSearchForm, EquipmentForm, PickCustomerForm
from customers.models import Customer, EquipmentType
from customers.tests.factories import CustomerFactory, EquipmentFactory, equipment_type

pytestmark = pytest.mark.django_db


def customer_form(data=None, instance=None, user=None):
    base = {"name": "Ana Diaz", "phone_1": "", "email": "", "preferred_channel": "email"}
    return CustomerForm({**base, **(data or {})}, instance=instance, user=user)


def test_phones_are_read_in_the_shops_region_and_kept_as_typed():
    form = customer_form({"phone_1": "  (202)  555-0101 ", "phone_3": "+44 20 7946 0958"})
    assert form.is_valid(), form.errors
    assert form.phones == ["(202) 555-0101", "+44 20 7946 0958"]


def test_an_email_is_checked_and_normalised():
    form = customer_form({"email": "Ana@Example.COM"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "Ana@example.com"
    assert not customer_form({"email": "ana@@example.com"}).is_valid()


def test_consent_on_without_a_method_means_at_the_counter_and_off_clears_it():
    on = customer_form({"consent": "on"})
    assert on.is_valid() and on.cleaned_data["consent_method"] == "counter"
    off = customer_form({"consent_method": "email"})
    assert off.is_valid() and off.cleaned_data["consent_method"] == ""


def test_a_taken_number_links_to_its_owner_only_for_those_who_may_see_customers(technician, user):
    owner = CustomerFactory(name="Mia Wong", phone="202-555-0101")
    for viewer, link in ((technician, True), (user, False)):
        form = customer_form({"phone_1": "2025550101"}, user=viewer)
        assert not form.is_valid()
        error = form.errors["phone_1"][0]
        assert ("Mia Wong" in error) is link
        assert (owner.get_absolute_url() in error) is link


def test_a_taken_numbers_owner_name_is_escaped(technician):
    CustomerFactory(name="<b>Bold</b>", phone="202-555-0101")
    form = customer_form({"phone_1": "2025550101"}, user=technician)
    form.is_valid()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in form.errors["phone_1"][0]


def test_an_edit_form_needs_its_version_and_a_new_one_does_not():
    assert customer_form().is_valid()
    form = customer_form(instance=CustomerFactory())
    assert not form.is_valid() and "version" in form.errors


def test_the_search_form_limits_its_length():
    assert not CustomerSearchForm({"q": "x" * 101}).is_valid()
    assert CustomerSearchForm({"q": "x" * 100}).is_valid()


def test_the_equipment_form_offers_active_types_and_the_pieces_own():
    retired = EquipmentType.objects.create(name="Snorkel", active=False)
    piece = EquipmentFactory(kind=retired)
    assert retired not in EquipmentForm().fields["kind"].queryset
    assert retired in EquipmentForm(instance=piece).fields["kind"].queryset


def test_a_purchase_date_today_is_fine_tomorrow_is_not():
    data = {"kind": equipment_type().pk, "brand": "Apeks", "model": "", "serial_number": "", "notes": ""}
    today = timezone.localdate()
    assert EquipmentForm({**data, "purchased_on": today.isoformat()}).is_valid()
    tomorrow = EquipmentForm({**data, "purchased_on": (today + datetime.timedelta(days=1)).isoformat()})
    assert "purchased_on" in tomorrow.errors


def test_a_piece_keeps_its_own_serial_on_edit():
    piece = EquipmentFactory(brand="Apeks", serial_number="AP-1")
    data = {"kind": piece.kind.pk, "brand": "apeks", "model": "", "serial_number": "ap-1", "notes": ""}
    assert EquipmentForm(data, instance=piece).is_valid()


def test_picking_the_customer_itself_or_an_erased_one_is_refused():
    customer = CustomerFactory()
    erased = CustomerFactory(erased_at=timezone.now())
    assert "Pick another customer" in PickCustomerForm({"other": customer.pk}, exclude=customer).errors["other"][0]
    assert "no longer exists" in PickCustomerForm({"other": erased.pk}, exclude=customer).errors["other"][0]
    assert PickCustomerForm({"other": CustomerFactory().pk}, exclude=customer).is_valid()
    assert Customer.objects.count() == 3
