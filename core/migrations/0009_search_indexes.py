"""The search box answered from an index, never by reading every job (issue 15).

Jobs are searched with `search_document LIKE '%term%'` for each term (ServiceItemQuerySet.search).
PostgreSQL: a pg_trgm GIN index on the column serves LIKE with any term of three characters or more, built
CONCURRENTLY so that a shop's logbook keeps taking jobs in while it builds (hence a migration outside a
transaction). SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or later) over the same column, kept by
triggers (external content: the text is stored once, in core_serviceitem).

On SQLite, a later migration that rebuilds core_serviceitem drops these triggers with the table: it must run
CREATE_SQLITE's triggers again and 'rebuild' the FTS table (core/tests/test_search.py checks that they exist).
"""

from django.db import migrations

INDEX = "core_item_search_trgm_idx"
FTS = "core_serviceitem_fts"
CREATE_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_document, content='core_serviceitem', content_rowid='id', tokenize='trigram')""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON core_serviceitem BEGIN
        INSERT INTO {FTS}(rowid, search_document) VALUES (NEW.id, NEW.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON core_serviceitem BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_document) VALUES ('delete', OLD.id, OLD.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF search_document ON core_serviceitem BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_document) VALUES ('delete', OLD.id, OLD.search_document);
        INSERT INTO {FTS}(rowid, search_document) VALUES (NEW.id, NEW.search_document);
    END""",
]
DROP_SQLITE = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON core_serviceitem USING gin "
            "(search_document gin_trgm_ops)",
            # Finer statistics of the documents: the planner's guess of how many jobs a term finds decides between
            # walking the newest jobs and reading the index (a 1,000-value histogram tells 0.1% from 1%).
            "ALTER TABLE core_serviceitem ALTER COLUMN search_document SET STATISTICS 1000",
            "ANALYZE core_serviceitem",
        ]
    elif vendor == "sqlite":
        statements = CREATE_SQLITE
    else:
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [
            f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}",
            "ALTER TABLE core_serviceitem ALTER COLUMN search_document SET STATISTICS -1",
        ]
    else:
        statements = DROP_SQLITE if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0008_status_counts")]

    # The extension stays when this is undone: the other app's index may still use it.
    operations = [migrations.RunPython(create_index, drop_index)]
