"""The My Dashboard audiences iqies_roles adds: the holders of one role."""

from __future__ import annotations

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Concat

from harp.models import User
from iqies_roles.models import Role, RoleAssignment


def role_audience(code: str) -> str:
    return f"role:{code}"


def role_audiences(user: User) -> QuerySet:
    """ "role:<code>" for each role the person holds now, at any organization."""
    return (
        RoleAssignment.objects.active()
        .filter(user=user)
        .annotate(key=Concat(Value("role:"), F("role__code"), output_field=CharField()))
        .values_list("key", flat=True)
    )


def role_audience_choices() -> list[tuple[str, str]]:
    return [
        (role_audience(code), f"Holders of the {name} role")
        for code, name in Role.objects.order_by(
            "application", "position", "name"
        ).values_list("code", "name")
    ]
