"""The "Help desk" group, with exactly its permissions, and the identity-correction
permission it holds.

Earlier demo data gave the group `harp.change_user`, through which a help-desk
member could make themselves a superuser; syncing takes it away.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from harp.groups import help_desk_group_sync


def sync_help_desk(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created after `migrate` ends; the group needs them now.
    for label in ("auth", "harp"):
        create_permissions(
            global_apps.get_app_config(label), verbosity=0, using=using, apps=apps
        )
    help_desk_group_sync(apps=apps, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("harp", "0003_user_profile_lockout_and_second_factors"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [
                    ("unlock_user", "Can unlock accounts locked after failures"),
                    (
                        "correct_identity",
                        "Can correct a person's legal name, date of birth and "
                        "home address",
                    ),
                ],
                "verbose_name": "user",
            },
        ),
        migrations.RunPython(sync_help_desk, migrations.RunPython.noop),
    ]
