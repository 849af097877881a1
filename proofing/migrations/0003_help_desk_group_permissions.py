"""Give the "Help desk" group the manual-proofing queue, as harp.groups defines it."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from harp.groups import help_desk_group_sync


def sync_help_desk(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(
        global_apps.get_app_config("proofing"), verbosity=0, using=using, apps=apps
    )
    help_desk_group_sync(apps=apps, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("harp", "0004_help_desk_group_and_identity_correction"),
        ("proofing", "0002_manual_proofing_cases_and_documents"),
    ]

    operations = [migrations.RunPython(sync_help_desk, migrations.RunPython.noop)]
