"""The message of each event, as the shop starts with it (managers edit them), and who may do what."""

from django.db import migrations

TEMPLATES = {
    "taken_in": (
        "We have your {{ item }} ({{ control_number }})",
        "Hello {{ customer_name }},\n\n"
        "thank you for bringing in your {{ item }} ({{ brand }}{% if model %} {{ model }}{% endif %}). "
        "Your claim number is {{ control_number }}; please keep your claim slip.\n"
        "{% if promised_on %}We expect it to be ready by {{ promised_on }}.\n{% endif %}\n"
        "See how it is getting on at any time:\n{{ status_url }}",
        "<p>Hello {{ customer_name }},</p>\n"
        "<p>thank you for bringing in your {{ item }} ({{ brand }}{% if model %} {{ model }}{% endif %}). "
        "Your claim number is <strong>{{ control_number }}</strong>; please keep your claim slip.</p>\n"
        "{% if promised_on %}<p>We expect it to be ready by {{ promised_on }}.</p>\n{% endif %}"
        '<p><a href="{{ status_url }}">See how it is getting on</a></p>',
    ),
    "approval": (
        "Your answer is needed: {{ item }} ({{ control_number }})",
        "Hello {{ customer_name }},\n\n"
        "we have looked at your {{ item }} ({{ control_number }}) and need your go-ahead before we carry on. "
        "Please call us, or see the details here:\n{{ status_url }}",
        "<p>Hello {{ customer_name }},</p>\n"
        "<p>we have looked at your {{ item }} ({{ control_number }}) and need your go-ahead before we carry on. "
        'Please call us, or <a href="{{ status_url }}">see the details</a>.</p>',
    ),
    "ready": (
        "Ready for pickup: your {{ item }} ({{ control_number }})",
        "Hello {{ customer_name }},\n\n"
        "your {{ item }} ({{ control_number }}) is ready for pickup. "
        "Please bring your claim slip, or show this page:\n{{ status_url }}",
        "<p>Hello {{ customer_name }},</p>\n"
        "<p>your {{ item }} ({{ control_number }}) is <strong>ready for pickup</strong>. "
        'Please bring your claim slip, or show <a href="{{ status_url }}">this page</a>.</p>',
    ),
    "reminder": (
        "Reminder: your {{ item }} is waiting for you ({{ control_number }})",
        "Hello {{ customer_name }},\n\n"
        "your {{ item }} ({{ control_number }}) has been ready for pickup for {{ days_waiting }} days. "
        "We look forward to seeing you:\n{{ status_url }}",
        "<p>Hello {{ customer_name }},</p>\n"
        "<p>your {{ item }} ({{ control_number }}) has been ready for pickup for {{ days_waiting }} days. "
        'We look forward to seeing you. <a href="{{ status_url }}">Status of your item</a></p>',
    ),
    "released": (
        "Thank you: {{ item }} collected ({{ control_number }})",
        "Hello {{ customer_name }},\n\n"
        "thank you for collecting your {{ item }}. Your receipt:\n\n"
        "{{ control_number }} · {{ item }} · {{ brand }}{% if model %} {{ model }}{% endif %}"
        "{% if serial_number %} · serial {{ serial_number }}{% endif %} · collected {{ released_on }}\n\n"
        "Safe diving!",
        "<p>Hello {{ customer_name }},</p>\n"
        "<p>thank you for collecting your {{ item }}. Your receipt:</p>\n"
        "<p><strong>{{ control_number }}</strong> · {{ item }} · {{ brand }}{% if model %} {{ model }}{% endif %}"
        "{% if serial_number %} · serial {{ serial_number }}{% endif %} · collected {{ released_on }}</p>\n"
        "<p>Safe diving!</p>",
    ),
}

GROUPS = {
    "Front desk": ["resend_message", "revoke_statuslink"],
    "Managers": [
        "resend_message",
        "revoke_statuslink",
        "view_message",
        "view_statuslink",
        "view_messagetemplate",
        "change_messagetemplate",
    ],
}


def create_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for event, (subject, text, html) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            event=event, defaults={"subject": subject, "body_text": text, "body_html": html}
        )


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create ours now so the groups can use them.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("notifications")
    models_module, app_config.models_module = getattr(app_config, "models_module", None), True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="notifications", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_outbox"),
        ("core", "0002_staff_groups"),
    ]

    operations = [
        migrations.RunPython(create_templates, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
