"""Every logbook URL for every kind of visitor: anonymous, no group, and each staff group."""

from http import HTTPStatus

import pytest

from accounts.tests.factories import UserFactory, staff_user
from core.models import ServiceItem, Status
from core.tests.factories import ServiceItemFactory
from service_center.roles import FRONT_DESK, MANAGERS, STAFF_GROUPS, TECHNICIANS
from service_center.tests.helpers import login_as

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_group", FRONT_DESK, TECHNICIANS, MANAGERS]
OK, FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN

BAD = HTTPStatus.BAD_REQUEST
# method, URL (a full path, or one under /items/<number>/), data, and the answer for
# (no group, Front desk, Technicians, Managers); anonymous visitors always go to the login page.
MATRIX = [
    ("get", "/items/new/", None, (FORBIDDEN, OK, FORBIDDEN, OK)),
    ("get", "", None, (FORBIDDEN, OK, OK, OK)),
    ("get", "edit/", None, (FORBIDDEN, OK, OK, OK)),
    ("get", "slip/", None, (FORBIDDEN, OK, FORBIDDEN, OK)),
    ("get", "delete/", None, (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    ("get", "/items/export.csv", None, (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    ("post", "status/", {"status": "diagnosing"}, (FORBIDDEN, FOUND, FOUND, FOUND)),
    ("post", "status/", {"status": "cancelled"}, (FORBIDDEN, BAD, BAD, FOUND)),
    ("post", "assign/", {"assigned_to": ""}, (FORBIDDEN, FOUND, FOUND, FOUND)),
    ("post", "notes/", {"text": "Checked"}, (FORBIDDEN, FOUND, FOUND, FOUND)),
    ("post", "delete/", {}, (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND)),
]


def url_for(path, item):
    return path if path.startswith("/") else f"{item.get_absolute_url()}{path}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "answers"), MATRIX, ids=[f"{m} {p} {d}" for m, p, d, _ in MATRIX])
def test_permission_matrix(client, role, method, path, data, answers):
    item = ServiceItemFactory()
    login_as(client, role)
    url = url_for(path, item)
    response = getattr(client, method)(url, data or {})
    if role == "anonymous":
        assert response.status_code == FOUND
        assert response.url.startswith("/accounts/login/?next=")
        return
    expected = dict(zip(ROLES[1:], answers, strict=True))[role]
    assert response.status_code == expected, response.content[:300]
    if expected == FORBIDDEN:
        assert "ask a manager to grant you access" in response.text


@pytest.mark.parametrize("role", ["no_group", *STAFF_GROUPS])
def test_refused_posts_change_nothing(client, role):
    item = ServiceItemFactory()
    login_as(client, role)
    client.post(f"{item.get_absolute_url()}status/", {"status": "cancelled"})
    item.refresh_from_db()
    assert item.status == (Status.CANCELLED if role == MANAGERS else Status.RECEIVED)


def test_no_group_user_sees_no_customer_data_on_the_index(client):
    ServiceItemFactory(customer_name="Secret Customer")
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == OK
    assert "a manager must grant you access" in response.text
    assert "Secret Customer" not in response.text


def test_hiding_buttons_is_not_the_only_check_technician_cannot_take_in(client):
    client.force_login(staff_user(TECHNICIANS))
    response = client.post("/items/new/", {"customer_name": "X"})
    assert response.status_code == FORBIDDEN
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize("path", ["status/", "assign/", "notes/"])
def test_action_urls_refuse_get(client, path):
    item = ServiceItemFactory()
    client.force_login(staff_user(MANAGERS))
    assert client.get(f"{item.get_absolute_url()}{path}").status_code == HTTPStatus.METHOD_NOT_ALLOWED
