"""Trigram indexes for the catalog's search (PostgreSQL only), and an index for
the admin's enrollments of one course.

The catalog searches published courses with `title__icontains` or
`description__icontains`, which Django turns into `UPPER(col::text) LIKE
UPPER('%text%')`; no B-tree index serves a leading wildcard, so every search read
all 2,000 courses (2.5 ms for a word that matches none). With a GIN index with
`gin_trgm_ops` on each expression a rare word is a bitmap OR of two index scans
(0.06 ms); a common one ("Long Term Care", one course in ten) still reads the
table, as it should.

pg_trgm is a trusted extension (harp's migration 0006 creates it too). SQLite has
neither the extension nor GIN, so there the migration does nothing; the indexes
are not in the model's Meta for the same reason.

The admin lists enrollments newest first (`-id`); filtered by course, it walked
the primary key through 5,000,000 rows to find a page of one course's (543 ms).
`(course_id, id)` reads that page from the index (2 ms).
"""

from django.db import migrations, models

INDEXES = {
    "qsep_course_title_trgm_idx": "UPPER(title::text)",
    "qsep_course_description_trgm_idx": "UPPER(description::text)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON qsep_course "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("qsep", "0005_learner_report_columns_proxies_transfers_and_review"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                fields=["course", "id"], name="qsep_enrollment_course_idx"
            ),
        ),
    ]
