"""The outbox keeps no working link: messages are rendered by the worker with stand-ins for the status and unsubscribe
links, which are put in only when a message leaves. Messages stored before this held the real links: they are
redacted here to the same stand-ins (a message still queued gets its links back when it is sent), and marked as
rendered."""

import re

from django.db import migrations, models
from django.db.models import F, Q

# The links as the site wrote them (notifications.links): a status token is 43 characters of base64url, an
# unsubscribe link a signed value (base64url, ':' and '.').
SECRET_LINKS = re.compile(r"(/status/)[A-Za-z0-9_-]{20,}(?=/)|(/messages/unsubscribe/)[A-Za-z0-9_.:-]+(?=/)")
REDACTED = "[redacted]"
FIELDS = ("subject", "body_text", "body_html")


def redact(text):
    return SECRET_LINKS.sub(lambda found: (found.group(1) or found.group(2)) + REDACTED, text)


def redact_stored_messages(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    Message.objects.exclude(subject="", body_text="", body_html="").update(rendered_at=F("created_at"))
    holding = Q()
    for field in FIELDS:
        holding |= Q(**{f"{field}__contains": "/status/"}) | Q(**{f"{field}__contains": "/messages/unsubscribe/"})
    batch = []
    for message in Message.objects.filter(holding).only("pk", *FIELDS).iterator(chunk_size=500):
        for field in FIELDS:
            setattr(message, field, redact(getattr(message, field)))
        batch.append(message)
        if len(batch) == 500:
            Message.objects.bulk_update(batch, FIELDS)
            batch = []
    Message.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_service_due_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="context",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="message",
            name="rendered_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="written"),
        ),
        # Redacted links cannot be put back: going back leaves them redacted.
        migrations.RunPython(redact_stored_messages, migrations.RunPython.noop),
    ]
