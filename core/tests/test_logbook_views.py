import csv
import datetime
import io
import pathlib
import re
from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from core.models import ServiceEvent, ServiceItem, Status
from core.tests.factories import ServiceItemFactory, take_in_data
from customers.models import Customer

pytestmark = pytest.mark.django_db


def rows(response):
    return [item.control_number for item in response.context["object_list"]]


# The logbook list


def test_logbook_lists_newest_first_with_its_columns(desk_client):
    old = ServiceItemFactory(received_at=timezone.now() - datetime.timedelta(days=3))
    new = ServiceItemFactory(customer_name="Newest Customer")
    response = desk_client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert rows(response) == [new.control_number, old.control_number]
    for column in (
        "Control no.",
        "Customer",
        "Item",
        "Brand",
        "Serial",
        "Requested service",
        "Status",
        "Received",
        "Assigned",
    ):
        assert f">{column}</th>" in response.text
    assert "Newest Customer" in response.text


def test_logbook_pages_hold_25_items(desk_client):
    ServiceItemFactory.create_batch(30)
    first = desk_client.get("/")
    second = desk_client.get("/?page=2")
    assert len(rows(first)) == 25
    assert len(rows(second)) == 5
    assert "Page 1 of 2" in first.text


def test_status_counts_link_to_a_filtered_list(desk_client):
    ServiceItemFactory.create_batch(2)
    ready = ServiceItemFactory(status=Status.READY)
    response = desk_client.get("/")
    assert {status.value: count for status, count in response.context["status_counts"]}["ready"] == 1
    assert 'href="?status=ready"' in response.text
    assert rows(desk_client.get("/?status=ready")) == [ready.control_number]


def test_search_filters_and_sort_survive_pagination(desk_client):
    ServiceItemFactory.create_batch(30, customer_name="Reyes Family")
    ServiceItemFactory.create_batch(3, customer_name="Someone Else")
    response = desk_client.get("/?q=reyes&sort=number")
    assert response.context["paginator"].count == 30
    assert 'href="?q=reyes&amp;sort=number&amp;page=2"' in response.text
    page_two = desk_client.get("/?q=reyes&sort=number&page=2")
    assert len(rows(page_two)) == 5
    numbers = [item.pk for item in page_two.context["object_list"]]
    assert numbers == sorted(numbers)


def test_filter_by_technician_and_unassigned(desk_client, technician):
    mine = ServiceItemFactory(assigned_to=technician)
    nobodys = ServiceItemFactory()
    assert rows(desk_client.get(f"/?technician={technician.pk}")) == [mine.control_number]
    assert rows(desk_client.get("/?technician=none")) == [nobodys.control_number]


def test_filter_by_date_range_includes_both_days(desk_client):
    day = timezone.localtime().replace(hour=12) - datetime.timedelta(days=10)
    inside = ServiceItemFactory(received_at=day)
    ServiceItemFactory(received_at=day - datetime.timedelta(days=2))
    ServiceItemFactory(received_at=day + datetime.timedelta(days=2))
    response = desk_client.get(f"/?received_from={day.date()}&received_to={day.date()}")
    assert rows(response) == [inside.control_number]


def test_search_by_control_number_finds_the_item(desk_client):
    item = ServiceItemFactory()
    ServiceItemFactory()
    assert rows(desk_client.get(f"/?q={item.control_number.lower()}")) == [item.control_number]


@pytest.mark.parametrize(
    "query",
    ["status=lost", "technician=abc", "received_from=yesterday", "sort=drop table", "q=" + "x" * 101,
     "received_from=2026-05-02&received_to=2026-05-01"],
)  # fmt: skip
def test_bad_filters_answer_400_with_a_message(desk_client, query):
    ServiceItemFactory()
    response = desk_client.get(f"/?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "invalid-feedback" in response.text
    assert "Correct the search above to see items." in response.text
    assert "SC-0" not in response.text


def test_page_out_of_range_is_a_404(desk_client):
    assert desk_client.get("/?page=99").status_code == HTTPStatus.NOT_FOUND
    assert desk_client.get("/?page=abc").status_code == HTTPStatus.NOT_FOUND


def test_empty_logbook_says_so(desk_client):
    assert "Items taken in at the counter will appear here." in desk_client.get("/").text


def test_logbook_shows_an_item_as_soon_as_it_is_saved(desk_client):
    """The list is cached; any saved, changed or deleted item must show at once all the same."""
    first = ServiceItemFactory()
    assert rows(desk_client.get("/")) == [first.control_number]
    assert first.control_number in desk_client.get("/").text  # served from the cache
    second = ServiceItemFactory()
    assert rows(desk_client.get("/")) == [second.control_number, first.control_number]
    ServiceItem.objects.get(pk=second.pk).delete()
    assert rows(desk_client.get("/")) == [first.control_number]
    first.status = Status.READY
    first.save()
    assert "Ready for pickup</span>" in desk_client.get("/").text


def test_list_runs_a_fixed_number_of_queries(desk_client, technician, django_assert_max_num_queries):
    ServiceItemFactory.create_batch(3, assigned_to=technician)
    desk_client.get("/")  # warm caches that do not depend on the data
    with django_assert_max_num_queries(9) as few:
        desk_client.get("/?q=a")
    ServiceItemFactory.create_batch(60, assigned_to=technician)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk_client.get("/?q=a")
    assert len(rows(response)) == 25


def test_markup_in_fields_is_shown_as_text(desk_client):
    item = ServiceItemFactory(customer_name="<script>alert(1)</script>", requested_service="<b>bold</b>")
    for url in ("/", item.get_absolute_url()):
        text = desk_client.get(url).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# Taking in


def test_take_in_form_starts_on_who_is_it(desk_client):
    response = desk_client.get("/items/new/")
    assert re.search(r'<input[^>]*name="who"[^>]*autofocus', response.text)
    assert 'name="intake_token"' in response.text
    assert "/static/js/customer-picker.js" in response.text


def test_take_in_saves_and_shows_the_item_with_a_slip_button(desk_client, front_desk):
    response = desk_client.post("/items/new/", take_in_data(serial_number="007AB123"), follow=True)
    item = ServiceItem.objects.select_related("customer", "equipment").get()
    assert response.redirect_chain == [(item.get_absolute_url(), HTTPStatus.FOUND)]
    assert f"Item {item.control_number} taken in." in response.text
    assert "Print claim slip" in response.text
    assert item.received_by == front_desk
    assert item.serial_number == "007AB123"


def test_take_in_ignores_a_received_by_in_the_form(desk_client, front_desk, manager):
    desk_client.post("/items/new/", take_in_data(received_by=manager.pk))
    assert ServiceItem.objects.get().received_by == front_desk


def test_take_in_with_a_technician_records_the_assignment(desk_client, technician):
    desk_client.post("/items/new/", take_in_data(assigned_to=technician.pk))
    assert ServiceItem.objects.get().assigned_to == technician


def test_submitting_the_take_in_form_twice_creates_one_item(desk_client):
    data = take_in_data()
    desk_client.post("/items/new/", data)
    response = desk_client.post("/items/new/", data, follow=True)
    item = ServiceItem.objects.get()
    assert f"This form was already saved as {item.control_number}." in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "type the new customer’s name"),
        ("name", "x" * 121, "at most 120 characters"),
        ("phone", "call me", "doesn’t read as a phone number"),
        ("phone", "1" * 41, "at most 40 characters"),
        ("email", "rosa@", "There must be something after the @-sign."),
        ("kind", "", "Pick the new piece’s type."),
        ("kind", "999999", "Select a valid choice"),
        ("brand", "", "Type the new piece’s brand"),
        ("brand", "B" * 61, "at most 60 characters"),
        ("customer", "999999", "no longer exists"),
        ("serial_number", "S" * 61, "at most 60 characters"),
        ("requested_service", "x" * 2001, "at most 2000 characters"),
        ("priority", "whenever", "Select a valid choice"),
        ("promised_on", "31/31/2026", "Enter a valid date"),
        ("received_at", "2999-01-01T10:00", "can’t be in the future"),
        ("assigned_to", "999999", "Select a valid choice"),
        ("intake_token", "not-a-uuid", "This form is out of date."),
    ],
)
def test_take_in_bad_input_is_refused_with_a_message(desk_client, field, value, message):
    response = desk_client.post("/items/new/", {**take_in_data(), field: value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.text
    assert not ServiceItem.objects.exists()


def test_promised_date_before_received_date_is_refused(desk_client):
    response = desk_client.post("/items/new/", take_in_data(promised_on="2000-01-01"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "can’t be before the date received" in response.text


def test_assigning_someone_who_is_not_a_technician_is_refused(desk_client, manager):
    response = desk_client.post("/items/new/", take_in_data(assigned_to=manager.pk))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ServiceItem.objects.exists()


# The item page and its actions


def test_item_page_offers_only_the_allowed_next_statuses(desk_client):
    item = ServiceItemFactory(status=Status.DIAGNOSING)
    form = desk_client.get(item.get_absolute_url()).context["status_form"]
    offered = [value for value, _ in form.fields["status"].choices]
    assert offered == ["waiting_parts", "waiting_approval", "in_repair"]


def test_manager_is_also_offered_cancel(manager_client):
    item = ServiceItemFactory(status=Status.DIAGNOSING)
    offered = [
        value
        for value, _ in manager_client.get(item.get_absolute_url()).context["status_form"].fields["status"].choices
    ]
    assert "cancelled" in offered


def test_status_change_through_the_page_shows_in_the_timeline(desk_client):
    item = ServiceItemFactory()
    response = desk_client.post(
        f"{item.get_absolute_url()}status/", {"status": "diagnosing", "note": "On the bench"}, follow=True
    )
    assert f"{item.control_number} is now “Diagnosing”." in response.text
    assert "“Received” → “Diagnosing”" in response.text
    assert "On the bench" in response.text


def test_disallowed_status_jump_through_the_page_is_refused_with_a_message(desk_client):
    item = ServiceItemFactory()
    response = desk_client.post(f"{item.get_absolute_url()}status/", {"status": "released"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Select a valid choice" in response.text
    item.refresh_from_db()
    assert item.status == Status.RECEIVED


def test_status_change_racing_another_is_refused_with_409(desk_client, manager):
    from core import services

    item = ServiceItemFactory(status=Status.READY)
    desk_page_form_status = "released"
    services.change_status(item_pk=item.pk, to_status=Status.RELEASED, actor=manager)
    # The desk's page was opened before the release; its form offered "released", which is no longer allowed.
    response = desk_client.post(f"{item.get_absolute_url()}status/", {"status": desk_page_form_status})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert item.events.filter(kind=ServiceEvent.Kind.STATUS).count() == 1


def test_note_is_added_to_the_timeline_and_escaped(desk_client):
    item = ServiceItemFactory()
    response = desk_client.post(f"{item.get_absolute_url()}notes/", {"text": "<i>Customer</i> called"}, follow=True)
    assert "Note added." in response.text
    assert "&lt;i&gt;Customer&lt;/i&gt; called" in response.text


def test_empty_or_over_long_note_is_refused(desk_client):
    item = ServiceItemFactory()
    assert desk_client.post(f"{item.get_absolute_url()}notes/", {"text": ""}).status_code == HTTPStatus.BAD_REQUEST
    assert (
        desk_client.post(f"{item.get_absolute_url()}notes/", {"text": "x" * 2001}).status_code
        == HTTPStatus.BAD_REQUEST
    )
    assert not item.events.filter(kind=ServiceEvent.Kind.NOTE).exists()


def test_assignment_through_the_page(desk_client, technician):
    item = ServiceItemFactory()
    response = desk_client.post(f"{item.get_absolute_url()}assign/", {"assigned_to": technician.pk}, follow=True)
    assert "Assigned to tech." in response.text
    item.refresh_from_db()
    assert item.assigned_to == technician


def test_unknown_or_malformed_control_number_is_404(desk_client):
    assert desk_client.get("/items/SC-999999/").status_code == HTTPStatus.NOT_FOUND
    assert desk_client.get("/items/SC-12x/").status_code == HTTPStatus.NOT_FOUND
    assert desk_client.get("/items/123/").status_code == HTTPStatus.NOT_FOUND


def test_control_number_in_the_url_is_case_insensitive(desk_client):
    item = ServiceItemFactory()
    assert desk_client.get(f"/items/{item.control_number.lower()}/").status_code == HTTPStatus.OK


# Editing


def edit_data(job, **overrides):
    data = take_in_data(
        customer=job.customer, equipment=job.equipment, accessories=job.accessories, version=job.version
    )
    for name in ("intake_token", "assigned_to", "customer", "equipment"):
        data.pop(name)
    data.update(overrides)
    return data


def test_edit_saves_and_records_history(desk_client):
    item = ServiceItemFactory(accessories="Case")
    response = desk_client.post(f"{item.get_absolute_url()}edit/", edit_data(item, accessories="Hose"), follow=True)
    assert f"{item.control_number} saved." in response.text
    assert "Accessories left with the item: “Case” → “Hose”" in response.text


def test_stale_edit_is_refused_showing_what_changed_and_keeping_the_input(desk_client, technician):
    from core import services

    item = ServiceItemFactory(accessories="Case")
    opened = edit_data(item, accessories="Bag", item="First stage only")
    services.update_item(item_pk=item.pk, data={"accessories": "Hose"}, expected_version=1, actor=technician)
    response = desk_client.post(f"{item.get_absolute_url()}edit/", opened)
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Someone else saved this item after you opened the form." in response.text
    assert "Accessories left with the item: yours “Bag”, saved “Hose”" in response.text
    assert 'value="First stage only"' in response.text
    item.refresh_from_db()
    assert item.accessories == "Hose"
    # Saving again, having seen the difference, is a deliberate choice and goes through.
    resent = desk_client.post(f"{item.get_absolute_url()}edit/", {**opened, "version": 2})
    assert resent.status_code == HTTPStatus.FOUND
    item.refresh_from_db()
    assert item.accessories == "Bag"


@pytest.mark.parametrize("status", [Status.RELEASED, Status.CANCELLED])
def test_closed_item_cannot_be_edited(desk_client, status):
    item = ServiceItemFactory(status=status, accessories="Case")
    response = desk_client.post(f"{item.get_absolute_url()}edit/", edit_data(item, accessories="X"), follow=True)
    assert "This item is closed; only notes can be added." in response.text
    item.refresh_from_db()
    assert item.accessories == "Case"


def test_edit_with_a_tampered_version_is_refused(desk_client):
    item = ServiceItemFactory()
    response = desk_client.post(f"{item.get_absolute_url()}edit/", edit_data(item, version="abc"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This form is out of date." in response.text


# Claim slip, delete, export


def test_claim_slip_has_what_the_customer_needs(desk_client, settings):
    settings.SHOP_NAME = "Reef Repairs"
    settings.SHOP_CONTACT = "1 Pier St · 555 0101"
    item = ServiceItemFactory(
        serial_number="007X", accessories="Case", requested_service="Annual service", customer_phone="(202) 555-0143"
    )
    text = desk_client.get(f"{item.get_absolute_url()}slip/").text
    for expected in ("Reef Repairs", "1 Pier St · 555 0101", item.control_number, item.customer.name, "Apeks XTX50",
                     "(202) 555-0143",
                     "007X", "Annual service", "Case", timezone.localtime(item.received_at).strftime("%Y-%m-%d"),
                     "Items not collected within 90 days"):  # fmt: skip
        assert expected in text
    assert "/static/css/slip.css" in text


def test_claim_slip_stylesheet_fits_a6_when_printed():
    stylesheet = pathlib.Path(finders.find("css/slip.css")).read_text()
    assert "@page { size: 105mm 148mm;" in stylesheet  # Chromium ignores the keyword A6 (e2e prints it)
    assert "@media print" in stylesheet


def test_delete_goes_through_a_confirmation_page(manager_client):
    item = ServiceItemFactory()
    page = manager_client.get(f"{item.get_absolute_url()}delete/")
    assert f"Delete {item.control_number}?" in page.text
    response = manager_client.post(f"{item.get_absolute_url()}delete/", follow=True)
    assert f"{item.control_number} was deleted." in response.text
    assert not ServiceItem.objects.exists()


def test_item_with_work_on_it_cannot_be_deleted(manager_client):
    item = ServiceItemFactory(status=Status.IN_REPAIR)
    response = manager_client.post(f"{item.get_absolute_url()}delete/", follow=True)
    assert "Cancel it instead" in response.text
    assert ServiceItem.objects.filter(pk=item.pk).exists()


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_streams_the_filtered_list_as_csv(manager_client):
    ServiceItemFactory(customer_name="Rosa Reyes", serial_number="007")
    ServiceItemFactory(customer_name="Other Person")
    response = manager_client.get("/items/export.csv?q=reyes")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="logbook-')
    table = read_csv(response)
    assert table[0][:3] == ["Control no.", "Customer", "Phone"]
    assert len(table) == 2
    assert table[1][1] == "Rosa Reyes"
    assert table[1][2] == Customer.objects.get(name="Rosa Reyes").phone
    assert table[1][7] == "007"


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_export_neutralises_formulas(manager_client, dangerous):
    ServiceItemFactory(customer_name=dangerous)
    table = read_csv(manager_client.get("/items/export.csv"))
    assert table[1][1] == "'" + dangerous


def test_export_with_bad_filters_is_a_400(manager_client):
    response = manager_client.get("/items/export.csv?status=lost")
    assert response.status_code == HTTPStatus.BAD_REQUEST
