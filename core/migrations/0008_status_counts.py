"""Jobs per status, kept by the database: the logbook's tabs and page count without COUNT(*) over every job.

Triggers on core_serviceitem keep core_statuscount right for every write, whatever makes it (a save, a queryset
update, a bulk insert, raw SQL). PostgreSQL: statement triggers with transition tables, so that a statement
touching many rows updates each counter once, in the order of the statuses (two transactions never wait for each
other's counters in opposite orders); a statement that changes no status touches no counter. SQLite: row
triggers. The counters start from a count of the jobs there are, taken with the table locked for writes.

On SQLite, a later migration that rebuilds core_serviceitem (Django remakes the table to alter it) drops its
triggers: such a migration must run CREATE_SQLITE again (core/tests/test_logbook_scale.py checks that they exist).
"""

from django.db import migrations, models

UPSERT = "ON CONFLICT (status) DO UPDATE SET count = core_statuscount.count + EXCLUDED.count"

CREATE_POSTGRESQL = [
    f"""
    CREATE FUNCTION core_statuscount_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO core_statuscount (status, count)
                SELECT status, count(*) FROM new_rows GROUP BY status ORDER BY status {UPSERT};
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO core_statuscount (status, count)
                SELECT status, -count(*) FROM old_rows GROUP BY status ORDER BY status {UPSERT};
        ELSE
            INSERT INTO core_statuscount (status, count)
                SELECT status, sum(change) FROM (
                    SELECT status, 1 AS change FROM new_rows UNION ALL SELECT status, -1 FROM old_rows
                ) AS changes GROUP BY status HAVING sum(change) <> 0 ORDER BY status {UPSERT};
        END IF;
        RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER core_statuscount_insert AFTER INSERT ON core_serviceitem REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION core_statuscount_apply()""",
    """CREATE TRIGGER core_statuscount_delete AFTER DELETE ON core_serviceitem REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION core_statuscount_apply()""",
    """CREATE TRIGGER core_statuscount_update AFTER UPDATE ON core_serviceitem
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION core_statuscount_apply()""",
    """CREATE FUNCTION core_statuscount_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN DELETE FROM core_statuscount; RETURN NULL; END $$""",
    """CREATE TRIGGER core_statuscount_truncate AFTER TRUNCATE ON core_serviceitem
       FOR EACH STATEMENT EXECUTE FUNCTION core_statuscount_truncate()""",
]
DROP_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS core_statuscount_insert ON core_serviceitem",
    "DROP TRIGGER IF EXISTS core_statuscount_delete ON core_serviceitem",
    "DROP TRIGGER IF EXISTS core_statuscount_update ON core_serviceitem",
    "DROP TRIGGER IF EXISTS core_statuscount_truncate ON core_serviceitem",
    "DROP FUNCTION IF EXISTS core_statuscount_apply()",
    "DROP FUNCTION IF EXISTS core_statuscount_truncate()",
]
CREATE_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS core_statuscount_insert AFTER INSERT ON core_serviceitem BEGIN
        INSERT INTO core_statuscount (status, count) VALUES (NEW.status, 1) {UPSERT};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS core_statuscount_delete AFTER DELETE ON core_serviceitem BEGIN
        INSERT INTO core_statuscount (status, count) VALUES (OLD.status, -1) {UPSERT};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS core_statuscount_update AFTER UPDATE OF status ON core_serviceitem
        WHEN OLD.status <> NEW.status BEGIN
        INSERT INTO core_statuscount (status, count) VALUES (OLD.status, -1) {UPSERT};
        INSERT INTO core_statuscount (status, count) VALUES (NEW.status, 1) {UPSERT};
    END""",
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS core_statuscount_insert",
    "DROP TRIGGER IF EXISTS core_statuscount_delete",
    "DROP TRIGGER IF EXISTS core_statuscount_update",
]
COUNT_JOBS = "INSERT INTO core_statuscount (status, count) SELECT status, count(*) FROM core_serviceitem GROUP BY status"


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE core_serviceitem IN SHARE MODE")
            statements = CREATE_POSTGRESQL
        elif connection.vendor == "sqlite":
            statements = CREATE_SQLITE
        else:
            raise NotImplementedError(f"No status count triggers for {connection.vendor}")
        for sql in statements:
            cursor.execute(sql)
        cursor.execute("DELETE FROM core_statuscount")
        cursor.execute(COUNT_JOBS)


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in DROP_POSTGRESQL if connection.vendor == "postgresql" else DROP_SQLITE:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_jobs_belong_to_customers")]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                ("status", models.CharField(max_length=20, primary_key=True, serialize=False)),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "status count"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
