"""The staff groups harp defines, with exactly the permissions their work needs.

A deployment gets them from data migrations (harp's and proofing's call
`help_desk_group_sync`), the demo data from the same function, so the list below
is the one place that says what the help desk may do. Admin rights (staff status,
groups, permissions, passwords, email addresses) belong to superusers only and are
never given to a group: see `harp.admin`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS

HELP_DESK = "Help desk"

# (app label, codename). The proofing and qsep permissions are named, not imported:
# harp imports no other app. Each exists once its app's migrations have run, and
# those apps' migrations (proofing 0003, qsep 0005) sync the group again then.
HELP_DESK_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("harp", "view_user"),
    ("harp", "unlock_user"),
    ("harp", "correct_identity"),
    ("harp", "view_auditevent"),
    ("harp", "activate_user"),
    ("proofing", "work_proofing_queue"),
    ("qsep", "transfer_learner"),
    ("qsep", "view_learnertransfer"),
    ("qsep", "view_coordinatorproxy"),
    ("qsep", "add_coordinatorproxy"),
    ("qsep", "change_coordinatorproxy"),
)


def group_permissions_sync(
    *,
    name: str,
    permissions: Sequence[tuple[str, str]],
    apps: Apps = global_apps,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Create the group if needed and give it exactly these permissions.

    Any other permission the group holds (given by hand, or by older demo data such
    as `harp.change_user`) is taken away. A permission whose app has not been
    migrated yet is skipped; that app's own migration syncs the group again.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.using(using).get_or_create(name=name)
    wanted = []
    for app_label, codename in permissions:
        permission = (
            permission_model.objects.using(using)
            .filter(content_type__app_label=app_label, codename=codename)
            .first()
        )
        if permission is not None:
            wanted.append(permission)
    group.permissions.set(wanted)


def help_desk_group_sync(
    *, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS
) -> None:
    group_permissions_sync(
        name=HELP_DESK, permissions=HELP_DESK_PERMISSIONS, apps=apps, using=using
    )
