"""Input at the edges answers 4xx with a reason, never 500: NUL bytes anywhere, dates at the calendar's ends,
Unicode digits. Run on PostgreSQL too, where a NUL byte in a query is a DataError."""

from http import HTTPStatus

import pytest
from django.test import Client

from core.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/users/%00/",
        "/?q=%00",
        "/?status=%00",
        "/?%00=1",
        "/items/export.csv?q=a%00b",
        "/admin/core/serviceitem/?status__exact=%00",
        "/admin/core/serviceitem/?q=%00",
        "/admin/accounts/user/?username__exact=%00",
        "/admin/accounts/user/?q=x%00",
        "/admin/accounts/auditevent/?kind__exact=%00",
        "/accounts/login/?next=%00",
    ],
)
def test_a_nul_byte_in_the_address_is_a_bad_request(superuser_client, path):
    response = superuser_client.get(path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Bad request" in response.text


def test_a_nul_byte_in_a_form_is_a_bad_request(user_client):
    response = user_client.post("/accounts/profile/", {"first_name": "Ann\x00", "last_name": "Lee"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_nul_byte_in_the_login_form_is_a_bad_request(client):
    response = client.post("/accounts/login/", {"username": "root\x00", "password": "x"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_nul_byte_in_a_cookie_is_a_bad_request(client):
    # A quoted cookie value may carry octal escapes, which Django's cookie parser turns into the byte.
    assert client.get("/", HTTP_COOKIE='sessionid="\\000abcdefgh"').status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize(
    "query",
    ["received_to=9999-12-31", "received_from=0001-01-01", "received_to=0001-01-01", "received_from=3000-01-01"],
)
@pytest.mark.parametrize("page", ["/", "/items/export.csv"])
def test_dates_at_the_calendars_ends_are_refused_with_a_reason(manager_client, page, query, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # ahead of UTC: 0001-01-01 00:00 there is before the calendar begins in UTC
    response = manager_client.get(f"{page}?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Enter a date between 1900-01-01 and 2999-12-31." in response.text


def test_the_last_day_people_use_still_filters(manager_client):
    ServiceItemFactory()
    response = manager_client.get("/?received_from=1900-01-01&received_to=2999-12-31")
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00", "0100-06-01T12:00"])
def test_a_take_in_dated_before_the_calendar_is_refused(desk_client, received_at, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    response = desk_client.post(
        "/items/new/",
        {"customer_name": "Ann", "item": "Reg", "item_type": "Regulator", "received_at": received_at,
         "priority": "normal", "intake_token": "6f1c5d8e-8a55-4a4e-9b1a-3f1d2c4b5a69"},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Enter a date between" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "received_at__year=9999",
        "received_at__year=9999&received_at__month=12",
        "received_at__year=9999&received_at__month=12&received_at__day=31",
        "received_at__year=0&received_at__month=1",
        "received_at__year=99999999999999999999",
        "received_at__gte=0001-01-01",
        "received_at__lt=9999-12-31",
        "id__exact=99999999999999999999999",
        "e=1",
        "o=99",
        "p=99999999",
    ],
)
def test_the_admins_filters_at_the_edges_never_fail(superuser, query, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    ServiceItemFactory()
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    response = client.get(f"/admin/core/serviceitem/?{query}")
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, query


@pytest.mark.parametrize("selected", ["None", "abc", "1.5", "²"])
def test_an_admin_action_on_rows_that_are_no_rows_says_so(superuser, selected):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [selected], "index": "0"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Those are not items of this list." in client.get(response.url).text
