"""The "service due" message, which maintenance sends (its daily reminders): one message per customer listing every
piece falling due. Managers edit and switch it like the others."""

from django.conf import settings
from django.db import migrations, models

SUBJECT = "Service due: your gear at {{ shop_name }}"
TEXT = (
    "Hello {{ customer_name }},\n\n"
    "by our records, this gear of yours is due for service soon:\n\n"
    "{{ service_due }}\n\n"
    "{{ booking }}\n\n"
    "Safe diving!"
)
HTML = (
    "<p>Hello {{ customer_name }},</p>\n"
    "<p>by our records, this gear of yours is due for service soon:</p>\n"
    "<p>{{ service_due|linebreaksbr }}</p>\n"
    "<p>{{ booking }}</p>\n"
    "<p>Safe diving!</p>"
)


def create_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.get_or_create(
        event="service_due", defaults={"subject": SUBJECT, "body_text": TEXT, "body_html": HTML}
    )


def remove_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(event="service_due").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_default_templates_and_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='messagetemplate',
            name='notif_template_event_valid',
        ),
        migrations.AlterField(
            model_name='message',
            name='event',
            field=models.CharField(choices=[('taken_in', 'Taken in'), ('approval', 'Waiting for the customer’s approval'), ('ready', 'Ready for pickup'), ('reminder', 'Pickup reminder'), ('released', 'Released'), ('service_due', 'Service due')], max_length=20, verbose_name='event'),
        ),
        migrations.AlterField(
            model_name='messagetemplate',
            name='event',
            field=models.CharField(choices=[('taken_in', 'Taken in'), ('approval', 'Waiting for the customer’s approval'), ('ready', 'Ready for pickup'), ('reminder', 'Pickup reminder'), ('released', 'Released'), ('service_due', 'Service due')], max_length=20, unique=True, verbose_name='event'),
        ),
        migrations.AddConstraint(
            model_name='messagetemplate',
            constraint=models.CheckConstraint(condition=models.Q(('event__in', ['taken_in', 'approval', 'ready', 'reminder', 'released', 'service_due'])), name='notif_template_event_valid'),
        ),
        migrations.RunPython(create_template, remove_template),
    ]
