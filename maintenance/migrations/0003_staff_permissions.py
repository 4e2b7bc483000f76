"""The staff groups' rights on service clocks (the groups themselves come from core's migration 0002)."""

from django.db import migrations

SEE = ["view_due_list", "view_equipmentclock", "view_servicerecord", "view_gearpage"]
GROUPS = {
    "Front desk": [*SEE, "add_servicerecord", "change_gearpage"],
    "Technicians": [*SEE, "add_servicerecord", "reset_clocks"],
    "Managers": [
        *SEE,
        "add_servicerecord",
        "reset_clocks",
        "change_gearpage",
        "export_due_list",
        "change_equipmentclock",
        "view_serviceclock",
        "add_serviceclock",
        "change_serviceclock",
        "delete_serviceclock",
        "view_reminder",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create ours now so the groups can use them.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("maintenance")
    models_module, app_config.models_module = getattr(app_config, "models_module", None), True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="maintenance", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="maintenance"))


class Migration(migrations.Migration):
    dependencies = [
        ("maintenance", "0002_preset_plans"),
        ("core", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
