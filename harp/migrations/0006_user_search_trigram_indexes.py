"""Trigram indexes for the admin's user search, on PostgreSQL only.

The admin searches users by `search_fields = ("username", "email", "first_name",
"last_name")`, which Django turns into `UPPER(col::text) LIKE UPPER('%term%')` on
each column. No B-tree index serves a leading wildcard, so with 200,000 users the
search's COUNT was a sequential scan of 74 ms (bench/http.py, `?q=smith`). A GIN
index with `gin_trgm_ops` on each of those expressions turns it into a bitmap OR
of four index scans: 10 ms.

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may
create it without being a superuser. SQLite has neither the extension nor GIN, so
there the migration does nothing; the indexes are not in the model's Meta for the
same reason.
"""

from django.db import migrations

COLUMNS = ("username", "email", "first_name", "last_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS harp_user_{column}_trgm_idx ON harp_user "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS harp_user_{column}_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("harp", "0005_user_name_match_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
