"""Reads that harp's views, templates and other apps share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_otp
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.generational_cache import (
    generation_cached,
    generation_forget,
    now_and_after_commit,
)
from harp.models import BackupCodeDevice, PhoneDevice, SystemComponent, User


def system_component_list() -> QuerySet[SystemComponent]:
    return SystemComponent.objects.order_by("position", "name")


STATUS_BANNER_KEY = "harp:status:disrupted"
STATUS_BANNER_GENERATION = "harp:status:generation"
# A change to a component forgets the banner at once; this bounds how long a
# change made while the cache was unreachable can go unseen.
STATUS_BANNER_SECONDS = 30


def status_banner_cached() -> list[SystemComponent]:
    """`system_component_list_disrupted`, read from the cache: every page shows
    the banner, and components change a few times a year."""
    return generation_cached(
        key=STATUS_BANNER_KEY,
        generation_key=STATUS_BANNER_GENERATION,
        compute=system_component_list_disrupted,
        timeout=STATUS_BANNER_SECONDS,
    )


def status_banner_forget() -> None:
    """Forget now, and again once the caller commits (see harp.backends)."""
    now_and_after_commit(lambda: generation_forget(key=STATUS_BANNER_KEY))


def system_component_list_disrupted() -> list[SystemComponent]:
    """Components not Operational, worst first: what the banner announces."""
    severity: dict[str, int] = {
        SystemComponent.State.SYSTEM_OUTAGE: 0,
        SystemComponent.State.ISSUES_REPORTED: 1,
        SystemComponent.State.PLANNED_OUTAGE: 2,
    }
    disrupted = system_component_list().exclude(state=SystemComponent.State.OPERATIONAL)
    return sorted(disrupted, key=lambda component: severity[component.state])


def health_check() -> dict[str, str]:
    """Whether the database and the cache answer: "ok", or the error's class name."""
    results: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        results["database"] = "ok"
    except Exception as exc:
        results["database"] = type(exc).__name__
    try:
        cache.set("healthz", "ok", timeout=10)
        results["cache"] = "ok" if cache.get("healthz") == "ok" else "no answer"
    except Exception as exc:
        results["cache"] = type(exc).__name__
    return results


def device_list(*, user: User) -> list[Device]:
    """The user's confirmed second factors, everyday ones first, backup codes last."""
    devices = list(django_otp.devices_for_user(user, confirmed=True))
    return sorted(devices, key=lambda device: isinstance(device, BackupCodeDevice))


@functools.cache
def _device_names_sql(vendor: str) -> str:
    """One statement for the names of a person's confirmed devices of every
    django-otp model, in `device_list`'s order (the models as django-otp lists
    them, backup codes last; within a model, by id). Built once per worker from
    the models' metadata; the person's id and `confirmed` are its parameters."""
    quote = connection.ops.quote_name
    parts = []
    for position, model in enumerate(django_otp.device_classes()):
        if issubclass(model, BackupCodeDevice):
            position += 1000
        meta = model._meta
        pk, table = quote(meta.pk.column), quote(meta.db_table)
        name, user, confirmed = (
            quote(meta.get_field(field).column)
            for field in ("name", "user", "confirmed")
        )
        select = f"SELECT {position} AS kind, {pk} AS id, {name} AS name FROM {table}"  # noqa: S608 (names from the models' metadata)
        parts.append(f"{select} WHERE {user} = %s AND {confirmed} = %s")
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"


def device_names(*, user: User) -> list[str]:
    """The names of `device_list(user=user)`, in its order, in one query (one per
    device model, four, through django-otp)."""
    sql = _device_names_sql(connection.vendor)
    count = sql.count("%s") // 2
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, True] * count)
        return [name for _kind, _pk, name in cursor.fetchall()]


def device_get(*, user: User, persistent_id: str) -> Device | None:
    """One of the user's own confirmed devices by its django-otp id, else None.

    A device still being set up is None too: it has not proved it belongs to the
    person, so it can neither sign in nor be managed.
    """
    return _device_by_id(user=user, persistent_id=persistent_id, confirmed=True)


def device_choose(
    *, user: User, devices: list[Device], persistent_id: str
) -> Device | None:
    """The device a code page asks for: the one named, else the first of `devices`.

    None when the name is not one of the user's confirmed devices, or there are none.
    """
    if persistent_id:
        return device_get(user=user, persistent_id=persistent_id)
    return devices[0] if devices else None


def device_choice_context(
    *, device: Device | None, devices: list[Device]
) -> dict[str, Any]:
    """What the code pages show: the device asked for and the others to switch to."""
    return {
        "device": device,
        "method": device_method(device) if device is not None else "",
        "devices": [(other, device_method(other)) for other in devices],
    }


def device_method(device: Device) -> str:
    """The kind of second factor, as the pages and their wording name it."""
    if isinstance(device, TOTPDevice):
        return "app"
    if isinstance(device, EmailDevice):
        return "email"
    if isinstance(device, PhoneDevice):
        return str(device.method)
    if isinstance(device, BackupCodeDevice):
        return "backup"
    return "other"


def device_get_pending(*, user: User, persistent_id: str) -> Device | None:
    """One of the user's own devices still being set up, by its django-otp id."""
    return _device_by_id(user=user, persistent_id=persistent_id, confirmed=False)


def _device_by_id(*, user: User, persistent_id: str, confirmed: bool) -> Device | None:
    model_label, _, pk = persistent_id.rpartition("/")
    try:
        model = apps.get_model(model_label)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device) or not pk.isdigit() or len(pk) > 18:
        return None
    return model.objects.filter(pk=int(pk), user=user, confirmed=confirmed).first()


@dataclass(frozen=True)
class ProfileSection:
    """A part of My Profile that another app adds: a template and its context."""

    title: str
    template_name: str
    context: dict[str, Any]


ProfileSectionProvider = Callable[[HttpRequest], ProfileSection | None]
_profile_section_providers: list[ProfileSectionProvider] = []


def profile_section_register(
    provider: ProfileSectionProvider,
) -> ProfileSectionProvider:
    """Apps that stand on harp (roles, training) add their part of My Profile here."""
    if provider not in _profile_section_providers:
        _profile_section_providers.append(provider)
    return provider


def profile_sections(*, request: HttpRequest) -> list[ProfileSection]:
    sections = (provider(request) for provider in _profile_section_providers)
    return [section for section in sections if section is not None]
