"""Choosing the day's reminders: who, listing what, and how many the bench can take in a week."""

import datetime

import pytest

from customers.tests.factories import CustomerFactory
from maintenance import services
from maintenance.models import Reminder
from maintenance.tests.factories import clock_of, consenting_customer, piece

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)


def due_in(days: int, type_name: str = "Regulator", owner=None, **kwargs):
    """A piece whose first clock falls due `days` from TODAY (bought that long ago minus its interval)."""
    months = {"Regulator": 12, "BCD": 12, "Cylinder": 12}[type_name]
    due = TODAY + datetime.timedelta(days=days)
    from maintenance.dates import add_months

    return piece(type_name, owner=owner or consenting_customer(), purchased_on=add_months(due, -months), **kwargs)


def names(plans):
    return [plan.customer.name for plan in plans]


def test_a_customer_gets_one_reminder_listing_everything_due_in_the_window(settings):
    settings.SERVICE_REMINDER_DAYS = 30
    owner = consenting_customer(name="Rosa Reyes")
    regulator = due_in(14, owner=owner)
    cylinder = due_in(20, "Cylinder", owner=owner)
    due_in(45, "BCD", owner=owner)  # outside the window
    chosen, waiting = services.plan_reminders(day=TODAY)
    assert names(chosen) == ["Rosa Reyes"] and waiting == []
    assert [(row.equipment, row.clock.name) for row in chosen[0].clocks] == [
        (regulator, "Annual service"),
        (cylinder, "Visual inspection"),
    ]
    assert chosen[0].pieces == 2


def test_overdue_gear_is_reminded_too():
    overdue = due_in(-10)
    chosen, _ = services.plan_reminders(day=TODAY)
    assert chosen[0].clocks == [clock_of(overdue, "Annual service")]
    line = services.reminder_lines(chosen[0], TODAY)[0]
    assert "overdue since" in line


@pytest.mark.parametrize(
    "customer",
    [
        pytest.param(lambda: CustomerFactory(consent=False), id="withdrew consent"),
        pytest.param(lambda: consenting_customer(email=""), id="no address"),
        pytest.param(
            lambda: consenting_customer(erased_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)), id="erased"
        ),
    ],
)
def test_customers_who_cannot_be_reminded_get_nothing_and_staff_see_why(customer):
    owner = customer()
    due_in(5, owner=owner)
    assert services.plan_reminders(day=TODAY) == ([], [])
    assert services.why_no_reminder(owner)


def test_a_due_date_already_reminded_is_not_reminded_again_but_the_next_one_is(manager):
    regulator = due_in(5)
    row = clock_of(regulator, "Annual service")
    Reminder.objects.create(customer=regulator.owner, equipment_clock=row, due_on=row.next_due_on, sent_on=TODAY)
    assert services.plan_reminders(day=TODAY + datetime.timedelta(days=1)) == ([], [])
    # Serviced (elsewhere) soon after: next year's due date is a new window, reminded in its turn.
    services.record_service(equipment=regulator, clocks=[row.clock], done_on=TODAY, source="outside", actor=manager)
    assert services.plan_reminders(day=TODAY + datetime.timedelta(days=300)) == ([], [])
    chosen, _ = services.plan_reminders(day=TODAY + datetime.timedelta(days=340))
    assert [plan.customer for plan in chosen] == [regulator.owner]


def test_a_new_owner_is_reminded_of_a_date_the_old_owner_was(manager):
    regulator = due_in(5)
    row = clock_of(regulator, "Annual service")
    Reminder.objects.create(customer=regulator.owner, equipment_clock=row, due_on=row.next_due_on, sent_on=TODAY)
    regulator.owner = consenting_customer(name="New Owner")
    regulator.save()
    assert names(services.plan_reminders(day=TODAY)[0]) == ["New Owner"]


def test_the_week_never_names_more_pieces_than_the_bench_takes_earliest_due_first(settings):
    settings.SERVICE_JOBS_PER_WEEK = 3
    for days, name, pieces in ((2, "Ann", 1), (4, "Bo", 2), (6, "Cy", 1), (8, "Di", 1)):
        owner = consenting_customer(name=name)
        for _ in range(pieces):
            due_in(days, owner=owner)
    chosen, waiting = services.plan_reminders(day=TODAY)
    assert names(chosen) == ["Ann", "Bo"]  # 3 pieces: the week is full
    assert names(waiting) == ["Cy", "Di"]


def test_the_room_counts_the_pieces_reminded_in_the_last_seven_days(settings):
    settings.SERVICE_JOBS_PER_WEEK = 2
    earlier = due_in(1)
    row = clock_of(earlier, "Annual service")
    Reminder.objects.create(
        customer=earlier.owner, equipment_clock=row, due_on=row.next_due_on, sent_on=TODAY - datetime.timedelta(days=6)
    )
    Reminder.objects.create(
        customer=earlier.owner,
        equipment_clock=row,
        due_on=row.next_due_on - datetime.timedelta(days=1),
        sent_on=TODAY - datetime.timedelta(days=7),  # eight days ago counting today: outside the week
    )
    first, second = due_in(3), due_in(4)
    chosen, waiting = services.plan_reminders(day=TODAY)
    assert [plan.customer for plan in chosen] == [first.owner]
    assert [plan.customer for plan in waiting] == [second.owner]


def test_the_first_customer_who_does_not_fit_waits_and_so_does_everyone_after_them(settings):
    settings.SERVICE_JOBS_PER_WEEK = 3
    ann = consenting_customer(name="Ann")
    due_in(1, owner=ann)
    bo = consenting_customer(name="Bo")
    for _ in range(3):
        due_in(2, owner=bo)
    due_in(3, owner=consenting_customer(name="Cy"))
    chosen, waiting = services.plan_reminders(day=TODAY)
    assert names(chosen) == ["Ann"] and names(waiting) == ["Bo", "Cy"]


def test_a_customer_with_more_pieces_than_a_week_holds_goes_alone_in_an_empty_week(settings):
    settings.SERVICE_JOBS_PER_WEEK = 2
    club = consenting_customer(name="Dive Club")
    for _ in range(5):
        due_in(1, owner=club)
    due_in(2, owner=consenting_customer(name="Ann"))
    chosen, waiting = services.plan_reminders(day=TODAY)
    assert names(chosen) == ["Dive Club"] and names(waiting) == ["Ann"]


def test_the_reminder_says_how_to_book(settings):
    settings.SERVICE_BOOKING_URL = ""
    settings.SHOP_CONTACT = "+1 555 0100"
    assert services.booking_line() == "Reply to this message to book, or contact us: +1 555 0100"
    settings.SERVICE_BOOKING_URL = "https://shop.example.com/book"
    assert services.booking_line() == "Book your service here: https://shop.example.com/book"


def test_the_reminder_names_each_piece_and_its_work():
    due_in(14, serial_number="AB123")
    chosen, _ = services.plan_reminders(day=TODAY)
    due = "11 December 2026"
    expected = f"Apeks XTX50 regulator (serial AB123): annual service, due {due}"
    assert services.reminder_lines(chosen[0], TODAY) == [expected]
