"""Load N service items into the configured database fast, with one INSERT ... SELECT per batch.

seed_demo writes realistic items with history through the ORM (about 1.5 ms an item); a benchmark with a
million rows needs something quicker, so this generates rows in SQL. Run inside Django: see run.py.
"""

from django.db import connection, transaction

from core.models import LogbookRevision, ServiceItem

COLUMNS = (
    "customer_name, customer_phone, customer_email, item, item_type, brand, model, serial_number, "
    "requested_service, accessories, received_at, received_by_id, assigned_to_id, status, priority, "
    "promised_on, created_at, updated_at, version, intake_token"
)
STATUSES = "ARRAY['received','diagnosing','waiting_parts','in_repair','ready','released','released','released']"


def _select(vendor, start, count, user_id, tech_id):
    """SQL that yields `count` rows numbered from start+1, in this database's dialect."""
    names = "'Customer ' || n || CASE n % 5 WHEN 0 THEN ' Reyes' WHEN 1 THEN ' Okafor' WHEN 2 THEN ' Novak' ELSE ' Silva' END"
    common = (
        f"{names}, '+1 555 ' || n, '', 'Regulator first stage', 'Regulator', "
        "CASE n % 3 WHEN 0 THEN 'Apeks' WHEN 1 THEN 'Scubapro' ELSE 'Mares' END, 'XTX' || (n % 90), "
        "'SN' || (n * 7919 % 100000000), 'Annual service, breathing hard', 'Hose, gauge', "
    )
    if vendor == "postgresql":
        return (
            f"SELECT {common} now() - n * interval '5 minutes', {user_id}, "
            f"CASE WHEN n % 4 = 0 THEN NULL ELSE {tech_id} END, ({STATUSES})[1 + n % 8], 'normal', NULL, "
            "now(), now(), 1, md5('bench' || n)::uuid "
            f"FROM generate_series({start + 1}::bigint, {start + count}::bigint) AS n"
        )
    statuses = "CASE n % 8 WHEN 0 THEN 'received' WHEN 1 THEN 'diagnosing' WHEN 2 THEN 'waiting_parts' WHEN 3 THEN 'in_repair' WHEN 4 THEN 'ready' ELSE 'released' END"
    return (
        f"WITH RECURSIVE seq(n) AS (SELECT {start + 1} UNION ALL SELECT n + 1 FROM seq WHERE n < {start + count}) "
        f"SELECT {common} datetime('now', '-' || (n * 5) || ' minutes'), {user_id}, "
        f"CASE WHEN n % 4 = 0 THEN NULL ELSE {tech_id} END, {statuses}, 'normal', NULL, "
        "datetime('now'), datetime('now'), 1, lower(hex(randomblob(16))) FROM seq"
    )


def load(total, *, user_id, tech_id, batch=50_000, progress=print):
    """Add items until the table holds `total`; returns how many it added."""
    have = ServiceItem.objects.count()
    table = ServiceItem._meta.db_table
    added = 0
    while have + added < total:
        count = min(batch, total - have - added)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({COLUMNS}) {_select(connection.vendor, have + added, count, user_id, tech_id)}"
            )
        added += count
        progress(f"  loaded {have + added:,} / {total:,} items")
    LogbookRevision.bump()  # raw inserts send no signals
    if added and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return added
