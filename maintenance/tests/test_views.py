"""The due list, its export, a piece's clocks page, the job's panel, the sticker and the public gear page."""

import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.utils import timezone

from core.tests.factories import ServiceItemFactory
from customers.tests.factories import CustomerFactory
from maintenance import services
from maintenance.dates import add_months
from maintenance.models import GearPage, JobClockSelection, ServiceRecord
from maintenance.tests.factories import clock_of, consenting_customer, piece, preset

pytestmark = pytest.mark.django_db
DUE = "/service-due/"


def due_in(days, type_name="Regulator", **kwargs):
    due = timezone.localdate() + datetime.timedelta(days=days)
    return piece(type_name, purchased_on=add_months(due, -12), **kwargs)


# The due list ---------------------------------------------------------------------------------------------------


def test_the_due_list_groups_gear_per_customer_most_overdue_first(desk_client):
    rosa = consenting_customer(name="Rosa Reyes")
    due_in(20, owner=rosa)
    due_in(3, "Cylinder", owner=rosa)
    due_in(-5, owner=CustomerFactory(name="Owen Late"))
    due_in(200, owner=CustomerFactory(name="Far Future"))
    response = desk_client.get(DUE)
    assert response.status_code == HTTPStatus.OK
    text = response.text
    assert text.index("Owen Late") < text.index("Rosa Reyes")
    assert "Far Future" not in text
    assert "Overdue" in text
    assert text.count("Apeks XTX50") == 3
    assert "3 services due by" in text


def test_the_due_list_says_who_gets_no_reminder_and_why(desk_client):
    due_in(5, owner=CustomerFactory(name="No Consent", consent=False))
    due_in(6, owner=consenting_customer(name="No Mail", email=""))
    text = desk_client.get(DUE).text
    assert "No reminders: no consent to messages" in text
    assert "No reminders: no email address" in text


def test_the_due_list_filters_by_weeks_type_clock_and_overdue(desk_client):
    due_in(20, owner=CustomerFactory(name="Regulator Owner"))
    due_in(-3, "Cylinder", owner=CustomerFactory(name="Cylinder Owner"))
    assert "Regulator Owner" not in desk_client.get(DUE, {"weeks": 2}).text
    assert "Regulator Owner" in desk_client.get(DUE, {"weeks": 4}).text
    cylinder = preset("Cylinder", "Visual inspection", "US")
    by_type = desk_client.get(DUE, {"kind": cylinder.equipment_type_id}).text
    assert "Cylinder Owner" in by_type and "Regulator Owner" not in by_type
    by_clock = desk_client.get(DUE, {"clock": preset("Regulator", "Annual service").pk}).text
    assert "Regulator Owner" in by_clock and "Cylinder Owner" not in by_clock
    overdue = desk_client.get(DUE, {"overdue": "on"}).text
    assert "Cylinder Owner" in overdue and "Regulator Owner" not in overdue


def test_a_cylinder_clock_of_another_region_is_not_listed(desk_client, settings):
    due_in(3, "Cylinder", owner=CustomerFactory(name="Cylinder Owner"))
    settings.SERVICE_PLAN_REGION = "UK"  # 30 months: not due yet
    assert "Cylinder Owner" not in desk_client.get(DUE).text


@pytest.mark.parametrize(
    "query", [{"weeks": "0"}, {"weeks": "abc"}, {"weeks": "1000"}, {"kind": "999999"}, {"clock": "x"}]
)
def test_bad_filters_answer_400_with_the_reason(desk_client, query):
    response = desk_client.get(DUE, query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Correct the filters above" in response.text
    assert "invalid-feedback" in response.text


def test_the_due_list_shows_each_customer_once_complete_on_the_page_of_their_earliest_due_clock(desk_client):
    for number in range(49):
        due_in(number, owner=CustomerFactory(name=f"Customer {number:02d}"))
    club = CustomerFactory(name="Dive Club")
    due_in(49, owner=club, serial_number="CLUB-EARLY")  # the 50th clock: last on page 1
    due_in(55, owner=club, serial_number="CLUB-LATE")  # falls on page 2, shown with the club on page 1
    due_in(56, owner=CustomerFactory(name="Customer 56"))
    first, second = desk_client.get(DUE, {"weeks": 10}).text, desk_client.get(DUE, {"weeks": 10, "page": 2}).text
    assert "Customer 00" in first and "Customer 48" in first
    assert "CLUB-EARLY" in first and "CLUB-LATE" in first
    assert "Dive Club" not in second and "Customer 56" in second
    assert desk_client.get(DUE, {"page": 9}).status_code == HTTPStatus.NOT_FOUND


def test_the_due_list_reads_a_page_in_a_fixed_number_of_queries(desk_client, django_assert_max_num_queries):
    for number in range(15):
        due_in(number, "Cylinder")
    desk_client.get(DUE)
    with django_assert_max_num_queries(12):
        assert desk_client.get(DUE).status_code == HTTPStatus.OK


def test_the_export_is_the_filtered_list_as_csv_with_formulas_neutralised(manager_client):
    hostile = CustomerFactory(name='=HYPERLINK("http://evil")', email="x@example.com", phone="+1 202 555 0143")
    due_in(4, owner=hostile, serial_number="-AB1")
    due_in(300)
    response = manager_client.get("/service-due/export.csv")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Customer", "Email", "Phone", "Reminders"]
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][2].lstrip("'") == "+1 202 555 0143"  # a phone, whichever way the site's CSV rule quotes it
    assert rows[1][3] == "No consent to messages"
    assert rows[1][7] == "'-AB1"
    assert rows[1][11] == "No"


# A piece's page -------------------------------------------------------------------------------------------------


def test_the_piece_page_shows_each_clock_with_its_dates(desk_client):
    cylinder = piece("Cylinder", purchased_on=datetime.date(2024, 2, 29))
    text = desk_client.get(f"/service-due/equipment/{cylinder.pk}/").text
    assert "Visual inspection" in text and "Hydrostatic test" in text
    assert "Feb. 28, 2025" in text  # the visual inspection, a year after 29 February
    assert "Feb. 28, 2029" in text


def test_service_done_elsewhere_is_recorded_from_the_piece_page(desk_client):
    cylinder = piece("Cylinder", purchased_on=datetime.date(2020, 1, 1))
    visual = preset("Cylinder", "Visual inspection", "US")
    response = desk_client.post(
        f"/service-due/equipment/{cylinder.pk}/outside/",
        {"clocks": [visual.pk], "done_on": "2026-01-31", "done_by": "Harbour Test Station", "note": "Sticker 2026"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert clock_of(cylinder, "Visual inspection").next_due_on == datetime.date(2027, 1, 31)
    record = ServiceRecord.objects.get()
    assert (record.source, record.done_by, record.note) == ("outside", "Harbour Test Station", "Sticker 2026")
    assert "Harbour Test Station" in desk_client.get(response.url).text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"clocks": [], "done_on": "2026-01-31", "done_by": "X"}, "This field is required."),
        ({"done_on": "2999-01-01", "done_by": "X"}, "can’t be in the future"),
        ({"done_on": "31/31/2026", "done_by": "X"}, "Enter a valid date."),
        ({"done_on": "1900-01-01", "done_by": "X"}, "after 1950"),
        ({"done_on": "2026-01-31", "done_by": "X" * 121}, "at most 120 characters"),
        ({"done_on": "2026-01-31", "done_by": ""}, "This field is required."),
    ],
)
def test_bad_outside_service_is_refused_with_the_reason_and_nothing_saved(desk_client, data, error):
    regulator = piece()
    data = {"clocks": [preset("Regulator", "Annual service").pk], **data}
    response = desk_client.post(f"/service-due/equipment/{regulator.pk}/outside/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error in response.text
    assert not ServiceRecord.objects.exists()


def test_another_types_clock_cannot_be_posted_for_a_piece(desk_client):
    regulator = piece()
    response = desk_client.post(
        f"/service-due/equipment/{regulator.pk}/outside/",
        {"clocks": [preset("BCD", "Annual service").pk], "done_on": "2026-01-31", "done_by": "X"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ServiceRecord.objects.exists()


def test_a_manager_sets_a_pieces_own_interval(manager_client):
    regulator = piece(purchased_on=datetime.date(2026, 1, 31))
    row = clock_of(regulator, "Annual service")
    url = f"/service-due/equipment/{regulator.pk}/clocks/{row.pk}/interval/"
    response = manager_client.post(url, {f"clock{row.pk}-months": "24"}, follow=True)
    assert "Annual service: next due Jan. 31, 2028." in response.text
    bad = manager_client.post(url, {f"clock{row.pk}-months": "0"})
    assert bad.status_code == HTTPStatus.BAD_REQUEST
    assert "greater than or equal to 1" in bad.text
    assert clock_of(regulator, "Annual service").interval_months == 24


def test_another_pieces_clock_is_404(manager_client):
    regulator, other = piece(), piece()
    row = clock_of(other, "Annual service")
    url = f"/service-due/equipment/{regulator.pk}/clocks/{row.pk}/interval/"
    assert manager_client.post(url, {f"clock{row.pk}-months": "24"}).status_code == HTTPStatus.NOT_FOUND


def test_a_missing_piece_is_404(desk_client):
    assert desk_client.get("/service-due/equipment/999999/").status_code == HTTPStatus.NOT_FOUND


# The job's panel ------------------------------------------------------------------------------------------------


def test_the_job_page_offers_the_technician_the_suggested_clocks(tech_client):
    regulator = piece()
    item = ServiceItemFactory(equipment=regulator, customer=regulator.owner, requested_service="Annual service")
    text = tech_client.get(item.get_absolute_url()).text
    assert "Service clocks" in text
    clock = preset("Regulator", "Annual service")
    assert f'value="{clock.pk}" id="job-clock-{clock.pk}" checked' in text
    response = tech_client.post(f"/service-due/jobs/{item.pk}/clocks/", {"clocks": [clock.pk]})
    assert response.status_code == HTTPStatus.FOUND
    assert list(JobClockSelection.objects.get(item=item).clocks.all()) == [clock]


def test_the_front_desk_sees_the_ticks_but_cannot_change_them(desk_client):
    regulator = piece()
    item = ServiceItemFactory(equipment=regulator, customer=regulator.owner)
    text = desk_client.get(item.get_absolute_url()).text
    assert "No clock ticked yet." in text
    response = desk_client.post(f"/service-due/jobs/{item.pk}/clocks/", {"clocks": []})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_foreign_clock_posted_for_a_job_is_refused_with_a_message(tech_client):
    regulator = piece()
    item = ServiceItemFactory(equipment=regulator, customer=regulator.owner)
    response = tech_client.post(
        f"/service-due/jobs/{item.pk}/clocks/", {"clocks": [preset("BCD", "Annual service").pk]}, follow=True
    )
    assert "Choose among the clocks shown." in response.text
    assert not JobClockSelection.objects.exists()


def test_a_job_whose_piece_has_no_service_plan_shows_no_panel(tech_client):
    item = ServiceItemFactory(item_type="Mask")
    assert "Service clocks" not in tech_client.get(item.get_absolute_url()).text


# The sticker and the gear page -----------------------------------------------------------------------------------


def test_the_sticker_holds_a_qr_code_only_while_the_page_is_on(desk_client, front_desk):
    regulator = piece()
    assert "no sticker to print" in desk_client.get(f"/service-due/equipment/{regulator.pk}/sticker/").text
    desk_client.post(f"/service-due/equipment/{regulator.pk}/gear-page/", {"enabled": "on"})
    text = desk_client.get(f"/service-due/equipment/{regulator.pk}/sticker/").text
    assert '<svg viewBox="' in text
    assert GearPage.objects.get().get_absolute_url() in text
    assert " style=" not in text and "<script" not in text


def test_the_public_gear_page_shows_the_gear_and_its_dates_and_nothing_personal(client, front_desk):
    owner = CustomerFactory(name="Rosa Reyes", email="rosa@example.com", phone="+1 202 555 0199")
    regulator = piece(owner=owner, purchased_on=datetime.date(2026, 1, 31), serial_number="SECRET42")
    page = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk)
    response = client.get(page.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    text = response.text
    assert "Apeks XTX50" in text and "Regulator" in text and "Annual service" in text
    assert "Jan. 31, 2027" in text
    for personal in ("Rosa", "Reyes", "rosa@example.com", "0199", "SECRET42"):
        assert personal not in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in text


def test_a_wrong_or_switched_off_gear_page_is_a_plain_404(client, front_desk):
    regulator = piece()
    page = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk)
    assert client.get("/gear/1.abc:def/").status_code == HTTPStatus.NOT_FOUND
    assert client.get(page.get_absolute_url()[:-2] + "x/").status_code == HTTPStatus.NOT_FOUND
    services.switch_gear_page(equipment=regulator, enabled=False, actor=front_desk)
    assert client.get(page.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_the_gear_page_is_rate_limited_per_client_address(client, settings, front_desk):
    page = services.switch_gear_page(equipment=piece(), enabled=True, actor=front_desk)
    limit = settings.THROTTLE_GEAR_PAGE[0]
    answers = [client.get("/gear/guess-{n}/").status_code for n in range(limit)]
    assert set(answers[: limit - 1]) == {HTTPStatus.NOT_FOUND}
    response = client.get(page.get_absolute_url())
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    # Like the page itself: kept out of search engines, and no address of it sent on.
    assert (response["X-Robots-Tag"], response["Referrer-Policy"]) == ("noindex, nofollow", "no-referrer")


def test_staff_who_scan_a_sticker_land_on_the_pieces_clocks(desk_client, front_desk):
    regulator = piece()
    page = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk)
    response = desk_client.get(page.get_absolute_url())
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"/service-due/equipment/{regulator.pk}/"


def test_the_access_log_never_holds_a_gear_pages_address(client, caplog, front_desk):
    import logging

    page = services.switch_gear_page(equipment=piece(), enabled=True, actor=front_desk)
    with caplog.at_level(logging.INFO, logger="service_center.access"):
        client.get(page.get_absolute_url())
    assert "GET /gear/[redacted]/ 200" in caplog.records[-1].getMessage()
    assert page.token not in caplog.text


def test_a_refused_gear_page_is_logged_without_its_address(client, front_desk):
    """Django's "Not Found" warning writes the path; the site's log handler takes the signed address out of it."""
    import io
    import logging

    page = services.switch_gear_page(equipment=piece(), enabled=True, actor=front_desk)
    services.switch_gear_page(equipment=page.equipment, enabled=False, actor=front_desk)
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream, console.stream = console.stream, io.StringIO()
    try:
        assert client.get(page.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
        written = console.stream.getvalue()
    finally:
        console.stream = stream
    assert "Not Found: /gear/[redacted]/" in written
    assert page.token not in written
