"""Coordinator proxies: a State Training Coordinator sees another state's learners
for a while, granted and ended by admins and the help desk."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format

from harp.emails import send_templated_email
from harp.models import User
from harp.services import audit_event_record
from iqies_roles.models import Organization, OrganizationKind, RoleAssignment
from qsep.models import CoordinatorProxy
from qsep.selectors import STATE_TRAINING_COORDINATOR_ROLE

PROXY_GRANTED = "qsep.proxy_granted"
PROXY_ENDED = "qsep.proxy_ended"


class ProxyError(Exception):
    """A proxy the rules refuse; nothing was written."""


def _coordinator_agencies(coordinator: User) -> list[int]:
    return list(
        RoleAssignment.objects.active()
        .filter(
            user=coordinator,
            role__code=STATE_TRAINING_COORDINATOR_ROLE,
            organization__kind=OrganizationKind.STATE_AGENCY,
        )
        .values_list("organization_id", flat=True)
    )


@transaction.atomic
def coordinator_proxy_grant(
    *,
    coordinator: User,
    state_agency: Organization,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
    actor: User,
    request: HttpRequest | None,
) -> CoordinatorProxy:
    """Let a State Training Coordinator see another State Agency's learners from
    `starts_on` to `ends_on` inclusive; it stops by itself after that day.

    Only a State Training Coordinator (an active role at some State Agency, on an
    active account) holds a proxy, and never for an agency they coordinate already.
    Refused, writing nothing: no reason, an end before the start or already past,
    an organization that is not an active State Agency, a proxy for oneself, and
    dates overlapping a proxy the coordinator holds for the same agency (not
    ended). The coordinator's account row is locked before the overlap is read, so
    two grants at once end like one after the other. Audited; the coordinator is
    emailed.
    """
    reason = reason.strip()
    if not reason:
        raise ProxyError("Give the reason for the proxy.")
    if ends_on < starts_on:
        raise ProxyError("The end date cannot be before the start date.")
    if ends_on < timezone.localdate():
        raise ProxyError("The end date has passed: the proxy would never be in force.")
    if state_agency.kind != OrganizationKind.STATE_AGENCY:
        raise ProxyError(f"{state_agency} is not a State Agency.")
    if not state_agency.is_active:
        raise ProxyError(f"{state_agency} is inactive.")
    if coordinator.pk == actor.pk:
        raise ProxyError("Nobody grants a proxy to themselves: ask another agent.")
    # The lock that serialises grants for this coordinator.
    coordinator = User.objects.select_for_update().get(pk=coordinator.pk)
    own = _coordinator_agencies(coordinator)
    if not coordinator.is_active or not own:
        raise ProxyError(
            f"{coordinator.username} is not a State Training Coordinator: only "
            "coordinators hold proxies."
        )
    if state_agency.pk in own:
        raise ProxyError(
            f"{coordinator.username} coordinates {state_agency.name} already."
        )
    overlapping = CoordinatorProxy.objects.filter(
        coordinator=coordinator,
        state_agency=state_agency,
        ended_at__isnull=True,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).first()
    if overlapping is not None:
        raise ProxyError(
            f"{coordinator.username} holds a proxy for {state_agency.name} from "
            f"{date_format(overlapping.starts_on, 'F j, Y')} to "
            f"{date_format(overlapping.ends_on, 'F j, Y')} "
            "already: end it first, or choose dates after it."
        )
    proxy = CoordinatorProxy(
        coordinator=coordinator,
        state_agency=state_agency,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        granted_by=actor,
    )
    proxy.full_clean(exclude=["coordinator", "state_agency", "granted_by"])
    proxy.save()
    audit_event_record(
        action=PROXY_GRANTED,
        actor=actor,
        target=proxy,
        request=request,
        details={
            "coordinator": coordinator.username,
            "state": state_agency.state,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": reason,
        },
    )
    send_templated_email(
        to=coordinator.email,
        subject=f"You are a proxy coordinator for {state_agency.name}",
        template="qsep/email/proxy_granted.txt",
        context={"proxy": proxy, "coordinator": coordinator},
    )
    return proxy


@transaction.atomic
def coordinator_proxy_end(
    *, proxy: CoordinatorProxy, actor: User, reason: str, request: HttpRequest | None
) -> CoordinatorProxy:
    """End a proxy now, before its end date: the coordinator stops seeing the
    agency's learners at once. Refused: no reason, a proxy already ended or
    expired (the row is locked first, so a second agent is told it is ended).
    Audited; the coordinator is emailed."""
    reason = reason.strip()
    if not reason:
        raise ProxyError("Give the reason for ending the proxy.")
    proxy = (
        CoordinatorProxy.objects.select_for_update(of=("self",))
        .select_related("coordinator", "state_agency")
        .get(pk=proxy.pk)
    )
    if proxy.ended_at is not None:
        raise ProxyError("This proxy has been ended already. Nothing was changed.")
    if proxy.ends_on < timezone.localdate():
        raise ProxyError("This proxy has expired already. Nothing was changed.")
    proxy.ended_at = timezone.now()
    proxy.ended_by = actor
    proxy.end_reason = reason
    proxy.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_event_record(
        action=PROXY_ENDED,
        actor=actor,
        target=proxy,
        request=request,
        details={
            "coordinator": proxy.coordinator.username,
            "state": proxy.state_agency.state,
            "reason": reason,
        },
    )
    send_templated_email(
        to=proxy.coordinator.email,
        subject=f"Your proxy for {proxy.state_agency.name} has ended",
        template="qsep/email/proxy_ended.txt",
        context={"proxy": proxy, "coordinator": proxy.coordinator},
    )
    return proxy
