"""The "CMS approvers" group, with no permissions.

Membership alone is what makes someone a CMS approver
(iqies_roles.services.is_cms_approver): they decide the request of an
organization's first security official on the Role approvals page. The group
needs no admin permission, and syncing takes away any given by hand. The demo
data adds its CMS approver to this group; it never defines the group itself.
"""

from django.db import migrations

from harp.groups import group_permissions_sync

CMS_APPROVERS = "CMS approvers"


def sync_cms_approvers(apps, schema_editor):
    # No permissions to create first: the group holds none.
    group_permissions_sync(
        name=CMS_APPROVERS,
        permissions=(),
        apps=apps,
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("iqies_roles", "0002_load_role_catalogue"),
    ]

    operations = [migrations.RunPython(sync_cms_approvers, migrations.RunPython.noop)]
