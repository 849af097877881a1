"""Indexes for the admin's lists at a million rows, on PostgreSQL only (issue 12).

The account list is read newest first (`-id`): its filters are served by an index
that leads with the filter and ends with the id, or by a partial index where the
filtered rows are few (staff, inactive, proofed accounts), so a filter reads one
page of index entries instead of walking a million rows to find a hundred.

The admin's "contains" searches on audit events, the outbox and email addresses
are Django's `UPPER(col::text) LIKE UPPER('%term%')` on each search field, OR-ed
together; a GIN trigram index on each of those expressions lets PostgreSQL answer
the OR with a bitmap of index scans instead of reading every row (harp migration
0006 did the same for accounts). The expressions are exactly Django's, or the
planner would not match them.

SQLite has neither pg_trgm nor GIN, so there the migration does nothing; the
indexes are not in the models' Meta for the same reason.
"""

from django.db import migrations

INDEXES = {
    # Account list filters, with the list's order (-id).
    "harp_user_kind_idx": "harp_user (kind, id)",
    "harp_user_state_idx": "harp_user (state, id)",
    "harp_user_staff_idx": "harp_user (id) WHERE is_staff",
    "harp_user_inactive_idx": "harp_user (id) WHERE NOT is_active",
    "harp_user_proofed_idx": "harp_user (id) WHERE identity_proofed_at IS NOT NULL",
    # Searches: every field a list searches, so the OR is a bitmap of index scans.
    "harp_audit_actor_trgm_idx": (
        "harp_auditevent USING gin (UPPER(actor_label::text) gin_trgm_ops)"
    ),
    "harp_audit_target_label_trgm_idx": (
        "harp_auditevent USING gin (UPPER(target_label::text) gin_trgm_ops)"
    ),
    "harp_audit_target_id_trgm_idx": (
        "harp_auditevent USING gin (UPPER(target_id::text) gin_trgm_ops)"
    ),
    "harp_audit_action_trgm_idx": (
        "harp_auditevent USING gin (UPPER(action::text) gin_trgm_ops)"
    ),
    "harp_audit_ip_trgm_idx": (
        "harp_auditevent USING gin (UPPER(HOST(ip_address)) gin_trgm_ops)"
    ),
    "harp_outbox_subject_trgm_idx": (
        "harp_outboxmessage USING gin (UPPER(subject::text) gin_trgm_ops)"
    ),
    "harp_outbox_to_trgm_idx": (
        'harp_outboxmessage USING gin (UPPER("to"::text) gin_trgm_ops)'
    ),
    "harp_email_address_trgm_idx": (
        "account_emailaddress USING gin (UPPER(email::text) gin_trgm_ops)"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("harp", "0007_dashboard_messages_activation_and_locked_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
