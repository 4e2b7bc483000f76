"""The three staff groups and their permissions. Managers grant access by putting users in them."""

from django.db import migrations

VIEW_AND_WORK = [
    "view_serviceitem",
    "change_serviceitem",
    "add_note_serviceitem",
    "change_status_serviceitem",
]
GROUPS = {
    "Front desk": [*VIEW_AND_WORK, "add_serviceitem", "print_slip_serviceitem"],
    "Technicians": [*VIEW_AND_WORK, "repair_serviceitem"],
    "Managers": [
        *VIEW_AND_WORK,
        "add_serviceitem",
        "print_slip_serviceitem",
        "cancel_serviceitem",
        "delete_serviceitem",
        "export_serviceitem",
        "view_serviceevent",
    ],
}
# Managers also grant access: they open users in the admin and put them in groups (the admin itself only
# lets superusers touch superuser status and single permissions).
MANAGER_ADMIN = [("accounts", "view_user"), ("accounts", "change_user"), ("auth", "view_group")]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create ours now so the groups can use them.
    from django.contrib.auth.management import create_permissions

    for label in ("core", "accounts", "auth"):
        app_config = apps.get_app_config(label)
        models_module, app_config.models_module = getattr(app_config, "models_module", None), True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="core", codename__in=codenames))
    managers = Group.objects.get(name="Managers")
    for app_label, codename in MANAGER_ADMIN:
        managers.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_logbook"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
