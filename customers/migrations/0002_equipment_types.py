"""The equipment types a dive shop starts with; managers edit the list in the admin."""

from django.db import migrations

TYPES = [
    "Regulator",
    "BCD",
    "Dive computer",
    "Cylinder",
    "Drysuit",
    "Wetsuit",
    "Gauge or console",
    "Dive light",
    "Rebreather",
    "Other",
]


def create_types(apps, schema_editor):
    EquipmentType = apps.get_model("customers", "EquipmentType")
    for position, name in enumerate(TYPES):
        EquipmentType.objects.get_or_create(name=name, defaults={"position": position})


def remove_types(apps, schema_editor):
    apps.get_model("customers", "EquipmentType").objects.filter(name__in=TYPES).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create_types, remove_types)]
