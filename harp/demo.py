"""Demo data: a registry that each app fills from its own `demo` module.

`manage.py demo_data` imports `<app>.demo` for every installed app (Django's
`autodiscover_modules`), so an app adds its demo accounts and content without harp
knowing about it. Loaders run in registration order and must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

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


def demo_user(
    *, username: str, email: str, first_name: str, last_name: str, **extra: object
) -> User:
    """Create or reset a demo account with the shared demo password."""
    user_model = get_user_model()
    user, _ = user_model.objects.update_or_create(
        username=username,
        defaults={
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "is_active": True,
            **extra,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


@register
@transaction.atomic
def load_harp(say: Callable[[str], None]) -> None:
    demo_user(
        username="admin",
        email="admin@example.org",
        first_name="Ada",
        last_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    say("admin: superuser 'admin'")
    for position, name in enumerate(["HARP", "QSEP", "iQIES", "MFT"], start=1):
        SystemComponent.objects.get_or_create(
            name=name, defaults={"position": position}
        )
