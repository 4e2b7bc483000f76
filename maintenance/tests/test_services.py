"""Keeping clocks true: pieces, plans, service in the shop and elsewhere, releases, and the gear page switch."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from core import services as logbook
from core.models import ServiceEvent, Status
from core.tests.factories import ServiceItemFactory
from customers.tests.factories import equipment_type
from maintenance import services
from maintenance.models import EquipmentClock, GearPage, ServiceRecord
from maintenance.tests.factories import clock_of, piece, preset

pytestmark = pytest.mark.django_db
D = datetime.date


def release(item, actor):
    for status in (Status.DIAGNOSING, Status.IN_REPAIR, Status.READY, Status.RELEASED):
        logbook.change_status(item_pk=item.pk, to_status=status, actor=actor)
    item.refresh_from_db()
    return item


def job_for(equipment, **kwargs):
    return ServiceItemFactory(equipment=equipment, customer=equipment.owner, **kwargs)


def test_a_new_piece_gets_its_types_clocks_counting_from_the_purchase_date():
    cylinder = piece("Cylinder", purchased_on=D(2026, 3, 31))
    assert clock_of(cylinder, "Visual inspection").next_due_on == D(2027, 3, 31)
    assert clock_of(cylinder, "Hydrostatic test").next_due_on == D(2031, 3, 31)


def test_with_nothing_known_a_clock_has_no_due_date():
    assert clock_of(piece("Regulator"), "Annual service").next_due_on is None


def test_a_piece_that_becomes_another_type_trades_its_clocks():
    regulator = piece("Regulator", purchased_on=D(2026, 1, 1))
    regulator.kind = equipment_type("BCD")
    regulator.save()
    assert [row.clock.equipment_type.name for row in EquipmentClock.objects.filter(equipment=regulator)] == ["BCD"]


def test_service_done_elsewhere_resets_the_clock_and_an_older_record_moves_nothing(manager):
    regulator = piece(purchased_on=D(2024, 5, 1))
    clock = preset("Regulator", "Annual service")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)):
        services.record_service(
            equipment=regulator,
            clocks=[clock],
            done_on=D(2026, 1, 31),
            source="outside",
            actor=manager,
            done_by="Reef Divers",
        )
        assert clock_of(regulator, "Annual service").next_due_on == D(2027, 1, 31)
        services.record_service(
            equipment=regulator, clocks=[clock], done_on=D(2025, 6, 1), source="outside", actor=manager
        )
    row = clock_of(regulator, "Annual service")
    assert (row.last_done_on, row.next_due_on) == (D(2026, 1, 31), D(2027, 1, 31))
    assert ServiceRecord.objects.filter(equipment=regulator).count() == 2


def test_a_service_date_in_the_future_is_refused(manager):
    with pytest.raises(services.MaintenanceError, match="future"):
        services.record_service(
            equipment=piece(),
            clocks=[preset("Regulator", "Annual service")],
            done_on=timezone.localdate() + datetime.timedelta(days=1),
            source="outside",
            actor=manager,
        )


def test_another_types_clock_cannot_be_recorded_on_a_piece(manager):
    with pytest.raises(services.MaintenanceError, match="not part of this piece"):
        services.record_service(
            equipment=piece("Regulator"),
            clocks=[preset("BCD", "Annual service")],
            done_on=D(2026, 1, 1),
            source="outside",
            actor=manager,
        )


def test_a_pieces_own_interval_moves_its_next_due_date(manager):
    regulator = piece(purchased_on=D(2026, 2, 28))
    row = services.set_own_interval(
        equipment_clock_pk=clock_of(regulator, "Annual service").pk, months=24, actor=manager
    )
    assert row.next_due_on == D(2028, 2, 28)
    row = services.set_own_interval(equipment_clock_pk=row.pk, months=None, actor=manager)
    assert row.next_due_on == D(2027, 2, 28)


def test_changing_a_plans_interval_moves_every_pieces_due_date(django_capture_on_commit_callbacks):
    first, second = piece(purchased_on=D(2026, 1, 1)), piece(purchased_on=D(2025, 7, 1))
    clock = preset("Regulator", "Annual service")
    clock.interval_months = 18
    with django_capture_on_commit_callbacks(execute=True):
        clock.save()  # the admin's save: the background task does the rest
    assert clock_of(first, "Annual service").next_due_on == D(2027, 7, 1)
    assert clock_of(second, "Annual service").next_due_on == D(2027, 1, 1)


def test_a_new_clock_in_a_plan_reaches_the_pieces_that_exist(django_capture_on_commit_callbacks):
    bcd = piece("BCD", purchased_on=D(2026, 1, 1))
    from maintenance.models import ServiceClock

    with django_capture_on_commit_callbacks(execute=True):
        ServiceClock.objects.create(
            equipment_type=bcd.kind, name="Inflator check", interval_months=6, outcome="seals_check"
        )
    assert clock_of(bcd, "Inflator check").next_due_on == D(2026, 7, 1)


# Releases ----------------------------------------------------------------------------------------------------------


def test_a_released_job_resets_the_ticked_clocks_dated_the_release_day_and_says_so(technician, manager):
    regulator = piece(purchased_on=D(2020, 1, 1))
    item = job_for(regulator, requested_service="Annual service")
    assert services.suggested_clocks(item) == [preset("Regulator", "Annual service")]
    services.choose_job_clocks(item_pk=item.pk, clock_ids=[preset("Regulator", "Annual service").pk], actor=technician)
    with time_machine.travel(datetime.datetime(2026, 1, 31, 15, tzinfo=datetime.UTC)):
        release(item, manager)
    row = clock_of(regulator, "Annual service")
    assert (row.last_done_on, row.next_due_on) == (D(2026, 1, 31), D(2027, 1, 31))
    record = ServiceRecord.objects.get(equipment=regulator)
    assert (record.item, record.source, record.recorded_by) == (item, "shop", manager)
    event = item.events.get(kind=ServiceEvent.Kind.SERVICE)
    assert "Annual service: next due" in event.note


def test_release_day_is_the_shops_day_not_the_servers(settings, technician, manager):
    settings.TIME_ZONE = "Pacific/Auckland"
    regulator = piece()
    item = job_for(regulator)
    services.choose_job_clocks(item_pk=item.pk, clock_ids=[preset("Regulator", "Annual service").pk], actor=technician)
    with time_machine.travel(datetime.datetime(2028, 2, 28, 20, tzinfo=datetime.UTC)):  # 29 February in Auckland
        release(item, manager)
    row = clock_of(regulator, "Annual service")
    assert (row.last_done_on, row.next_due_on) == (D(2028, 2, 29), D(2029, 2, 28))


def test_a_release_with_nothing_ticked_resets_nothing_and_the_timeline_says_so(manager):
    regulator = piece(purchased_on=D(2025, 1, 1))
    item = release(job_for(regulator, requested_service="Annual service"), manager)
    assert clock_of(regulator, "Annual service").next_due_on == D(2026, 1, 1)
    assert item.events.get(kind=ServiceEvent.Kind.SERVICE).note == "No service clock was reset."


def test_a_job_whose_piece_has_no_clocks_adds_nothing_to_the_timeline(manager):
    item = release(ServiceItemFactory(item_type="Mask"), manager)
    assert not item.events.filter(kind=ServiceEvent.Kind.SERVICE).exists()


def test_a_cancelled_job_resets_nothing(technician, manager):
    regulator = piece()
    item = job_for(regulator)
    services.choose_job_clocks(item_pk=item.pk, clock_ids=[preset("Regulator", "Annual service").pk], actor=technician)
    logbook.change_status(item_pk=item.pk, to_status=Status.CANCELLED, actor=manager)
    assert not ServiceRecord.objects.exists()


def test_the_clocks_of_a_closed_job_cannot_be_changed(technician, manager):
    item = release(job_for(piece()), manager)
    with pytest.raises(services.MaintenanceError, match="closed"):
        services.choose_job_clocks(item_pk=item.pk, clock_ids=[], actor=technician)


def test_a_job_cannot_tick_a_clock_of_another_type(technician):
    item = job_for(piece("Regulator"))
    with pytest.raises(services.MaintenanceError, match="not part"):
        services.choose_job_clocks(item_pk=item.pk, clock_ids=[preset("BCD", "Annual service").pk], actor=technician)


def test_a_saved_choice_replaces_the_suggestion(technician):
    item = job_for(piece("Regulator"), requested_service="Annual service")
    services.choose_job_clocks(item_pk=item.pk, clock_ids=[], actor=technician)
    assert services.suggested_clocks(item) == []


# The gear page --------------------------------------------------------------------------------------------------


def test_switching_the_gear_page_off_and_on_again_kills_the_old_sticker(front_desk):
    regulator = piece()
    first = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk)
    old_token = first.token
    services.switch_gear_page(equipment=regulator, enabled=False, actor=front_desk)
    assert GearPage.from_token(old_token) is None
    again = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk)
    assert again.token != old_token
    assert GearPage.from_token(old_token) is None
    assert GearPage.from_token(again.token) == again


def test_switching_on_a_page_that_is_on_keeps_its_sticker(front_desk):
    regulator = piece()
    token = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk).token
    assert services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk).token == token


def test_the_gear_page_survives_a_change_of_owner(front_desk):
    from customers.tests.factories import CustomerFactory

    regulator = piece()
    token = services.switch_gear_page(equipment=regulator, enabled=True, actor=front_desk).token
    regulator.owner = CustomerFactory()
    regulator.save()
    assert GearPage.from_token(token).equipment == regulator
