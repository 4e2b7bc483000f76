"""The customer page's panel for a piece, rendered on its own (the customers app includes it on its page)."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.tests.factories import UserFactory
from maintenance.tests.factories import piece

pytestmark = pytest.mark.django_db


def render(piece_, user):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load maintenance %}{% equipment_clocks piece %}")
    return template.render(Context({"piece": piece_, "request": request}))


def test_a_piece_shows_each_clock_with_its_due_date_and_overdue_ones_stand_out(technician):
    cylinder = piece("Cylinder", purchased_on=datetime.date(2020, 3, 1))
    html = render(cylinder, technician)
    assert "Visual inspection: due March 1, 2021" in html
    assert "Hydrostatic test: due March 1, 2025" in html
    assert html.count("Overdue") == 2
    assert f'href="/service-due/equipment/{cylinder.pk}/"' in html


def test_someone_without_access_to_the_clocks_gets_no_link(db):
    html = render(piece("Regulator"), UserFactory())
    assert "due date not known" in html
    assert "/service-due/" not in html


def test_a_type_without_a_plan_shows_nothing(technician):
    assert render(piece("Wetsuit"), technician).strip() == ""
