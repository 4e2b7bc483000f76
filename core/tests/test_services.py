import threading
import uuid

import pytest
from django.db import connection

from core import services, signals
from core.models import ServiceEvent, ServiceItem, Status
from core.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def test_take_in_records_who_received_it_and_starts_the_timeline(front_desk):
    item, created = services.take_in(
        item=ServiceItemFactory.build(), received_by=front_desk, intake_token=uuid.uuid4()
    )
    assert created
    assert item.received_by == front_desk
    assert item.status == Status.RECEIVED
    assert list(item.events.values_list("kind", "actor")) == [(ServiceEvent.Kind.CREATED, front_desk.pk)]


def test_take_in_twice_with_one_token_creates_one_item(front_desk):
    token = uuid.uuid4()
    first, created = services.take_in(item=ServiceItemFactory.build(), received_by=front_desk, intake_token=token)
    again, created_again = services.take_in(
        item=ServiceItemFactory.build(), received_by=front_desk, intake_token=token
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert ServiceItem.objects.count() == 1


def test_allowed_status_change_is_saved_with_history(technician):
    item = ServiceItemFactory()
    services.change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=technician, note="Opened it up")
    item.refresh_from_db()
    assert item.status == Status.DIAGNOSING
    event = item.events.get(kind=ServiceEvent.Kind.STATUS)
    assert event.actor == technician
    assert event.changes == {"Status": ["Received", "Diagnosing"]}
    assert event.note == "Opened it up"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.RECEIVED, Status.READY),
        (Status.RECEIVED, Status.RELEASED),
        (Status.DIAGNOSING, Status.RELEASED),
        (Status.RELEASED, Status.IN_REPAIR),
        (Status.CANCELLED, Status.RECEIVED),
        (Status.RELEASED, Status.CANCELLED),
        (Status.READY, "lost"),
    ],
)
def test_disallowed_status_jump_is_refused_and_nothing_changes(manager, start, target):
    item = ServiceItemFactory(status=start)
    with pytest.raises(services.LogbookError, match="can’t go to"):
        services.change_status(item_pk=item.pk, to_status=target, actor=manager)
    item.refresh_from_db()
    assert item.status == start
    assert not item.events.filter(kind=ServiceEvent.Kind.STATUS).exists()


def test_an_app_that_refuses_a_status_change_stops_it_with_its_reason(technician):
    """Other apps guard the workflow (e.g. no release with money owed) through the status_changing signal."""
    item = ServiceItemFactory(status=Status.RECEIVED)

    def refuse(sender, item, to_status, **kwargs):
        raise services.LogbookError("Not before the estimate is approved.")

    signals.status_changing.connect(refuse)
    try:
        with pytest.raises(services.LogbookError, match="estimate is approved"):
            services.change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=technician)
    finally:
        signals.status_changing.disconnect(refuse)
    item.refresh_from_db()
    assert item.status == Status.RECEIVED
    assert not item.events.filter(kind=ServiceEvent.Kind.STATUS).exists()


def test_apps_hear_of_a_saved_status_change_with_old_and_new(technician):
    item = ServiceItemFactory(status=Status.RECEIVED)
    heard = []

    def listen(sender, item, from_status, to_status, actor, **kwargs):
        heard.append((item.pk, from_status, to_status, actor))

    signals.status_changed.connect(listen)
    try:
        services.change_status(item_pk=item.pk, to_status=Status.DIAGNOSING, actor=technician)
    finally:
        signals.status_changed.disconnect(listen)
    assert heard == [(item.pk, Status.RECEIVED, Status.DIAGNOSING, technician)]


def test_only_a_manager_can_cancel(technician, manager):
    item = ServiceItemFactory(status=Status.IN_REPAIR)
    with pytest.raises(services.LogbookError, match="Only a manager"):
        services.change_status(item_pk=item.pk, to_status=Status.CANCELLED, actor=technician)
    services.change_status(item_pk=item.pk, to_status=Status.CANCELLED, actor=manager)
    item.refresh_from_db()
    assert item.status == Status.CANCELLED


def test_assignment_is_recorded_old_and_new(front_desk, technician):
    item = ServiceItemFactory()
    services.assign(item_pk=item.pk, technician=technician, actor=front_desk)
    services.assign(item_pk=item.pk, technician=None, actor=front_desk)
    changes = list(
        item.events.filter(kind=ServiceEvent.Kind.ASSIGNED).order_by("id").values_list("changes", flat=True)
    )
    assert changes == [{"Assigned technician": ["", "tech"]}, {"Assigned technician": ["tech", ""]}]


def test_edit_records_each_changed_field(front_desk):
    item = ServiceItemFactory(accessories="Case", requested_service="Annual service")
    services.update_item(
        item_pk=item.pk,
        data={"accessories": "Case, hose", "requested_service": "Annual service"},
        expected_version=1,
        actor=front_desk,
    )
    item.refresh_from_db()
    assert item.accessories == "Case, hose"
    assert item.version == 2
    event = item.events.get(kind=ServiceEvent.Kind.EDITED)
    assert event.changes == {"Accessories left with the item": ["Case", "Case, hose"]}


def test_stale_edit_is_refused_and_says_what_differs(front_desk, technician):
    item = ServiceItemFactory(accessories="Case")
    services.update_item(item_pk=item.pk, data={"accessories": "Hose"}, expected_version=1, actor=technician)
    with pytest.raises(services.StaleEdit) as excinfo:
        services.update_item(item_pk=item.pk, data={"accessories": "Bag"}, expected_version=1, actor=front_desk)
    assert excinfo.value.changes == {"Accessories left with the item": ["Bag", "Hose"]}
    item.refresh_from_db()
    assert item.accessories == "Hose"


@pytest.mark.parametrize("status", [Status.RELEASED, Status.CANCELLED])
def test_closed_items_cannot_be_edited_or_reassigned_but_take_notes(front_desk, technician, status):
    item = ServiceItemFactory(status=status, accessories="Case")
    with pytest.raises(services.LogbookError, match="closed"):
        services.update_item(
            item_pk=item.pk, data={"accessories": "X"}, expected_version=item.version, actor=front_desk
        )
    with pytest.raises(services.LogbookError, match="closed"):
        services.assign(item_pk=item.pk, technician=technician, actor=front_desk)
    services.add_note(item_pk=item.pk, text="Customer called", actor=front_desk)
    item.refresh_from_db()
    assert item.accessories == "Case"
    assert item.events.filter(kind=ServiceEvent.Kind.NOTE, note="Customer called").exists()


def test_only_an_untouched_item_can_be_deleted(manager):
    mistaken = ServiceItemFactory()
    assert services.delete_mistaken(item_pk=mistaken.pk, actor=manager) == mistaken.control_number
    assert not ServiceItem.objects.filter(pk=mistaken.pk).exists()
    worked_on = ServiceItemFactory()
    services.change_status(item_pk=worked_on.pk, to_status=Status.DIAGNOSING, actor=manager)
    with pytest.raises(services.LogbookError, match="Cancel it instead"):
        services.delete_mistaken(item_pk=worked_on.pk, actor=manager)
    assert ServiceItem.objects.filter(pk=worked_on.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_changing_status_at_once_cannot_both_win(technician, manager):
    """Both start from "in repair"; only one of "ready" and "waiting for parts" may be recorded after it."""
    item = ServiceItemFactory(status=Status.IN_REPAIR)
    start = threading.Barrier(2)
    outcomes = []

    def move(target, actor):
        try:
            start.wait()
            services.change_status(item_pk=item.pk, to_status=target, actor=actor)
            outcomes.append("ok")
        except services.LogbookError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(Status.READY, technician)),
        threading.Thread(target=move, args=(Status.RELEASED, manager)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    item.refresh_from_db()
    statuses = list(item.events.filter(kind=ServiceEvent.Kind.STATUS).order_by("id").values_list("changes", flat=True))
    # "released" is only allowed after "ready": it succeeds only if it ran second, and then history shows both.
    assert outcomes.count("ok") >= 1
    assert len(statuses) == outcomes.count("ok")
    assert item.version == 1 + outcomes.count("ok")
    for previous, current in zip(statuses, statuses[1:], strict=False):
        assert previous["Status"][1] == current["Status"][0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_edits_from_one_version_save_one_and_refuse_the_other(front_desk, technician):
    item = ServiceItemFactory(accessories="Case")
    start = threading.Barrier(2)
    outcomes = []

    def edit(accessories, actor):
        try:
            start.wait()
            services.update_item(item_pk=item.pk, data={"accessories": accessories}, expected_version=1, actor=actor)
            outcomes.append(accessories)
        except services.StaleEdit:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=args) for args in (("Hose", front_desk), ("Bag", technician))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=lambda value: value == "stale")[1] == "stale"
    winner = next(value for value in outcomes if value != "stale")
    item.refresh_from_db()
    assert item.accessories == winner
    assert item.version == 2
    assert item.events.filter(kind=ServiceEvent.Kind.EDITED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_click_on_take_in_creates_one_item(front_desk):
    token = uuid.uuid4()
    start = threading.Barrier(2)
    results = []

    def submit():
        try:
            start.wait()
            results.append(
                services.take_in(item=ServiceItemFactory.build(), received_by=front_desk, intake_token=token)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _, created in results) == [False, True]
    assert len({item.pk for item, _ in results}) == 1
    assert ServiceItem.objects.count() == 1
