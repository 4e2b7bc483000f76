import datetime
import logging
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent
from billing.tests.factories import EstimateFactory
from core.models import ServiceItem
from core.tests.factories import ServiceItemFactory
from customers import services, signals
from customers.models import Customer, CustomerEvent, CustomerPhone, Equipment, Ownership
from customers.tests.factories import CustomerFactory, EquipmentFactory, PhoneFactory, equipment_type
from maintenance.models import EquipmentClock, Reminder
from maintenance.tests.factories import piece as piece_with_clocks
from maintenance.tests.factories import preset
from notifications.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def details(**overrides):
    return {"name": "Ana Diaz", "email": "", "address": "", "notes": "", "preferred_channel": "email", **overrides}


# Create and update ----------------------------------------------------------------------------------------------


def test_create_customer_tells_the_other_apps(front_desk):
    heard = []

    def receiver(sender, customer, **kwargs):
        heard.append(customer)

    signals.customer_changed.connect(receiver)
    try:
        customer = services.create_customer(data=details(), phones=["202-555-0101"], actor=front_desk)
    finally:
        signals.customer_changed.disconnect(receiver)
    assert heard == [customer]
    assert "2025550101" in customer.search_document


def test_update_with_a_number_another_customer_took_meanwhile_is_refused_and_saves_nothing(front_desk):
    customer = CustomerFactory(name="Ana Diaz", phone=False)
    PhoneFactory(as_typed="202-555-0101")
    with pytest.raises(services.PhoneTaken) as refused:
        services.update_customer(
            customer_pk=customer.pk,
            data=details(name="Changed"),
            phones=["(202) 555-0101"],
            consent=False,
            expected_version=customer.version,
            actor=front_desk,
        )
    assert refused.value.owner is not None and refused.value.owner != customer
    customer.refresh_from_db()
    assert customer.name == "Ana Diaz"
    assert customer.version == 1


def test_an_unchanged_save_writes_no_edit_entry(front_desk):
    customer = CustomerFactory(name="Ana Diaz", email="", phone="202-555-0101")
    services.update_customer(
        customer_pk=customer.pk,
        data=details(),
        phones=["202-555-0101"],
        consent=False,
        expected_version=1,
        actor=front_desk,
    )
    assert not customer.events.filter(kind=CustomerEvent.Kind.EDITED).exists()


def test_a_stale_update_says_what_differs(front_desk):
    customer = CustomerFactory(name="Ana Diaz", email="", phone=False)
    services.update_customer(
        customer_pk=customer.pk, data=details(name="Theirs"), phones=[], consent=False, expected_version=1,
        actor=front_desk,
    )  # fmt: skip
    with pytest.raises(services.StaleEdit) as stale:
        services.update_customer(
            customer_pk=customer.pk, data=details(name="Mine"), phones=[], consent=False, expected_version=1,
            actor=front_desk,
        )  # fmt: skip
    assert stale.value.changes == {"Name": ["Mine", "Theirs"]}


def test_consent_keeps_its_date_while_it_stays_on(front_desk):
    given = timezone.now() - datetime.timedelta(days=30)
    customer = CustomerFactory(name="Ana Diaz", email="", consent=True, consent_at=given, consent_method="form")
    services.update_customer(
        customer_pk=customer.pk, data=details(notes="x"), phones=[p.as_typed for p in customer.phones.all()],
        consent=True, consent_method="form", expected_version=1, actor=front_desk,
    )  # fmt: skip
    customer.refresh_from_db()
    assert customer.consent_at == given
    assert not customer.events.filter(kind=CustomerEvent.Kind.CONSENT).exists()


# Merge: nothing lost --------------------------------------------------------------------------------------------


def test_a_merge_loses_nothing(manager):
    preset("Regulator", "Annual service")
    target = CustomerFactory(name="Ana Diaz", email="ana@example.com", phone="(202) 555-0100", notes="Target note")
    source = CustomerFactory(
        name="Ana D.",
        email="other@example.com",
        address="1 Reef Road",
        notes="Source note",
        phone="(202) 555-0190",
        consent=True,
        consent_at=timezone.now() - datetime.timedelta(days=3),
        consent_method="form",
    )
    PhoneFactory(customer=source, as_typed="(202) 555-0191", position=1)
    piece = piece_with_clocks("Regulator", owner=source, brand="Apeks", serial_number="SRC-1")
    sold_piece = EquipmentFactory(owner=target, serial_number="SOLD-1")
    services.transfer_equipment(piece=sold_piece, to=source, actor=manager)
    job = ServiceItemFactory(customer=source, equipment=piece, requested_service="Free-flows")
    estimate = EstimateFactory(item=job)
    message = MessageFactory(item=job, customer=source)
    clock = EquipmentClock.objects.get(equipment=piece)
    Reminder.objects.create(
        customer=source, equipment_clock=clock, due_on=timezone.localdate(), sent_on=timezone.localdate()
    )
    CustomerEvent.objects.create(customer=source, actor=None, kind=CustomerEvent.Kind.CREATED, note="source history")

    services.merge_customers(source=source, target=target, actor=manager)

    assert not Customer.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    assert sorted(target.phones.values_list("as_typed", flat=True)) == [
        "(202) 555-0100",
        "(202) 555-0190",
        "(202) 555-0191",
    ]
    assert set(target.equipment.values_list("serial_number", flat=True)) == {"SRC-1", "SOLD-1"}
    assert Ownership.objects.filter(customer=target, equipment=sold_piece).count() == 2
    job.refresh_from_db()
    assert job.customer == target and job.equipment == piece
    assert "2025550190" in job.search_document
    estimate.refresh_from_db()
    assert estimate.item.customer == target
    message.refresh_from_db()
    assert message.customer == target
    assert EquipmentClock.objects.get(pk=clock.pk).equipment.owner == target
    assert Reminder.objects.get().customer == target
    assert target.events.filter(note="source history").exists()
    merged = target.events.get(kind=CustomerEvent.Kind.MERGED)
    assert f"#{source.pk}" in merged.note and "Ana D." in merged.note
    # What the target lacked is filled in; what both had is kept.
    assert target.email == "ana@example.com"
    assert target.address == "1 Reef Road"
    assert "Target note" in target.notes and "Source note" in target.notes
    assert target.consent and target.consent_method == "form"
    assert "555 0191" in target.search_document or "2025550191" in target.search_document
    assert Customer.objects.search("src-1").get() == target


def test_a_merge_keeps_the_earliest_consent(manager):
    early = timezone.now() - datetime.timedelta(days=300)
    late = timezone.now() - datetime.timedelta(days=3)
    target = CustomerFactory(consent=True, consent_at=late, consent_method="counter")
    source = CustomerFactory(consent=True, consent_at=early, consent_method="email")
    services.merge_customers(source=source, target=target, actor=manager)
    target.refresh_from_db()
    assert target.consent_at == early
    assert target.consent_method == "email"


def test_a_merge_audit_line_carries_ids_only(manager, caplog):
    target = CustomerFactory(name="Secret Name", email="secret@example.com")
    source = CustomerFactory(name="Other Secret", email="other-secret@example.com", phone="(202) 555-0190")
    with caplog.at_level(logging.INFO):
        services.merge_customers(source=source, target=target, actor=manager)
    logged = caplog.text
    for secret in ("Secret", "secret@", "555", "0190"):
        assert secret not in logged
    audit = AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMERS_MERGED)
    assert audit.detail == {"source": source.pk, "target": target.pk}


@pytest.mark.parametrize("which", ["self", "erased source", "erased target"])
def test_merges_that_cannot_be_are_refused(manager, which):
    a = CustomerFactory()
    b = CustomerFactory(erased_at=timezone.now()) if which == "erased source" else CustomerFactory()
    if which == "erased target":
        a.erased_at = timezone.now()
        a.save()
    source = a if which == "self" else b
    with pytest.raises(services.CustomerError):
        services.merge_customers(source=source, target=a, actor=manager)
    assert Customer.objects.filter(pk=source.pk).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.CUSTOMERS_MERGED).exists()


def test_a_merge_whose_rows_a_receiver_did_not_move_is_undone(manager):
    target = CustomerFactory(phone=False)
    source = CustomerFactory(phone="(202) 555-0190")
    job = ServiceItemFactory(customer=source, equipment=EquipmentFactory(owner=source))
    from core import signals as core_signals

    signals.customers_merging.disconnect(core_signals.customers_merging)
    try:
        with pytest.raises(services.CustomerError, match="stopped"):
            services.merge_customers(source=source, target=target, actor=manager)
    finally:
        signals.customers_merging.connect(core_signals.customers_merging)
    assert Customer.objects.filter(pk=source.pk).exists()
    assert source.phones.count() == 1
    assert ServiceItem.objects.get(pk=job.pk).customer_id == source.pk


@pytest.mark.django_db(transaction=True)
def test_two_merges_of_the_same_pair_at_once_one_wins_the_other_is_refused(manager):
    target = CustomerFactory(phone=False)
    source = CustomerFactory(phone="(202) 555-0190")
    EquipmentFactory(owner=source)
    start = threading.Barrier(2)
    outcomes = []

    def merge():
        try:
            start.wait()
            services.merge_customers(source=source, target=target, actor=manager)
            outcomes.append("merged")
        except services.CustomerError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=merge) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [
        "One of these customers no longer exists: it was merged or removed meanwhile.",
        "merged",
    ]
    assert target.phones.count() == 1
    assert target.equipment.count() == 1
    assert target.events.filter(kind=CustomerEvent.Kind.MERGED).count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CUSTOMERS_MERGED).count() == 1


# Export and erase -----------------------------------------------------------------------------------------------


def test_the_export_holds_messages_and_job_timelines(manager):
    message = MessageFactory(subject="Ready for pickup")
    customer = message.customer
    data = services.export_customer(customer=customer, actor=manager)
    assert data["messages"][0]["subject"] == "Ready for pickup"
    assert data["jobs"][0]["control_number"] == message.item.control_number
    assert customer.events.filter(kind=CustomerEvent.Kind.EXPORTED).count() == 1


def test_erasing_anonymises_the_person_and_keeps_the_technical_history(manager, caplog):
    customer = CustomerFactory(
        name="Mia Wong", email="mia@example.com", address="1 Reef Road", notes="Nice", phone="(202) 555-0143",
        consent=True, consent_at=timezone.now(), consent_method="form",
    )  # fmt: skip
    piece = EquipmentFactory(owner=customer, notes="Mia dropped it", serial_number="KEEP-1")
    job = ServiceItemFactory(customer=customer, equipment=piece, requested_service="Leaks at the hose")
    message = MessageFactory(item=job, customer=customer, body_text="Dear Mia")
    estimate = EstimateFactory(item=job, signed_name="Mia Wong")
    services.update_customer(
        customer_pk=customer.pk, data=details(name="Mia W."), phones=["(202) 555-0143"], consent=True,
        consent_method="form", expected_version=1, actor=manager,
    )  # fmt: skip
    with caplog.at_level(logging.INFO):
        services.erase_customer(customer=customer, actor=manager)
    customer.refresh_from_db()
    assert customer.name == f"Erased customer #{customer.pk}"
    assert (customer.email, customer.address, customer.notes) == ("", "", "")
    assert not customer.consent and customer.consent_at is None
    assert customer.erased_at is not None
    assert not CustomerPhone.objects.filter(customer=customer).exists()
    piece.refresh_from_db()
    assert piece.notes == "" and piece.serial_number == "KEEP-1"
    job.refresh_from_db()
    assert job.requested_service == "Leaks at the hose"
    assert "mia" not in job.search_document
    message.refresh_from_db()
    assert message.body_text == ""
    estimate.refresh_from_db()
    assert estimate.signed_name == ""
    # The history keeps what happened and when, not the old values.
    edited = customer.events.get(kind=CustomerEvent.Kind.EDITED)
    assert edited.changes == {}
    assert customer.events.filter(kind=CustomerEvent.Kind.ERASED).exists()
    assert "Mia" not in caplog.text and "mia@" not in caplog.text
    assert not Customer.objects.search("mia").exists()
    assert Customer.objects.search("keep-1").get() == customer


def test_an_erased_customer_cannot_be_edited_or_given_gear(manager):
    customer = CustomerFactory()
    services.erase_customer(customer=customer, actor=manager)
    with pytest.raises(services.CustomerError, match="erased"):
        services.update_customer(
            customer_pk=customer.pk, data=details(), phones=[], consent=False, expected_version=2, actor=manager
        )
    with pytest.raises(services.CustomerError, match="erased"):
        services.add_equipment(
            owner=customer, data={"kind": equipment_type(), "brand": "Apeks", "serial_number": "Z"}, actor=manager
        )
    assert not Equipment.objects.filter(owner=customer).exists()


def test_withdrawing_consent_records_it_and_makes_open_forms_stale():
    customer = CustomerFactory(consent=True, consent_at=timezone.now(), consent_method="form")
    services.withdraw_consent(customer_pk=customer.pk, note="Withdrawn with the unsubscribe link in a message.")
    customer.refresh_from_db()
    assert not customer.consent and customer.consent_at is None
    assert customer.version == 2
    event = customer.events.get(kind=CustomerEvent.Kind.CONSENT)
    assert event.actor is None and event.note == "Withdrawn with the unsubscribe link in a message."
    assert services.withdraw_consent(customer_pk=customer.pk) == customer
    assert customer.events.count() == 1
    assert services.withdraw_consent(customer_pk=999999) is None


def test_a_merge_keeps_the_other_records_email_address_and_long_notes_whole(manager):
    target = CustomerFactory(email="target@example.com", address="1 Target St", notes="T" * 1990)
    source = CustomerFactory(email="source@example.com", address="2 Source Ave", notes="S" * 1990)
    services.merge_customers(source=source, target=target, actor=manager)
    target.refresh_from_db()
    assert (target.email, target.address) == ("target@example.com", "1 Target St")
    for kept in ("T" * 1990, "S" * 1990, "Email: source@example.com", "Address: 2 Source Ave"):
        assert kept in target.notes
