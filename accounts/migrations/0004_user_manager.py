"""User.objects becomes accounts' own UserManager (for by_login_name()); the database does not change."""

from django.db import migrations

import accounts.models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_managers_see_audit_and_lockouts")]

    operations = [migrations.AlterModelManagers(name="user", managers=[("objects", accounts.models.UserManager())])]
