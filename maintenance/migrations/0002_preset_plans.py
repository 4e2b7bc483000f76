"""The service plans a dive shop starts with; managers edit them in the admin.

Intervals and where they come from (kept on each clock as its source):
- Regulators, BCDs, rebreathers: makers' schedules, usually yearly (a condition of many parts-for-life
  warranties); a piece whose maker says otherwise gets its own interval on its page.
- Dive computers: makers' battery and water-resistance check, commonly every two years.
- Cylinders, United States: hydrostatic test every 5 years for DOT-3AA and DOT-3AL cylinders (49 CFR 180.209,
  Table 1); the yearly visual inspection is industry practice that fill stations ask for (CGA C-6 / C-6.1
  describe the inspection), not a federal rule.
- Cylinders, United Kingdom: BS EN ISO 18119:2018 (periodic inspection and testing of seamless steel and
  aluminium-alloy cylinders) recommends an internal examination every year, extendable to 2.5 years after a risk
  assessment, which the UK Diving Industry Committee published and HSE's Diving Information Sheet 11 refers to;
  the periodic test is every 5 years.
SERVICE_PLAN_REGION chooses which cylinder clocks are in force.
"""

from django.db import migrations

MAKERS = "Makers' schedules: usually yearly, a condition of many parts-for-life warranties."
PLANS = [
    # (equipment type, clock, months, outcome, region, source)
    ("Regulator", "Annual service", 12, "service", "", MAKERS),
    ("BCD", "Annual service", 12, "service", "", MAKERS),
    ("Rebreather", "Annual service", 12, "service", "", MAKERS),
    (
        "Dive computer",
        "Battery and pressure check",
        24,
        "battery_check",
        "",
        "Makers' schedules: battery and water-resistance check, commonly every two years.",
    ),
    ("Drysuit", "Seals and valves check", 12, "seals_check", "", "Shop practice: seals, zip and valves yearly."),
    ("Gauge or console", "Accuracy check", 12, "accuracy_check", "", "Shop practice: with the regulator's service."),
    (
        "Cylinder",
        "Visual inspection",
        12,
        "visual_inspection",
        "US",
        "Industry practice asked for by fill stations (inspection per CGA C-6 / C-6.1); not in 49 CFR.",
    ),
    (
        "Cylinder",
        "Hydrostatic test",
        60,
        "hydrostatic_test",
        "US",
        "49 CFR 180.209, Table 1: DOT-3AA and DOT-3AL cylinders, every 5 years.",
    ),
    (
        "Cylinder",
        "Visual inspection",
        30,
        "visual_inspection",
        "UK",
        "BS EN ISO 18119:2018 (yearly, up to 2.5 years after the UK Diving Industry Committee's risk "
        "assessment; HSE Diving Information Sheet 11).",
    ),
    (
        "Cylinder",
        "Hydrostatic test",
        60,
        "hydrostatic_test",
        "UK",
        "BS EN ISO 18119:2018: periodic inspection and test every 5 years.",
    ),
]


def create_plans(apps, schema_editor):
    EquipmentType = apps.get_model("customers", "EquipmentType")
    ServiceClock = apps.get_model("maintenance", "ServiceClock")
    for position, (type_name, name, months, outcome, region, source) in enumerate(PLANS):
        kind = EquipmentType.objects.filter(name__iexact=type_name).first()
        if kind is None:  # renamed or removed by the shop's managers: their list wins
            continue
        ServiceClock.objects.get_or_create(
            equipment_type=kind,
            region=region,
            name=name,
            defaults={"interval_months": months, "outcome": outcome, "source": source, "position": position},
        )


def remove_plans(apps, schema_editor):
    ServiceClock = apps.get_model("maintenance", "ServiceClock")
    for type_name, name, _months, _outcome, region, _source in PLANS:
        ServiceClock.objects.filter(equipment_type__name__iexact=type_name, name=name, region=region).delete()


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0001_clocks"), ("customers", "0002_equipment_types")]

    operations = [migrations.RunPython(create_plans, remove_plans)]
