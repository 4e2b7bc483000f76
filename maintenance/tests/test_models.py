import datetime

import pytest
from django.db import IntegrityError

from maintenance.models import EquipmentClock, GearPage, ServiceClock
from maintenance.tests.factories import clock_of, piece, preset

pytestmark = pytest.mark.django_db


def test_the_presets_give_dive_gear_its_clocks_and_cylinders_those_of_the_shops_region(settings):
    settings.SERVICE_PLAN_REGION = "US"
    us = {(clock.equipment_type.name, clock.name, clock.interval_months) for clock in ServiceClock.objects.in_force()}
    assert {("Regulator", "Annual service", 12), ("BCD", "Annual service", 12)} <= us
    assert {("Cylinder", "Visual inspection", 12), ("Cylinder", "Hydrostatic test", 60)} <= us
    settings.SERVICE_PLAN_REGION = "UK"
    uk = {(clock.equipment_type.name, clock.name, clock.interval_months) for clock in ServiceClock.objects.in_force()}
    assert {("Cylinder", "Visual inspection", 30), ("Cylinder", "Hydrostatic test", 60)} <= uk
    assert ("Cylinder", "Visual inspection", 12) not in uk
    assert all(clock.source for clock in ServiceClock.objects.filter(equipment_type__name="Cylinder"))


def test_a_plan_cannot_have_the_same_clock_twice_whatever_the_letter_case():
    clock = preset("Regulator", "Annual service")
    with pytest.raises(IntegrityError):
        ServiceClock.objects.create(
            equipment_type=clock.equipment_type, name="ANNUAL SERVICE", interval_months=24, outcome="service"
        )


def test_an_interval_of_zero_months_is_refused_by_the_database():
    clock = preset("Regulator", "Annual service")
    with pytest.raises(IntegrityError):
        ServiceClock.objects.filter(pk=clock.pk).update(interval_months=0)


@pytest.mark.parametrize(
    ("text", "clock_name", "suggested"),
    [
        ("Annual service", "Annual service", True),
        ("Hydro and VIP", "Hydrostatic test", True),
        ("Hydro and VIP", "Visual inspection", True),
        ("Visual only", "Hydrostatic test", False),
        ("Leaking hose", "Annual service", False),
    ],
)
def test_a_jobs_requested_service_suggests_the_clocks_it_resets(text, clock_name, suggested):
    type_name = "Regulator" if clock_name == "Annual service" else "Cylinder"
    clock = preset(type_name, clock_name, "" if type_name == "Regulator" else "US")
    assert clock.suggested_by(text) is suggested


def test_a_pieces_own_interval_overrides_the_plans():
    regulator = piece(purchased_on=datetime.date(2026, 1, 10))
    row = clock_of(regulator, "Annual service")
    assert row.compute_next_due(regulator.purchased_on) == datetime.date(2027, 1, 10)
    row.interval_months = 24
    assert row.compute_next_due(regulator.purchased_on) == datetime.date(2028, 1, 10)
    assert row.compute_next_due(None) is None


def test_a_gear_page_token_opens_only_its_own_switched_on_page():
    page = GearPage.objects.create(equipment=piece(), nonce=GearPage.new_nonce())
    assert GearPage.from_token(page.token) == page
    piece_id, rest = page.token.split(".", 1)
    assert GearPage.from_token(f"{int(piece_id) + 1}.{rest}") is None  # another piece's number, same signature
    assert GearPage.from_token(page.token[:-1] + ("A" if page.token[-1] != "A" else "B")) is None
    assert GearPage.from_token("nonsense") is None
    page.enabled = False
    page.save()
    assert GearPage.from_token(page.token) is None


def test_each_piece_has_one_row_per_clock():
    regulator = piece()
    with pytest.raises(IntegrityError):
        EquipmentClock.objects.create(equipment=regulator, clock=preset("Regulator", "Annual service"))
