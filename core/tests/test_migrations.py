"""Core migration 0006 (customers from the items' plain fields) forward and back, on data shaped like a shop's.

Only core 0005-0007 are unapplied and applied again (nothing else depends on them), once for the whole module:
the data are built with the models of core 0004, migrated forward, checked, migrated back, checked, and migrated
forward again.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import ServiceItem
from customers.models import Customer, CustomerPhone, Equipment, EquipmentType, Ownership

BEFORE = ("core", "0004_item_customer_equipment")
T0 = timezone.make_aware(datetime.datetime(2021, 3, 1, 10, 0))


def day(n):
    return T0 + datetime.timedelta(days=n)


def old_jobs(apps):
    """Items as the counter typed them over the years, oldest first; and a customer made in the admin."""
    User = apps.get_model("accounts", "User")
    Item = apps.get_model("core", "ServiceItem")
    clerk = User.objects.create(username="migration-clerk", email="migration-clerk@example.com")
    femi = apps.get_model("customers", "Customer").objects.create(name="Femi Osei", email="")
    apps.get_model("customers", "CustomerPhone").objects.create(
        customer=femi, number="+13055550123", as_typed="(305) 555-0123"
    )
    rows = [
        # One customer typed three ways; the latest name wins.
        ("Rosa Reyes", "(202) 555-0143", "", "Regulator", "Apeks", "XTX50", "00SN42"),
        ("Rosa M. Reyes", "202.555.0143", "rosa@example.com", "BCD", "Aqualung", "Pro HD", ""),
        ("Rosa Reyes-Lind", "+1 202 555 0143", "", "Regulator", "Apeks", "XTX50", "00SN42"),
        # No readable phone, the same email in another case.
        ("Ben Okafor", "n/a", "Ben@Example.com", "Dive computer", "Shearwater", "Perdix 2", "PX2-118402"),
        ("Ben Okafor", "", "ben@example.com", "Drysuit", "Santi", "E.Lite", ""),
        # Neither phone nor email: by name and the phone as typed.
        ("Carla Novak", "ask for Carla", "", "BCD", "Mares", "Quantum", ""),
        ("Carla Novak", "ask for Carla", "", "BCD", "Mares", "Quantum", ""),
        # A cylinder sold from Dev to Elif; drysuits without serial numbers stay each owner's own.
        ("Dev Haddad", "(305) 555-0199", "", "Cylinder", "Faber", "12L 232 bar", "FB-778812"),
        ("Dev Haddad", "305 555 0199", "", "Drysuit", "DUI", "CF200X", ""),
        ("Dev Haddad", "305-555-0199", "", "drysuit", "DUI", "CF200X", ""),
        ("Elif Tanaka", "305-555-0177", "", "Cylinder", "Faber", "12L 232 bar", "FB-778812"),
        ("Elif Tanaka", "305-555-0177", "", "Drysuit", "DUI", "CF200X", ""),
        # A type nobody listed.
        ("Elif Tanaka", "305-555-0177", "", "Camera housing", "Nauticam", "NA-A7IV", "NC4411"),
        # The admin's customer, typed another way at the counter.
        ("Femi Osei", "305 555 0123", "", "Regulator", "Scubapro", "MK25 EVO/S620Ti", "SP-2309-0042"),
    ]
    for n, (name, phone, email, kind, brand, model, serial) in enumerate(rows):
        Item.objects.create(
            customer_name=name, customer_phone=phone, customer_email=email, item_type=kind, brand=brand,
            model=model, serial_number=serial, requested_service="Annual service", received_at=day(10 * n),
            received_by=clerk,
        )  # fmt: skip
    return rows, femi.pk


def counts():
    models = (Customer, CustomerPhone, Equipment, Ownership, EquipmentType)
    return {model.__name__: model.objects.count() for model in models}


def migrate_back(executor):
    executor.loader.build_graph()
    executor.migrate([BEFORE])
    # Every other app as it is now (none depends on core past 0004), core before the customers came.
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "core"]
    return executor.loader.project_state([BEFORE, *others]).apps


def migrate_forward(executor):
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_0006_forward_and_back_on_production_shaped_data():
    executor = MigrationExecutor(connection)
    old_apps = migrate_back(executor)
    try:
        rows, femi_pk = old_jobs(old_apps)
    finally:
        migrate_forward(executor)

    # Nothing lost: every job linked, and the jobs per customer add up.
    jobs = ServiceItem.objects.select_related("customer", "equipment__kind").order_by("received_at")
    assert len(jobs) == len(rows)
    per_customer = {customer.name: customer.service_items.count() for customer in Customer.objects.all()}
    assert per_customer == {
        "Rosa Reyes-Lind": 3, "Ben Okafor": 2, "Carla Novak": 2, "Dev Haddad": 3, "Elif Tanaka": 3, "Femi Osei": 1,
    }  # fmt: skip
    assert sum(per_customer.values()) == len(rows)

    rosa = Customer.objects.get(name="Rosa Reyes-Lind")
    assert rosa.email == "rosa@example.com"
    assert [str(phone.number.as_e164) for phone in rosa.phones.all()] == ["+12025550143"]
    assert Customer.objects.get(name="Ben Okafor").email.casefold() == "ben@example.com"
    # The customer made in the admin is reused, not made again.
    assert Customer.objects.get(name="Femi Osei").pk == femi_pk
    assert CustomerPhone.objects.filter(number="+13055550123").count() == 1

    # The cylinder is one piece with its history: Dev owned it until Elif brought it in.
    cylinder = Equipment.objects.get(serial_number="FB-778812")
    assert cylinder.owner.name == "Elif Tanaka"
    dev_owned, elif_owns = cylinder.ownerships.order_by("started_at")
    assert (dev_owned.customer.name, elif_owns.customer.name) == ("Dev Haddad", "Elif Tanaka")
    assert dev_owned.ended_at == elif_owns.started_at and elif_owns.ended_at is None
    assert {job.equipment_id for job in jobs if job.equipment.serial_number == "FB-778812"} == {cylinder.pk}
    # Pieces without a serial number: one per owner, found again on the next visit.
    drysuits = Equipment.objects.filter(brand="DUI")
    assert sorted(piece.owner.name for piece in drysuits) == ["Dev Haddad", "Elif Tanaka"]
    assert Equipment.objects.filter(serial_number="00SN42").get().service_items.count() == 2
    assert EquipmentType.objects.filter(name="Camera housing").exists()

    # Search finds the jobs and the customer by the phone in every form.
    rosa_jobs = set(rosa.service_items.values_list("pk", flat=True))
    for typed in ("0143", "555-0143", "+1 202 555 0143", "(202) 555-0143", "2025550143"):
        assert rosa_jobs <= set(ServiceItem.objects.search(typed).values_list("pk", flat=True)), typed
        assert rosa in Customer.objects.search(typed), typed
    for typed in ("+1 202 555 0143", "202.555.0143"):
        assert set(ServiceItem.objects.search(typed).values_list("pk", flat=True)) == rosa_jobs
        assert list(Customer.objects.search(typed)) == [rosa]
    # The cylinder is Elif's gear now; Dev is still found by it through his old job.
    assert list(Customer.objects.filter(search_document__contains="fb-778812")) == [cylinder.owner]
    assert {customer.name for customer in Customer.objects.search("FB-778812")} == {"Dev Haddad", "Elif Tanaka"}
    # The search text is the one the models write when a job or customer is saved.
    for job in ServiceItem.objects.all():
        assert job.search_document == job.build_search_document(), job
    for customer in Customer.objects.all():
        assert customer.search_document == customer.build_search_document(), customer
    forward = counts()

    # Backward: the plain fields come back from the records, the jobs are unlinked.
    old_apps = migrate_back(executor)
    try:
        OldItem = old_apps.get_model("core", "ServiceItem")
        assert not OldItem.objects.exclude(customer=None).exists()
        written = list(
            OldItem.objects.order_by("received_at").values_list(
                "customer_name", "customer_phone", "customer_email", "item_type", "brand", "model", "serial_number"
            )
        )
        assert written[0] == ("Rosa Reyes-Lind", "(202) 555-0143", "rosa@example.com", "Regulator", "Apeks",
                              "XTX50", "00SN42")  # fmt: skip
        assert written[7] == ("Dev Haddad", "(305) 555-0199", "", "Cylinder", "Faber", "12L 232 bar", "FB-778812")
        assert written[10][:1] + written[10][4:] == ("Elif Tanaka", "Faber", "12L 232 bar", "FB-778812")
        assert written[12][3] == "Camera housing"
        assert written[13][:2] == ("Femi Osei", "(305) 555-0123")
        assert [row[0] for row in written] == [
            {"Rosa Reyes": "Rosa Reyes-Lind", "Rosa M. Reyes": "Rosa Reyes-Lind"}.get(row[0], row[0]) for row in rows
        ]
    finally:
        # Forward again: the records made the first time are found and reused.
        migrate_forward(executor)
    assert counts() == forward
    assert {customer.name: customer.service_items.count() for customer in Customer.objects.all()} == per_customer
    assert set(ServiceItem.objects.search("555-0143").values_list("pk", flat=True)) >= rosa_jobs


@pytest.mark.django_db(transaction=True)
def test_migrate_core_0004_and_forward_again_work_as_commands():
    """The backup path docs/customers.md gives: `manage.py migrate core 0004` (the plain fields back), then forward."""
    from django.core.management import call_command

    from core.tests.factories import ServiceItemFactory

    job = ServiceItemFactory(customer_name="Rosa Reyes", customer_phone="(202) 555-0143")
    call_command("migrate", "core", "0004", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT customer_name, customer_phone FROM core_serviceitem WHERE id = %s", [job.pk])
        assert cursor.fetchone() == ("Rosa Reyes", "(202) 555-0143")
    call_command("migrate", verbosity=0)
    job = ServiceItem.objects.select_related("customer").get(pk=job.pk)
    assert job.customer.name == "Rosa Reyes"
    assert list(ServiceItem.objects.search("202 555 0143")) == [job]
