"""Taking in at the counter: “who is it” first, then their piece, then the job."""

import re
import threading
import uuid
from http import HTTPStatus

import pytest
from django.db import connection
from django.utils import timezone

from core import services
from core.models import ServiceItem
from core.tests.factories import ServiceItemFactory, take_in_data
from customers.models import Customer, CustomerEvent, Equipment, Ownership
from customers.tests.factories import CustomerFactory, EquipmentFactory

pytestmark = pytest.mark.django_db


def test_a_returning_customer_is_offered_with_their_last_piece_chosen(desk_client):
    rosa = CustomerFactory(name="Rosa Reyes", phone="(202) 555-0143")
    older = EquipmentFactory(owner=rosa, brand="Scubapro", model="MK25")
    regulator = EquipmentFactory(owner=rosa, brand="Apeks", model="XTX50")
    ServiceItemFactory(customer=rosa, equipment=older)
    response = desk_client.get(f"/items/new/?customer={rosa.pk}")
    assert response.status_code == HTTPStatus.OK
    assert "Rosa Reyes" in response.text and "(202) 555-0143" in response.text
    assert re.search(rf'<input[^>]*value="{older.pk}"[^>]*checked', response.text)
    assert f'value="{regulator.pk}"' in response.text
    assert re.search(r'<textarea[^>]*name="requested_service"[^>]*autofocus', response.text)


def test_taking_in_for_a_known_customer_and_piece_makes_no_new_records(desk_client):
    rosa = CustomerFactory()
    piece = EquipmentFactory(owner=rosa)
    response = desk_client.post(
        "/items/new/", take_in_data(customer=rosa, equipment=piece, requested_service="IP creep")
    )
    job = ServiceItem.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert (job.customer, job.equipment, job.requested_service) == (rosa, piece, "IP creep")
    assert (Customer.objects.count(), Equipment.objects.count()) == (1, 1)


def test_a_new_customer_and_piece_are_created_with_the_job(desk_client, front_desk):
    desk_client.post("/items/new/", take_in_data(consent="on", serial_number="AB-77"))
    job = ServiceItem.objects.select_related("customer", "equipment").get()
    customer = job.customer
    assert (customer.name, customer.email, customer.created_by) == ("Rosa Reyes", "rosa@example.com", front_desk)
    assert customer.phones.get().number.as_e164 == "+12025550143"
    assert customer.consent and customer.consent_method == "counter" and customer.consent_at is not None
    assert (job.equipment.owner, job.equipment.serial_number) == (customer, "AB-77")
    assert customer.events.filter(kind=CustomerEvent.Kind.CREATED).exists()


def test_a_new_customer_typed_with_a_known_number_is_the_known_customer_and_the_clerk_is_told(desk_client):
    rosa = CustomerFactory(name="Rosa Reyes", phone="+1 202 555 0143")
    response = desk_client.post("/items/new/", take_in_data(name="Rosa R.", phone="202.555.0143"), follow=True)
    assert ServiceItem.objects.get().customer == rosa
    assert Customer.objects.count() == 1
    assert "The number 202.555.0143 is Rosa Reyes’s: the job is on their record." in response.text


def test_another_customers_serial_number_is_refused_and_the_piece_stays_theirs(desk_client):
    seller = CustomerFactory(name="Sam Seller")
    piece = EquipmentFactory(owner=seller, brand="Apeks", serial_number="00SN42")
    response = desk_client.post("/items/new/", take_in_data(brand="APEKS", serial_number="00sn\u200b42"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "The shop knows this Apeks 00SN42 as Sam Seller’s." in response.text
    piece.refresh_from_db()
    assert piece.owner == seller and Ownership.objects.filter(equipment=piece).count() == 1
    assert not ServiceItem.objects.exists()


def test_the_customers_own_serial_number_typed_as_new_is_their_piece(desk_client):
    rosa = CustomerFactory()
    piece = EquipmentFactory(owner=rosa, brand="Apeks", serial_number="00SN42")
    desk_client.post("/items/new/", take_in_data(customer=rosa, equipment=None, serial_number="00sn42"))
    assert ServiceItem.objects.get().equipment == piece
    assert Equipment.objects.count() == 1


def test_the_service_refuses_another_owners_piece_registered_a_moment_ago(front_desk):
    from customers.models import EquipmentType
    from customers.services import PieceOwnedElsewhere

    EquipmentFactory(brand="Apeks", serial_number="00SN42")
    with pytest.raises(PieceOwnedElsewhere):
        services.take_in(
            item=ServiceItem(requested_service="Annual service"),
            received_by=front_desk,
            intake_token=uuid.uuid4(),
            new_customer={"name": "Rosa Reyes", "phone": "(202) 555-0143", "email": "", "consent": False},
            new_piece={"kind": EquipmentType.objects.get(name="Regulator"), "brand": "apeks", "model": "",
                       "serial_number": "00sn42"},
        )  # fmt: skip
    assert not Customer.objects.filter(name="Rosa Reyes").exists()  # the whole take-in was undone


def test_another_customers_piece_cannot_be_picked(desk_client):
    rosa, other = CustomerFactory(), CustomerFactory()
    theirs = EquipmentFactory(owner=other)
    response = desk_client.post("/items/new/", take_in_data(customer=rosa, equipment=theirs))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Pick one of this customer’s pieces" in response.text
    assert not ServiceItem.objects.exists()


def test_an_erased_customer_cannot_be_taken_in_for(desk_client):
    gone = CustomerFactory(erased_at=timezone.now())
    page = desk_client.get(f"/items/new/?customer={gone.pk}", follow=True)
    assert "That customer no longer exists." in page.text
    response = desk_client.post("/items/new/", take_in_data(customer=gone, equipment=EquipmentFactory(owner=gone)))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize("value", ["abc", "0", "9" * 40, "1; DROP TABLE"])
def test_a_customer_parameter_that_is_no_customer_starts_again_with_a_message(desk_client, value):
    response = desk_client.get("/items/new/", {"customer": value}, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "That customer no longer exists." in response.text


def test_a_new_customer_needs_a_way_to_reach_them(desk_client):
    response = desk_client.post("/items/new/", take_in_data(phone="", email=""))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "A new customer needs a phone number or an email address." in response.text


def test_submitting_a_new_customer_twice_makes_one_customer_and_one_job(desk_client):
    data = take_in_data()
    desk_client.post("/items/new/", data)
    desk_client.post("/items/new/", data)
    assert (Customer.objects.count(), Equipment.objects.count(), ServiceItem.objects.count()) == (1, 1, 1)


# "Who is it" without scripts: the search form lists the customers it finds.


@pytest.mark.parametrize("typed", ["4118402", "+1 555 4118 402", "555-4118", "(555) 411-8402", "reyes", "ROSA@EX"])
def test_who_is_it_finds_the_customer_however_the_counter_types_them(desk_client, typed):
    rosa = CustomerFactory(name="Rosa Reyes", email="rosa@example.com", phone="+1 555 411 8402")
    CustomerFactory(name="Someone Else", phone="(202) 555-0100")
    response = desk_client.get("/items/new/", {"who": typed})
    assert response.status_code == HTTPStatus.OK
    assert [customer.pk for customer in response.context["found_customers"]] == [rosa.pk]
    assert f'href="?customer={rosa.pk}"' in response.text


def test_who_is_it_says_when_nobody_matches_and_escapes_what_was_typed(desk_client):
    response = desk_client.get("/items/new/", {"who": "<b>nobody</b>"})
    assert "No customer matches “&lt;b&gt;nobody&lt;/b&gt;”." in response.text


# Live suggestions (customer-picker.js asks for them as JSON)


def test_suggestions_find_customers_by_a_phone_fragment(desk_client):
    rosa = CustomerFactory(name="Rosa Reyes", phone="+1 555 411 8402", email="rosa@example.com")
    response = desk_client.get("/customers/suggest/", {"q": "411 84"})
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "customers": [
            {"id": rosa.pk, "name": "Rosa Reyes", "phones": ["+1 555 411 8402"], "email": "rosa@example.com"}
        ]
    }
    assert response["Cache-Control"] == "no-store"


def test_suggestions_leave_out_erased_customers_and_empty_queries(desk_client):
    CustomerFactory(name="Rosa Reyes", erased_at=timezone.now())
    assert desk_client.get("/customers/suggest/", {"q": "rosa"}).json() == {"customers": []}
    assert desk_client.get("/customers/suggest/", {"q": "  "}).json() == {"customers": []}


def test_suggestions_are_for_staff_only(client, django_user_model):
    assert client.get("/customers/suggest/", {"q": "rosa"}).status_code == HTTPStatus.FOUND
    client.force_login(django_user_model.objects.create_user("visitor", "v@example.com", "x" * 16))
    assert client.get("/customers/suggest/", {"q": "rosa"}).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clerks_taking_in_the_same_new_customer_at_once_make_one_customer(front_desk):
    from customers.models import EquipmentType

    kind = EquipmentType.objects.get(name="Regulator")
    start = threading.Barrier(2)
    results = []

    def clerk(spacing):
        try:
            start.wait()
            job, _ = services.take_in(
                item=ServiceItem(requested_service="Annual service"),
                received_by=front_desk,
                intake_token=uuid.uuid4(),
                new_customer={"name": "Rosa Reyes", "phone": spacing, "email": "", "consent": False},
                new_piece={"kind": kind, "brand": "Apeks", "model": "", "serial_number": ""},
            )
            results.append(job.customer_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk, args=(typed,)) for typed in ("(202) 555-0143", "+12025550143")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert len(set(results)) == 1
    assert Customer.objects.count() == 1


def test_a_returning_customer_typed_as_new_with_their_pieces_serial_is_taken_in_on_their_record(desk_client):
    rosa = CustomerFactory(phone="(202) 555-0143")
    piece = EquipmentFactory(owner=rosa, brand="Apeks", serial_number="00SN42")
    response = desk_client.post("/items/new/", take_in_data(phone="202 555 0143", serial_number="00sn42"))
    assert response.status_code == HTTPStatus.FOUND
    job = ServiceItem.objects.get()
    assert (job.customer, job.equipment) == (rosa, piece)
