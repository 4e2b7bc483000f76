"""Every service clock URL for every kind of visitor: anonymous, no group, and each staff group."""

from http import HTTPStatus

import pytest

from core.tests.factories import ServiceItemFactory
from maintenance import services
from maintenance.models import GearPage, ServiceRecord
from maintenance.tests.factories import clock_of, piece, preset
from service_center.roles import FRONT_DESK, MANAGERS, STAFF_GROUPS, TECHNICIANS
from service_center.tests.helpers import MATRIX_ROLES, assert_matrix_answer, login_as

pytestmark = pytest.mark.django_db

OK, FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN
# method, URL ({piece}, {row}, {item} filled in), data, and the answer for (no group, Front desk, Technicians,
# Managers); anonymous visitors always go to the login page.
MATRIX = [
    ("get", "/service-due/", None, (FORBIDDEN, OK, OK, OK)),
    ("get", "/service-due/export.csv", None, (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    ("get", "/service-due/equipment/{piece}/", None, (FORBIDDEN, OK, OK, OK)),
    ("get", "/service-due/equipment/{piece}/sticker/", None, (FORBIDDEN, OK, OK, OK)),
    (
        "post",
        "/service-due/equipment/{piece}/outside/",
        {"clocks": "{clock}", "done_on": "2026-01-01", "done_by": "Reef"},
        (FORBIDDEN, FOUND, FOUND, FOUND),
    ),
    (
        "post",
        "/service-due/equipment/{piece}/clocks/{row}/interval/",
        {"clock{row}-months": "24"},
        (FORBIDDEN, FORBIDDEN, FORBIDDEN, FOUND),
    ),
    ("post", "/service-due/equipment/{piece}/gear-page/", {"enabled": "on"}, (FORBIDDEN, FOUND, FORBIDDEN, FOUND)),
    ("post", "/service-due/jobs/{item}/clocks/", {"clocks": "{clock}"}, (FORBIDDEN, FORBIDDEN, FOUND, FOUND)),
]


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize(("method", "path", "data", "answers"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_permission_matrix(client, role, method, path, data, answers):
    regulator = piece()
    names = {
        "piece": regulator.pk,
        "row": clock_of(regulator, "Annual service").pk,
        "item": ServiceItemFactory(equipment=regulator, customer=regulator.owner).pk,
        "clock": preset("Regulator", "Annual service").pk,
    }
    login_as(client, role)
    data = {key.format(**names): value.format(**names) for key, value in (data or {}).items()}
    assert_matrix_answer(getattr(client, method)(path.format(**names), data), role, answers)


@pytest.mark.parametrize("role", ["no_group", *STAFF_GROUPS])
def test_refused_posts_change_nothing(client, role):
    regulator = piece()
    login_as(client, role)
    client.post(f"/service-due/equipment/{regulator.pk}/gear-page/", {"enabled": "on"})
    row = clock_of(regulator, "Annual service")
    client.post(f"/service-due/equipment/{regulator.pk}/clocks/{row.pk}/interval/", {f"clock{row.pk}-months": "6"})
    assert GearPage.objects.exists() is (role in (FRONT_DESK, MANAGERS))
    assert (clock_of(regulator, "Annual service").interval_months == 6) is (role == MANAGERS)


@pytest.mark.parametrize("role", ["anonymous", "no_group"])
def test_the_gear_page_is_public(client, role, front_desk):
    page = services.switch_gear_page(equipment=piece(), enabled=True, actor=front_desk)
    login_as(client, role)
    assert client.get(page.get_absolute_url()).status_code == OK


@pytest.mark.parametrize("path", ["outside/", "gear-page/"])
def test_action_urls_refuse_get(manager_client, path):
    regulator = piece()
    assert manager_client.get(f"/service-due/equipment/{regulator.pk}/{path}").status_code == (
        HTTPStatus.METHOD_NOT_ALLOWED
    )
    assert not ServiceRecord.objects.exists()


def test_the_due_list_is_in_the_menu_only_for_those_who_may_see_it(client):
    login_as(client, "no_group")
    assert "Service due" not in client.get("/").text
    login_as(client, TECHNICIANS)
    assert 'href="/service-due/"' in client.get("/").text
