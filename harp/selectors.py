"""Reads that harp's views, templates and other apps share."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet

from harp.models import SystemComponent


def system_component_list() -> QuerySet[SystemComponent]:
    return SystemComponent.objects.order_by("position", "name")


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
