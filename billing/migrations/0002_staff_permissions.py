"""Who may do what with money, granted to the staff groups (names as literals: migrations are frozen history),
and how much each group may discount an estimate line."""

from decimal import Decimal

from django.db import migrations

SEE = ["view_priceitem", "view_estimate", "view_invoice", "view_payment", "view_jobaccount"]
COUNTER = [
    "add_estimate",
    "change_estimate",
    "send_estimate",
    "override_price_estimate",
    "add_invoice",
    "add_payment",
    "change_jobaccount",
]
GROUPS = {
    "Front desk": [*SEE, *COUNTER],
    "Technicians": [*SEE, "add_estimate", "change_estimate"],
    "Managers": [
        *SEE,
        *COUNTER,
        "add_priceitem",
        "change_priceitem",
        "refund_payment",
        "cancel_invoice",
        "view_reports_invoice",
        "release_unpaid_jobaccount",
        "view_discountlimit",
        "change_discountlimit",
    ],
}
DISCOUNT_LIMITS = {"Front desk": Decimal(10), "Technicians": Decimal(0), "Managers": Decimal(100)}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create ours now so the groups can use them.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("billing")
    models_module, app_config.models_module = getattr(app_config, "models_module", None), True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    DiscountLimit = apps.get_model("billing", "DiscountLimit")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="billing", codename__in=codenames))
        DiscountLimit.objects.get_or_create(group=group, defaults={"max_percent": DISCOUNT_LIMITS[name]})


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="billing"))
    apps.get_model("billing", "DiscountLimit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("core", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
