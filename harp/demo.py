"""Demo data: a registry that each app fills from its own `demo` module.

`manage.py demo_data` imports `<app>.demo` for every installed app (Django's
`autodiscover_modules`), so an app adds its demo accounts and content without harp
knowing about it. Loaders run in registration order and must be idempotent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.groups import HELP_DESK, help_desk_group_sync
from harp.models import SystemComponent, User

DemoLoader = Callable[[Callable[[str], None]], None]
_loaders: list[DemoLoader] = []

DEMO_PASSWORD = "demo-password-2026"


def register(loader: DemoLoader) -> DemoLoader:
    if loader not in _loaders:
        _loaders.append(loader)
    return loader


def loaders() -> list[DemoLoader]:
    return list(_loaders)


# Each demo account's authenticator-app key (base32), so that anyone can add it to
# an app, or run `manage.py demo_code <user ID>`, and sign in at once.
DEMO_ACCOUNTS: list[dict[str, object]] = [
    {
        "username": "admin",
        "first_name": "Ada",
        "last_name": "Admin",
        "totp": "JBSWY3DPEHPK3PXPADMINAAAAAAAAAAA",
        "is_staff": True,
        "is_superuser": True,
        "about": "admin: Django admin, everything",
    },
    {
        "username": "helpdesk",
        "first_name": "Hal",
        "last_name": "Desk",
        "totp": "JBSWY3DPEHPK3PXPHELPDESKAAAAAAAA",
        "is_staff": True,
        "groups": ["Help desk"],
        "about": "help desk: /helpdesk/ proofing queue; unlocks accounts and "
        "corrects identity details in the admin",
    },
    {
        "username": "cmsapprover",
        "first_name": "Carmen",
        "last_name": "Approver",
        "totp": "JBSWY3DPEHPK3PXPCMSAPPROVERAAAAA",
        "groups": ["CMS approvers"],
        "about": "CMS approver",
    },
    {
        "username": "secofficial",
        "first_name": "Sam",
        "last_name": "Official",
        "totp": "JBSWY3DPEHPK3PXPSECOFFICIALAAAAA",
        "about": "security official",
    },
    {
        "username": "coordinator",
        "first_name": "Cora",
        "last_name": "Coordinator",
        "totp": "JBSWY3DPEHPK3PXPCOORDINATORAAAAA",
        "about": "training coordinator",
    },
    {
        "username": "learner",
        "first_name": "Lee",
        "last_name": "Learner",
        "totp": "JBSWY3DPEHPK3PXPLEARNERAAAAAAAAA",
        "kind": User.Kind.LEARNER,
        "two_factor_required": False,
        "about": "learner",
    },
]


def _help_desk_group() -> Group:
    # The same definition the migrations give a real deployment.
    help_desk_group_sync()
    return Group.objects.get(name=HELP_DESK)


def demo_user(*, username: str, totp: str, **fields: object) -> User:
    """Create or reset a demo account: confirmed email, proofed, known TOTP key."""
    groups = fields.pop("groups", [])
    fields.pop("about", None)
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "email": f"{username}@example.org",
            "is_active": True,
            "state": "MD",
            "identity_proofed_at": timezone.now(),
            **fields,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user,
        email=user.email,
        defaults={"verified": True, "primary": True},
    )
    key = base64.b32decode(totp).hex()
    TOTPDevice.objects.update_or_create(
        user=user,
        name="Demo authenticator app",
        defaults={"key": key, "confirmed": True, "last_t": -1},
    )
    for name in groups:  # type: ignore[attr-defined]
        group = (
            _help_desk_group()
            if name == HELP_DESK
            else Group.objects.get_or_create(name=name)[0]
        )
        user.groups.add(group)
    return user


@register
@transaction.atomic
def load_harp(say: Callable[[str], None]) -> None:
    for account in DEMO_ACCOUNTS:
        demo_user(**dict(account))  # type: ignore[arg-type]
        say(f"{account['username']:<12} {account['about']}; key {account['totp']}")
    for position, name in enumerate(["HARP", "QSEP", "iQIES", "MFT"], start=1):
        SystemComponent.objects.get_or_create(
            name=name, defaults={"position": position}
        )
