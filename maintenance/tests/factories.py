import datetime

from customers.tests.factories import CustomerFactory, EquipmentFactory, equipment_type
from maintenance.models import EquipmentClock, ServiceClock


def preset(type_name: str, clock_name: str, region: str = "") -> ServiceClock:
    """A clock of the preset plans (maintenance migration 0002), made again when a test emptied the tables."""
    presets = {
        ("Regulator", "Annual service"): (12, "service"),
        ("BCD", "Annual service"): (12, "service"),
        ("Cylinder", "Visual inspection", "US"): (12, "visual_inspection"),
        ("Cylinder", "Hydrostatic test", "US"): (60, "hydrostatic_test"),
        ("Cylinder", "Visual inspection", "UK"): (30, "visual_inspection"),
        ("Cylinder", "Hydrostatic test", "UK"): (60, "hydrostatic_test"),
        ("Dive computer", "Battery and pressure check"): (24, "battery_check"),
    }
    months, outcome = presets[(type_name, clock_name, region) if region else (type_name, clock_name)]
    return ServiceClock.objects.get_or_create(
        equipment_type=equipment_type(type_name),
        name=clock_name,
        region=region,
        defaults={"interval_months": months, "outcome": outcome},
    )[0]


def piece(type_name: str = "Regulator", **kwargs):
    """A piece of equipment of that type, with its clocks (the piece's post_save creates them)."""
    return EquipmentFactory(kind=equipment_type(type_name), **kwargs)


def clock_of(equipment, clock_name: str) -> EquipmentClock:
    return EquipmentClock.objects.in_force().select_related("clock").get(equipment=equipment, clock__name=clock_name)


def consenting_customer(**kwargs):
    return CustomerFactory(consent=True, consent_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), **kwargs)


def remake_migration_data():
    """For transactional tests, which find the tables emptied by the one before: the equipment types, the preset
    plans and the "Service due" message template, made again as the migrations make them."""
    import importlib

    from django.apps import apps

    importlib.import_module("customers.migrations.0002_equipment_types").create_types(apps, None)
    importlib.import_module("maintenance.migrations.0002_preset_plans").create_plans(apps, None)
    importlib.import_module("notifications.migrations.0003_service_due_event").create_template(apps, None)
