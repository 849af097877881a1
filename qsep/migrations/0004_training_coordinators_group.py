"""The "Training coordinators" group, with exactly the permission its work needs.

Membership lets a coordinator open the Certifications to review page; which
learners they see still comes from their State Training Coordinator role
assignments and proxy states (qsep.selectors.coordinator_states). The demo data
adds its coordinator to this group; it never defines the group itself.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from harp.groups import group_permissions_sync

TRAINING_COORDINATORS = "Training coordinators"
PERMISSIONS = (("qsep", "review_certification"),)


def sync_training_coordinators(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created after `migrate` ends; the group needs them now.
    create_permissions(
        global_apps.get_app_config("qsep"), verbosity=0, using=using, apps=apps
    )
    group_permissions_sync(
        name=TRAINING_COORDINATORS, permissions=PERMISSIONS, apps=apps, using=using
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("qsep", "0003_sanitise_module_bodies"),
    ]

    operations = [
        migrations.RunPython(sync_training_coordinators, migrations.RunPython.noop)
    ]
