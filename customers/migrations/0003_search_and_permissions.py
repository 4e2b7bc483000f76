"""Customers' search text, the managers' rights to merge, export and erase, and the staff groups' rights."""

from django.db import migrations, models

GROUPS = {
    "Front desk": ["view_customer", "add_customer", "change_customer", "view_equipment", "add_equipment",
                   "change_equipment"],
    "Technicians": ["view_customer", "view_equipment", "change_equipment"],
    "Managers": ["view_customer", "add_customer", "change_customer", "view_equipment", "add_equipment",
                 "change_equipment", "merge_customer", "export_customer", "erase_customer", "view_equipmenttype",
                 "add_equipmenttype", "change_equipmenttype", "view_customerevent"],
}  # fmt: skip


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create ours now so the groups can use them.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("customers")
    models_module, app_config.models_module = getattr(app_config, "models_module", None), True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="customers", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="customers"))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_equipment_types"),
        ("core", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["name", "id"],
                "permissions": [
                    ("merge_customer", "Can merge two customers into one"),
                    ("export_customer", "Can export a customer's data"),
                    ("erase_customer", "Can erase (anonymise) a customer"),
                ],
                "verbose_name": "customer",
            },
        ),
        migrations.AddField(
            model_name="customer",
            name="search_document",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(grant, revoke),
    ]
