"""What the clocks do when customers are merged or erased, and when managers edit plans in the admin."""

import datetime
import io

import pytest
from django.db.models import ProtectedError

from customers.models import Equipment
from customers.signals import customer_erased, customers_merging
from customers.tests.factories import CustomerFactory
from maintenance import services
from maintenance.models import Reminder, ServiceRecord
from maintenance.tests.factories import clock_of, piece, preset

pytestmark = pytest.mark.django_db


def reminded(equipment, customer):
    row = clock_of(equipment, "Annual service")
    return Reminder.objects.create(
        customer=customer, equipment_clock=row, due_on=row.next_due_on, sent_on=row.next_due_on
    )


def test_merging_customers_moves_their_reminders_once(manager):
    source, target = CustomerFactory(), CustomerFactory()
    regulator = piece(owner=source, purchased_on=datetime.date(2025, 1, 1))
    reminded(regulator, source)
    reminded(regulator, target)  # the same due date was reminded to both records of the person
    other = piece(owner=source, purchased_on=datetime.date(2025, 2, 1))
    reminded(other, source)
    customers_merging.send(sender=None, source=source, target=target, actor=manager)
    assert Reminder.objects.filter(customer=source).count() == 0
    assert Reminder.objects.filter(customer=target).count() == 2


def test_erasing_a_customer_blanks_the_notes_of_their_gears_service_and_keeps_the_dates(manager):
    owner = CustomerFactory()
    regulator = piece(owner=owner)
    services.record_service(
        equipment=regulator,
        clocks=[preset("Regulator", "Annual service")],
        done_on=datetime.date(2026, 1, 5),
        source="outside",
        actor=manager,
        done_by="Reef Divers",
        note="Rosa says it free-flowed at home",
    )
    customer_erased.send(sender=None, customer=owner, actor=manager)
    record = ServiceRecord.objects.get()
    assert (record.note, record.done_by, record.done_on) == ("", "Reef Divers", datetime.date(2026, 1, 5))


def test_a_clock_with_service_history_cannot_be_deleted(manager):
    clock = preset("Regulator", "Annual service")
    services.record_service(
        equipment=piece(), clocks=[clock], done_on=datetime.date(2026, 1, 5), source="outside", actor=manager
    )
    with pytest.raises(ProtectedError):
        clock.delete()


def test_a_manager_edits_a_plan_in_the_admin_and_every_piece_follows(
    client, manager, django_capture_on_commit_callbacks
):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    regulator = piece(purchased_on=datetime.date(2026, 1, 31))
    clock = preset("Regulator", "Annual service")
    data = {
        "equipment_type": clock.equipment_type_id,
        "name": "Annual service",
        "interval_months": "24",
        "outcome": "service",
        "region": "",
        "source": "Apeks: every two years",
        "position": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/maintenance/serviceclock/{clock.pk}/change/", data)
    assert response.status_code == 302
    assert clock_of(regulator, "Annual service").next_due_on == datetime.date(2028, 1, 31)
    bad = client.post(f"/admin/maintenance/serviceclock/{clock.pk}/change/", {**data, "interval_months": "0"})
    assert bad.status_code == 200 and "greater than or equal to 1" in bad.text


def test_pieces_made_in_bulk_by_the_demo_get_their_clocks(settings):
    from django.core.management import call_command

    from maintenance.models import EquipmentClock

    settings.DEBUG = True
    call_command("seed_demo", items=40, stdout=io.StringIO())
    regulators = Equipment.objects.filter(kind__name="Regulator")
    assert regulators.exists()
    assert EquipmentClock.objects.filter(equipment__in=regulators).count() >= regulators.count()
