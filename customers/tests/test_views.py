import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from core.tests.factories import ServiceItemFactory
from customers.models import Customer, CustomerEvent, CustomerPhone, Equipment, Ownership
from customers.tests.factories import (
    CustomerFactory,
    EquipmentFactory,
    PhoneFactory,
    equipment_type,
)

pytestmark = pytest.mark.django_db


# Who may open what ----------------------------------------------------------------------------------------------

# (URL name, what the pk is of, a client allowed, a logged-in client refused)
PAGES = [
    ("customers:customer-list", None, "tech_client", "user_client"),
    ("customers:customer-create", None, "desk_client", "tech_client"),
    ("customers:customer-detail", "customer", "tech_client", "user_client"),
    ("customers:customer-update", "customer", "desk_client", "tech_client"),
    ("customers:equipment-create", "customer", "desk_client", "tech_client"),
    ("customers:equipment-update", "piece", "tech_client", "user_client"),
    ("customers:equipment-transfer", "piece", "desk_client", "user_client"),
    ("customers:customer-merge", "customer", "manager_client", "desk_client"),
    ("customers:customer-export", "customer", "manager_client", "desk_client"),
    ("customers:customer-export-json", "customer", "manager_client", "desk_client"),
    ("customers:customer-erase", "customer", "manager_client", "desk_client"),
]


def page_url(name, of):
    if of is None:
        return reverse(name)
    piece = EquipmentFactory()
    return reverse(name, kwargs={"pk": piece.pk if of == "piece" else piece.owner.pk})


@pytest.mark.parametrize(("name", "of", "allowed", "refused"), PAGES)
def test_each_page_opens_for_its_role_and_refuses_others(request, client, name, of, allowed, refused):
    url = page_url(name, of)
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("accounts:login"))
    assert request.getfixturevalue(refused).get(url).status_code == HTTPStatus.FORBIDDEN
    assert request.getfixturevalue(allowed).get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize(("name", "of", "allowed", "refused"), [page for page in PAGES if page[1]])
def test_an_id_that_does_not_exist_is_404(request, name, of, allowed, refused):
    client = request.getfixturevalue(allowed)
    for pk in (999999, 10**30):
        assert client.get(reverse(name, kwargs={"pk": pk})).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    "name",
    [
        "customers:customer-update",
        "customers:equipment-create",
        "customers:customer-merge",
        "customers:customer-erase",
    ],
)
def test_a_refused_post_changes_nothing(tech_client, name):
    customer = CustomerFactory(name="Ana Diaz")
    response = tech_client.post(reverse(name, kwargs={"pk": customer.pk}), {"name": "Changed", "version": 1})
    assert response.status_code == HTTPStatus.FORBIDDEN
    customer.refresh_from_db()
    assert customer.name == "Ana Diaz"
    assert not customer.equipment.exists()


def test_the_nav_shows_customers_to_those_who_may_see_them(client, technician, user):
    link = f'href="{reverse("customers:customer-list")}"'
    client.force_login(technician)
    assert link in client.get(reverse("core:index")).content.decode()
    client.force_login(user)
    assert link not in client.get(reverse("core:index")).content.decode()


# The list -------------------------------------------------------------------------------------------------------


def test_the_list_shows_each_customers_phones_email_jobs_and_last_visit(tech_client):
    customer = CustomerFactory(name="Mia Wong", email="mia@example.com", phone="(202) 555-0143")
    ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer))
    last = ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer))
    page = tech_client.get(reverse("customers:customer-list")).content.decode()
    assert "Mia Wong" in page
    assert "(202) 555-0143" in page
    assert "mia@example.com" in page
    row = page[page.index("Mia Wong") :]
    assert '<td data-label="Jobs" class="text-end">2</td>' in row
    assert last.received_at.strftime("%Y-%m-%d") in row


def test_the_list_search_finds_a_phone_typed_another_way(tech_client):
    CustomerFactory(name="Mia Wong", phone="+1 555 411 8402")
    CustomerFactory(name="Other Person")
    page = tech_client.get(reverse("customers:customer-list"), {"q": "555-4118"}).content.decode()
    assert "Mia Wong" in page
    assert "Other Person" not in page


def test_the_list_hides_erased_customers_unless_asked(tech_client):
    kept = CustomerFactory(name="Kept Customer")
    erased = CustomerFactory(name="Erased customer #1", erased_at="2026-01-01T00:00:00Z")
    page = tech_client.get(reverse("customers:customer-list")).content.decode()
    assert kept.name in page
    assert erased.name not in page
    page = tech_client.get(reverse("customers:customer-list"), {"erased": "on"}).content.decode()
    assert erased.name in page


def test_the_list_says_when_nothing_matches(tech_client):
    CustomerFactory(name="Mia Wong")
    page = tech_client.get(reverse("customers:customer-list"), {"q": "nobody-like-this"}).content.decode()
    assert "Nothing matches “nobody-like-this”" in page


def test_the_list_pages(tech_client, settings):
    CustomerFactory.create_batch(26)
    response = tech_client.get(reverse("customers:customer-list"), {"page": 2})
    assert "Page 2 of 2" in response.content.decode()
    assert tech_client.get(reverse("customers:customer-list"), {"page": 9}).status_code == HTTPStatus.NOT_FOUND
    assert tech_client.get(reverse("customers:customer-list"), {"page": "x"}).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("query", ["x" * 101, "<script>alert(1)</script>", "' OR 1=1 --", "\u0430na"])
def test_the_list_search_takes_any_input_without_error(tech_client, query):
    CustomerFactory(name="Ana Diaz")
    response = tech_client.get(reverse("customers:customer-list"), {"q": query})
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    assert "<script>alert(1)</script>" not in response.content.decode()
    if len(query) > 100:
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "at most 100 characters" in response.content.decode()


# The customer page ----------------------------------------------------------------------------------------------


def test_the_customer_page_shows_contact_consent_gear_jobs_and_history(desk_client, front_desk):
    customer = CustomerFactory(
        name="Mia Wong",
        email="mia@example.com",
        address="1 Reef Road",
        notes="Prefers mornings",
        consent=True,
        consent_at="2026-03-01T10:00:00Z",
        consent_method="form",
        phone="(202) 555-0143",
    )
    piece = EquipmentFactory(owner=customer, brand="Scubapro", model="MK25", serial_number="SP123")
    job = ServiceItemFactory(customer=customer, equipment=piece, requested_service="Free-flows at depth")
    CustomerEvent.objects.create(customer=customer, actor=None, kind=CustomerEvent.Kind.CREATED)
    page = desk_client.get(customer.get_absolute_url()).content.decode()
    assert 'href="tel:+12025550143"' in page
    assert "mia@example.com" in page and "1 Reef Road" in page and "Prefers mornings" in page
    assert "Yes, since 2026-03-01" in page and "signed form" in page
    assert "Scubapro MK25" in page and "SP123" in page
    assert job.control_number in page and "Free-flows at depth" in page
    assert f"status-{job.status}" in page
    assert "the shop" in page and "(deleted user)" not in page
    assert f"{reverse('core:item-create')}?customer={customer.pk}" in page


def test_the_customer_page_lists_jobs_newest_first(desk_client):
    customer = CustomerFactory()
    old = ServiceItemFactory(
        customer=customer, equipment=EquipmentFactory(owner=customer), received_at="2025-01-01T00:00Z"
    )
    new = ServiceItemFactory(
        customer=customer, equipment=EquipmentFactory(owner=customer), received_at="2026-01-01T00:00Z"
    )
    page = desk_client.get(customer.get_absolute_url()).content.decode()
    assert page.index(new.control_number) < page.index(old.control_number)


def test_the_customer_page_shows_gear_they_owned_before(desk_client, front_desk):
    from customers.services import transfer_equipment

    seller, buyer = CustomerFactory(), CustomerFactory()
    piece = EquipmentFactory(owner=seller, brand="Mares", model="Abyss", serial_number="M-77")
    transfer_equipment(piece=piece, to=buyer, actor=front_desk)
    page = desk_client.get(seller.get_absolute_url()).content.decode()
    assert "Owned before" in page and "M-77" in page


def test_buttons_follow_permissions(client, technician, manager):
    customer = CustomerFactory()
    client.force_login(technician)
    tech_page = client.get(customer.get_absolute_url()).content.decode()
    for name in ("customer-update", "customer-merge", "customer-erase", "customer-export"):
        assert reverse(f"customers:{name}", kwargs={"pk": customer.pk}) not in tech_page
    assert "Take in another item" not in tech_page
    client.force_login(manager)
    manager_page = client.get(customer.get_absolute_url()).content.decode()
    for name in ("customer-update", "customer-merge", "customer-erase", "customer-export"):
        assert reverse(f"customers:{name}", kwargs={"pk": customer.pk}) in manager_page


def test_hostile_html_in_a_customers_details_is_shown_as_text(desk_client):
    customer = CustomerFactory(name="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>")
    page = desk_client.get(customer.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


# Create and edit ------------------------------------------------------------------------------------------------


def customer_data(**overrides):
    data = {
        "name": "Ana Diaz",
        "phone_1": "(202) 555-0101",
        "phone_2": "",
        "phone_3": "",
        "email": "ana@example.com",
        "address": "",
        "notes": "",
        "preferred_channel": "email",
        "consent_method": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_new_customer_is_saved_with_their_phones_and_consent(desk_client, front_desk):
    response = desk_client.post(
        reverse("customers:customer-create"),
        customer_data(phone_2="+1 202 555 0102", consent="on", consent_method="phone"),
    )
    customer = Customer.objects.get(name="Ana Diaz")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == customer.get_absolute_url()
    assert [p.number.as_e164 for p in customer.phones.all()] == ["+12025550101", "+12025550102"]
    assert [p.as_typed for p in customer.phones.all()] == ["(202) 555-0101", "+1 202 555 0102"]
    assert customer.consent and customer.consent_at and customer.consent_method == "phone"
    assert customer.created_by == front_desk
    assert set(customer.events.values_list("kind", flat=True)) == {"created", "consent"}
    assert Customer.objects.search("555 0102").get() == customer


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"phone_1": "hello"}, "not a phone number we can read"),
        ({"phone_1": "12"}, "not a phone number we can read"),
        ({"phone_1": "1" * 41}, "at most 40 characters"),
        ({"phone_2": "202.555.0101"}, "same number as above"),
        ({"email": "not-an-email"}, "email address"),
        ({"preferred_channel": "pigeon"}, "Select a valid choice"),
        ({"notes": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_input_is_refused_with_the_reason(desk_client, overrides, message):
    response = desk_client.post(reverse("customers:customer-create"), customer_data(**overrides))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_a_number_of_another_customer_is_refused_with_a_link_to_them(desk_client):
    owner = CustomerFactory(name="Mia Wong", phone="(202) 555-0101")
    response = desk_client.post(reverse("customers:customer-create"), customer_data(phone_1="+12025550101"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "This number is taken by" in page
    assert f'<a href="{owner.get_absolute_url()}">Mia Wong</a>' in page
    assert Customer.objects.count() == 1


def test_hostile_html_is_stored_as_typed_and_shown_as_text(desk_client):
    desk_client.post(reverse("customers:customer-create"), customer_data(name="<b onclick=x>Bob</b>"))
    customer = Customer.objects.get()
    assert customer.name == "<b onclick=x>Bob</b>"
    assert "<b onclick" not in desk_client.get(customer.get_absolute_url()).content.decode()


def edit_data(customer, **overrides):
    phones = [p.as_typed for p in customer.phones.all()] + ["", "", ""]
    data = customer_data(
        name=customer.name,
        email=customer.email,
        phone_1=phones[0],
        phone_2=phones[1],
        phone_3=phones[2],
        version=customer.version,
    )
    data.update(overrides)
    return data


def test_an_edit_is_saved_with_its_history(desk_client, front_desk):
    customer = CustomerFactory(name="Ana Diaz", email="ana@example.com", phone="(202) 555-0101")
    url = reverse("customers:customer-update", kwargs={"pk": customer.pk})
    form = desk_client.get(url).content.decode()
    assert 'value="(202) 555-0101"' in form
    response = desk_client.post(url, edit_data(customer, name="Ana Díaz", phone_1="", phone_2="202 555 0199"))
    assert response.status_code == HTTPStatus.FOUND
    customer.refresh_from_db()
    assert customer.name == "Ana Díaz"
    assert customer.version == 2
    assert [p.number.as_e164 for p in customer.phones.all()] == ["+12025550199"]
    event = customer.events.get(kind=CustomerEvent.Kind.EDITED)
    assert event.actor == front_desk
    assert event.changes["Name"] == ["Ana Diaz", "Ana Díaz"]
    assert event.changes["Phones"] == ["(202) 555-0101", "202 555 0199"]
    assert Customer.objects.search("5550199").get() == customer
    assert not Customer.objects.search("5550101").exists()


def test_an_edit_renews_the_search_text_of_their_jobs(desk_client):
    customer = CustomerFactory(name="Ana Diaz")
    job = ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer))
    desk_client.post(
        reverse("customers:customer-update", kwargs={"pk": customer.pk}), edit_data(customer, name="Zed Q")
    )
    job.refresh_from_db()
    assert "zed q" in job.search_document


def test_a_stale_edit_is_refused_with_409_and_keeps_the_input(desk_client, front_desk):
    customer = CustomerFactory(name="Ana Diaz", phone="(202) 555-0101")
    url = reverse("customers:customer-update", kwargs={"pk": customer.pk})
    stale = edit_data(customer, name="Mine")
    desk_client.post(url, edit_data(customer, name="Theirs"))
    response = desk_client.post(url, stale)
    assert response.status_code == HTTPStatus.CONFLICT
    page = response.content.decode()
    assert "Someone else saved this customer" in page
    assert 'value="Mine"' in page
    assert "yours “Mine”, saved “Theirs”" in page
    assert 'name="version" value="2"' in page
    customer.refresh_from_db()
    assert customer.name == "Theirs"


def test_an_edit_without_its_version_is_refused(desk_client):
    customer = CustomerFactory(name="Ana Diaz")
    data = edit_data(customer, name="Changed")
    del data["version"]
    response = desk_client.post(reverse("customers:customer-update", kwargs={"pk": customer.pk}), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    customer.refresh_from_db()
    assert customer.name == "Ana Diaz"


def test_turning_consent_on_and_off_records_when_and_clears_it(desk_client):
    customer = CustomerFactory()
    url = reverse("customers:customer-update", kwargs={"pk": customer.pk})
    desk_client.post(url, edit_data(customer, consent="on", consent_method="email"))
    customer.refresh_from_db()
    assert customer.consent and customer.consent_at is not None and customer.consent_method == "email"
    desk_client.post(url, edit_data(customer))
    customer.refresh_from_db()
    assert not customer.consent and customer.consent_at is None and customer.consent_method == ""
    assert customer.events.filter(kind=CustomerEvent.Kind.CONSENT).count() == 2


def test_keeping_ones_own_number_is_not_taken(desk_client):
    customer = CustomerFactory(phone="(202) 555-0101")
    url = reverse("customers:customer-update", kwargs={"pk": customer.pk})
    response = desk_client.post(url, edit_data(customer, phone_1="202-555-0101"))
    assert response.status_code == HTTPStatus.FOUND
    assert customer.phones.get().as_typed == "202-555-0101"


def test_a_customer_with_more_numbers_than_three_keeps_them_all(desk_client):
    customer = CustomerFactory(phone=False)
    for _n in range(4):
        PhoneFactory(customer=customer)
    response = desk_client.get(reverse("customers:customer-update", kwargs={"pk": customer.pk}))
    assert 'name="phone_4"' in response.content.decode()


def test_an_erased_customer_cannot_be_edited(desk_client):
    customer = CustomerFactory(name="Erased customer #1", erased_at="2026-01-01T00:00:00Z")
    url = reverse("customers:customer-update", kwargs={"pk": customer.pk})
    assert desk_client.get(url).status_code == HTTPStatus.CONFLICT
    response = desk_client.post(url, edit_data(customer, name="Back again"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "was erased" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "Erased customer #1"


# Equipment ------------------------------------------------------------------------------------------------------


def piece_data(**overrides):
    data = {
        "kind": equipment_type("Regulator").pk,
        "brand": "Apeks",
        "model": "XTX50",
        "serial_number": "AP-1",
        "purchased_on": "2024-05-01",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_equipment_is_added_to_a_customer_and_found_by_its_serial(desk_client):
    customer = CustomerFactory()
    response = desk_client.post(reverse("customers:equipment-create", kwargs={"pk": customer.pk}), piece_data())
    assert response.status_code == HTTPStatus.FOUND
    piece = customer.equipment.get()
    assert piece.serial_number == "AP-1"
    assert piece.ownerships.get().customer == customer
    assert Customer.objects.search("ap-1").get() == customer
    assert customer.events.filter(kind=CustomerEvent.Kind.EQUIPMENT).exists()


def test_a_serial_number_already_registered_names_its_owner(desk_client):
    owner = EquipmentFactory(brand="Apeks", serial_number="AP-1").owner
    customer = CustomerFactory()
    response = desk_client.post(
        reverse("customers:equipment-create", kwargs={"pk": customer.pk}),
        piece_data(brand="APEKS", serial_number="ap-1"),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f'registered to <a href="{owner.get_absolute_url()}">{owner.name}</a>' in response.content.decode()
    assert not customer.equipment.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"purchased_on": "2999-01-01"}, "cannot be in the future"),
        ({"purchased_on": "1850-01-01"}, "Enter a date between"),
        ({"purchased_on": "yesterday"}, "Enter a valid date"),
        ({"brand": ""}, "This field is required"),
        ({"kind": "999999"}, "Select a valid choice"),
        ({"serial_number": "x" * 61}, "at most 60 characters"),
    ],
)
def test_bad_equipment_input_is_refused(desk_client, overrides, message):
    customer = CustomerFactory()
    response = desk_client.post(
        reverse("customers:equipment-create", kwargs={"pk": customer.pk}), piece_data(**overrides)
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert not Equipment.objects.exists()


def test_a_piece_is_edited_and_its_jobs_found_by_the_new_serial(desk_client):
    piece = EquipmentFactory(serial_number="OLD-1")
    job = ServiceItemFactory(customer=piece.owner, equipment=piece)
    url = reverse("customers:equipment-update", kwargs={"pk": piece.pk})
    response = desk_client.post(url, piece_data(serial_number="NEW-2", kind=piece.kind.pk))
    assert response.status_code == HTTPStatus.FOUND
    piece.refresh_from_db()
    job.refresh_from_db()
    assert piece.serial_number == "NEW-2"
    assert "new-2" in job.search_document
    assert piece.owner.events.get(kind=CustomerEvent.Kind.EQUIPMENT).changes["Serial number"] == ["OLD-1", "NEW-2"]


def test_editing_a_piece_to_another_pieces_serial_is_a_form_error(desk_client):
    EquipmentFactory(brand="Apeks", serial_number="TAKEN")
    piece = EquipmentFactory(brand="Apeks", serial_number="MINE")
    response = desk_client.post(
        reverse("customers:equipment-update", kwargs={"pk": piece.pk}), piece_data(serial_number="taken")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "already registered to" in response.content.decode()


def test_a_sold_piece_moves_to_the_customer_picked_by_search(desk_client):
    piece = EquipmentFactory(brand="Mares", serial_number="M-1")
    buyer = CustomerFactory(name="Bea Buyer", phone="(202) 555-0177")
    url = reverse("customers:equipment-transfer", kwargs={"pk": piece.pk})
    page = desk_client.get(url, {"q": "555 0177"}).content.decode()
    assert "Bea Buyer" in page
    response = desk_client.post(url, {"other": buyer.pk})
    assert response.status_code == HTTPStatus.FOUND
    piece.refresh_from_db()
    assert piece.owner == buyer
    assert Ownership.objects.filter(equipment=piece).count() == 2
    assert Customer.objects.search("m-1").get() == buyer


@pytest.mark.parametrize("other", ["", "abc", "999999"])
def test_a_transfer_to_nobody_is_refused(desk_client, other):
    piece = EquipmentFactory()
    response = desk_client.post(reverse("customers:equipment-transfer", kwargs={"pk": piece.pk}), {"other": other})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    piece.refresh_from_db()
    assert piece.ownerships.count() == 1


# Merge ----------------------------------------------------------------------------------------------------------


def test_the_merge_page_finds_the_other_customer_and_previews_what_moves(manager_client):
    target = CustomerFactory(name="Ana Diaz")
    source = CustomerFactory(name="Ana D.", phone="(202) 555-0190")
    EquipmentFactory(owner=source)
    ServiceItemFactory(customer=source, equipment=source.equipment.get())
    url = reverse("customers:customer-merge", kwargs={"pk": target.pk})
    found = manager_client.get(url, {"q": "5550190"}).content.decode()
    assert "Ana D." in found and f"?other={source.pk}" in found
    preview = manager_client.get(url, {"other": source.pk}).content.decode()
    assert "1 phone number" in preview
    assert "1 equipment" in preview
    assert "1 service item" in preview
    assert "1 service items" not in preview
    assert Customer.objects.filter(pk=source.pk).exists()


def test_confirming_a_merge_moves_everything_and_removes_the_other_record(manager_client, manager):
    target = CustomerFactory(name="Ana Diaz", email="", phone=False)
    source = CustomerFactory(name="Ana D.", email="ana@example.com", phone="(202) 555-0190")
    job = ServiceItemFactory(customer=source, equipment=EquipmentFactory(owner=source))
    response = manager_client.post(reverse("customers:customer-merge", kwargs={"pk": target.pk}), {"other": source.pk})
    assert response.status_code == HTTPStatus.FOUND
    assert not Customer.objects.filter(pk=source.pk).exists()
    job.refresh_from_db()
    target.refresh_from_db()
    assert job.customer == target
    assert target.email == "ana@example.com"
    assert target.phones.get().as_typed == "(202) 555-0190"
    merged = target.events.get(kind=CustomerEvent.Kind.MERGED)
    assert merged.actor == manager
    audit = AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMERS_MERGED)
    assert audit.detail == {"source": source.pk, "target": target.pk}


@pytest.mark.parametrize("which", ["self", "erased", "missing", "garbage"])
def test_a_merge_that_cannot_be_is_refused(manager_client, which):
    target = CustomerFactory()
    other = {
        "self": lambda: target.pk,
        "erased": lambda: CustomerFactory(erased_at="2026-01-01T00:00:00Z").pk,
        "missing": lambda: 999999,
        "garbage": lambda: "<x>",
    }[which]()
    url = reverse("customers:customer-merge", kwargs={"pk": target.pk})
    for response in (manager_client.get(url, {"other": other}), manager_client.post(url, {"other": other})):
        assert HTTPStatus.BAD_REQUEST <= response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
        assert "alert" in response.content.decode()
    assert Customer.objects.filter(pk=target.pk).exists()


def test_merging_into_an_erased_customer_is_refused(manager_client):
    target = CustomerFactory(erased_at="2026-01-01T00:00:00Z")
    source = CustomerFactory()
    response = manager_client.post(reverse("customers:customer-merge", kwargs={"pk": target.pk}), {"other": source.pk})
    assert response.status_code == HTTPStatus.CONFLICT
    assert Customer.objects.filter(pk=source.pk).exists()


def test_the_second_of_two_merges_of_the_same_pair_is_refused(manager_client):
    target, source = CustomerFactory(), CustomerFactory()
    url = reverse("customers:customer-merge", kwargs={"pk": target.pk})
    assert manager_client.post(url, {"other": source.pk}).status_code == HTTPStatus.FOUND
    response = manager_client.post(url, {"other": source.pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "no longer exists" in response.content.decode()


# Export and erase -----------------------------------------------------------------------------------------------


def test_the_export_page_shows_everything_and_is_recorded(manager_client, manager):
    customer = CustomerFactory(name="Mia Wong", email="mia@example.com", address="1 Reef Road", phone="(202) 555-0143")
    piece = EquipmentFactory(owner=customer, serial_number="SP-9")
    job = ServiceItemFactory(customer=customer, equipment=piece, requested_service="Leaks")
    response = manager_client.get(reverse("customers:customer-export", kwargs={"pk": customer.pk}))
    page = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    for text in ("Mia Wong", "mia@example.com", "1 Reef Road", "(202) 555-0143", "SP-9", job.control_number, "Leaks"):
        assert text in page
    assert customer.events.filter(kind=CustomerEvent.Kind.EXPORTED, actor=manager).exists()
    audit = AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMER_EXPORTED)
    assert audit.detail == {"customer": customer.pk}


def test_the_json_export_is_a_download_with_everything(manager_client):
    customer = CustomerFactory(name="Mia Wong", phone="(202) 555-0143")
    job = ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer))
    response = manager_client.get(reverse("customers:customer-export-json", kwargs={"pk": customer.pk}))
    assert response["Content-Disposition"].startswith(f'attachment; filename="customer-{customer.pk}-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["name"] == "Mia Wong"
    assert data["phones"][0]["number"] == "+12025550143"
    assert data["jobs"][0]["control_number"] == job.control_number
    assert data["jobs"][0]["timeline"]
    assert "messages" in data
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CUSTOMER_EXPORTED).count() == 1


def test_the_erase_page_says_what_happens_and_post_does_it(manager_client):
    customer = CustomerFactory(name="Mia Wong", email="mia@example.com", phone="(202) 555-0143")
    job = ServiceItemFactory(customer=customer, equipment=EquipmentFactory(owner=customer, notes="Mia's own"))
    url = reverse("customers:customer-erase", kwargs={"pk": customer.pk})
    page = manager_client.get(url).content.decode()
    assert "Erased customer #" in page and "cannot be undone" in page
    assert Customer.objects.get(pk=customer.pk).name == "Mia Wong"
    response = manager_client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    customer.refresh_from_db()
    assert customer.name == f"Erased customer #{customer.pk}"
    assert customer.email == "" and not customer.phones.exists()
    assert customer.equipment.get().notes == ""
    job.refresh_from_db()
    assert job.customer == customer
    assert "mia" not in job.search_document
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMER_ERASED).detail == {"customer": customer.pk}
    again = manager_client.post(url)
    assert again.status_code == HTTPStatus.CONFLICT
    assert "already erased" in again.content.decode()


def test_erase_is_post_only_with_csrf(manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    customer = CustomerFactory(name="Mia Wong")
    response = client.post(reverse("customers:customer-erase", kwargs={"pk": customer.pk}))
    assert response.status_code == HTTPStatus.FORBIDDEN
    customer.refresh_from_db()
    assert customer.name == "Mia Wong"


def test_no_phone_number_of_the_customer_is_left_after_erasure(manager_client):
    customer = CustomerFactory(phone="(202) 555-0143")
    manager_client.post(reverse("customers:customer-erase", kwargs={"pk": customer.pk}))
    assert not CustomerPhone.objects.filter(number="+12025550143").exists()


def test_an_erased_customer_gets_no_new_equipment(desk_client):
    customer = CustomerFactory(erased_at="2026-01-01T00:00:00Z")
    url = reverse("customers:equipment-create", kwargs={"pk": customer.pk})
    response = desk_client.post(url, piece_data())
    assert response.status_code == HTTPStatus.CONFLICT
    assert "was erased" in response.content.decode()
    assert not Equipment.objects.exists()


def test_an_erased_customers_page_offers_no_take_in_nor_edit(desk_client):
    customer = CustomerFactory(erased_at="2026-01-01T00:00:00Z")
    page = desk_client.get(customer.get_absolute_url()).content.decode()
    assert "Take in another item" not in page
    assert reverse("customers:customer-update", kwargs={"pk": customer.pk}) not in page


def test_exports_write_no_customer_data_to_the_log(manager_client, caplog):
    customer = CustomerFactory(name="Mia Wong", email="mia@example.com", phone="(202) 555-0143")
    with caplog.at_level("INFO"):
        manager_client.get(reverse("customers:customer-export", kwargs={"pk": customer.pk}))
        manager_client.get(reverse("customers:customer-export-json", kwargs={"pk": customer.pk}))
    assert f"customer={customer.pk}" in caplog.text
    for secret in ("Mia", "mia@", "555-0143", "5550143"):
        assert secret not in caplog.text


def test_technicians_edit_pieces_but_cannot_give_them_to_someone_else(tech_client):
    piece, buyer = EquipmentFactory(), CustomerFactory()
    url = reverse("customers:equipment-transfer", kwargs={"pk": piece.pk})
    assert tech_client.get(url).status_code == HTTPStatus.FORBIDDEN
    assert tech_client.post(url, {"other": buyer.pk}).status_code == HTTPStatus.FORBIDDEN
    piece.refresh_from_db()
    assert piece.owner != buyer


def test_an_erased_customers_piece_cannot_be_edited_or_change_hands(manager_client):
    from django.utils import timezone

    piece = EquipmentFactory(notes="")
    piece.owner.erased_at = timezone.now()
    piece.owner.save()
    edit = manager_client.post(
        reverse("customers:equipment-update", kwargs={"pk": piece.pk}),
        {"kind": piece.kind_id, "brand": piece.brand, "serial_number": piece.serial_number, "notes": "Jane Roe"},
    )
    assert edit.status_code == HTTPStatus.CONFLICT
    transfer = manager_client.post(
        reverse("customers:equipment-transfer", kwargs={"pk": piece.pk}), {"other": CustomerFactory().pk}
    )
    assert transfer.status_code == HTTPStatus.CONFLICT
    piece.refresh_from_db()
    assert piece.notes == ""


def test_a_serial_number_with_a_hidden_character_is_the_same_serial_number(manager_client):
    EquipmentFactory(brand="Scubapro", serial_number="SP30-385443")
    other = CustomerFactory()
    response = manager_client.post(
        reverse("customers:equipment-create", kwargs={"pk": other.pk}),
        {"kind": equipment_type().pk, "brand": "Scubapro", "serial_number": "SP30-385443\u200b"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Equipment.objects.filter(serial_number__startswith="SP30").count() == 1
