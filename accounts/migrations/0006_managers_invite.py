"""Managers invite people by email from the admin (and see the invitations sent)."""

from django.db import migrations

PERMISSIONS = ["add_invitation", "view_invitation"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    accounts = apps.get_app_config("accounts")
    models_module, accounts.models_module = getattr(accounts, "models_module", None), True
    create_permissions(accounts, apps=apps, verbosity=0)
    accounts.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Managers"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts", codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_invitations")]

    operations = [migrations.RunPython(grant, revoke)]
