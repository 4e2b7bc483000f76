"""Customers' search answered from an index (issue 15): as core's migration 0009 does for jobs.

PostgreSQL: a pg_trgm GIN index on customers_customer.search_document (built CONCURRENTLY, hence outside a
transaction). SQLite: an FTS5 trigram table over the column, kept by triggers. A later migration that rebuilds
customers_customer on SQLite must create the triggers again (customers' search tests check that they exist).
"""

from django.db import migrations

INDEX = "customers_search_trgm_idx"
FTS = "customers_customer_fts"
CREATE_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_document, content='customers_customer', content_rowid='id', tokenize='trigram')""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON customers_customer BEGIN
        INSERT INTO {FTS}(rowid, search_document) VALUES (NEW.id, NEW.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON customers_customer BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_document) VALUES ('delete', OLD.id, OLD.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF search_document ON customers_customer BEGIN
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
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON customers_customer USING gin "
            "(search_document gin_trgm_ops)"
        ]
    else:
        statements = CREATE_SQLITE if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"], "sqlite": DROP_SQLITE}
    with schema_editor.connection.cursor() as cursor:
        for sql in statements.get(vendor, []):
            cursor.execute(sql)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0003_search_and_permissions")]

    # The extension stays when this is undone: the other app's index may still use it.
    operations = [migrations.RunPython(create_index, drop_index)]
