"""Appending audit events."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from harp.audit import client_ip, user_agent
from harp.models import AuditEvent, User


def audit_event_record(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_label: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event. Events are never changed or deleted afterwards."""
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_label=actor_label[:150],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[
            :255
        ],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        details=details or {},
    )
    # The actor was just loaded by the caller; validating the key would cost a query.
    event.full_clean(exclude=["actor"])
    event.save()
    return event
