"""Reads that the roles pages share, each scoped to what the user may see."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from harp.helpdesk import COUNT_CAP, count_display
from harp.keyset import DateIdCursor
from harp.models import User
from iqies_roles.ccn import normalize_ccn
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest
from iqies_roles.services import CMS_APPROVERS_GROUP


def organization_by_ccn(ccn: str) -> Organization | None:
    return Organization.objects.filter(
        ccn=normalize_ccn(ccn), kind="provider", is_active=True
    ).first()


def roles_for_category(category: str) -> list[Role]:
    return [role for role in Role.objects.all() if category in role.user_categories]


def _official_organization_ids(user: User) -> QuerySet[Any]:
    return (
        RoleAssignment.objects.security_officials()
        .filter(user=user)
        .values("organization_id")
    )


def _pending_scopes(official: User) -> list[QuerySet[RoleRequest]]:
    """The pending requests this user may decide, as one query per part of their
    scope: each organization they are a security official of and, for a CMS
    approver, the first security officials of organizations that have none.

    Apart, each part reads its oldest requests in order from the index on
    (organization, created_at, id) of pending requests and stops at a page; an
    `IN` over every organization would read them all to sort them.
    """
    pending = RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).exclude(
        requester=official
    )
    scopes = [
        pending.filter(organization_id=organization_id)
        for organization_id in sorted(
            set(
                _official_organization_ids(official).values_list(
                    "organization_id", flat=True
                )
            )
        )
    ]
    if official.groups.filter(name=CMS_APPROVERS_GROUP).exists():
        without_official = Organization.objects.exclude(
            pk__in=RoleAssignment.objects.security_officials().values("organization_id")
        ).values("pk")
        scopes.append(
            pending.filter(
                role__is_security_official=True, organization_id__in=without_official
            )
        )
    return scopes


def role_request_list_pending(*, official: User) -> QuerySet[RoleRequest]:
    """Pending requests this user may decide, oldest first.

    A security official sees their organizations' requests; a CMS approver also sees
    requests for the first security official of organizations that have none.
    Nobody sees their own.
    """
    scope = Q(organization_id__in=_official_organization_ids(official))
    if official.groups.filter(name=CMS_APPROVERS_GROUP).exists():
        without_official = Organization.objects.exclude(
            pk__in=RoleAssignment.objects.security_officials().values("organization_id")
        ).values("pk")
        scope |= Q(
            role__is_security_official=True, organization_id__in=without_official
        )
    return (
        RoleRequest.objects.filter(scope, status=RoleRequest.Status.PENDING)
        .exclude(requester=official)
        .select_related("requester", "role", "organization")
        .order_by("created_at", "pk")
    )


def role_request_get_pending(*, official: User, pk: int) -> RoleRequest | None:
    return role_request_list_pending(official=official).filter(pk=pk).first()


APPROVALS_PAGE_SIZE = 25
# Beyond this many organizations one query over them all beats a UNION of each.
MAX_UNION_PARTS = 50


class RequestCursor(DateIdCursor):
    """Where a page of the queue starts: just after this request's date and id."""


@dataclass(frozen=True)
class PendingPage:
    requests: list[RoleRequest]
    # How many wait in all, counted up to COUNT_CAP + 1: `count_label` says "1,000+".
    count: int
    next: RequestCursor | None

    @property
    def count_label(self) -> str:
        return count_display(self.count)

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def count_cap(self) -> str:
        return f"{COUNT_CAP:,}"


def role_request_page_pending(
    *,
    official: User,
    after: RequestCursor | None = None,
    size: int = APPROVALS_PAGE_SIZE,
) -> PendingPage:
    """One page of `role_request_list_pending`, oldest first, after `after`.

    A keyset page with a capped count, in the same number of queries whatever
    the queue's length; on PostgreSQL none of them reads more than a page per
    organization, or COUNT_CAP + 1 index entries to count.
    """
    scopes = _pending_scopes(official)
    if not scopes:
        return PendingPage(requests=[], count=0, next=None)
    count = _each_limited(
        scopes, lambda scope: scope.order_by().values("pk"), COUNT_CAP + 1
    ).count()
    if after is not None:
        scopes = [
            scope.filter(
                Q(created_at__gt=after.created_at)
                | Q(created_at=after.created_at, pk__gt=after.pk)
            )
            for scope in scopes
        ]
    # Each scope's first page of ids, then those rows in order: one query.
    firsts = _each_limited(
        scopes,
        lambda scope: scope.order_by("created_at", "pk").values("pk"),
        size + 1,
    )
    rows = list(
        RoleRequest.objects.filter(pk__in=firsts)
        .select_related("requester", "role", "organization")
        .only(
            "category",
            "created_at",
            "requester__username",
            "requester__first_name",
            "requester__last_name",
            "requester__identity_proofed_at",
            "role__name",
            "organization__name",
            "organization__ccn",
        )
        .order_by("created_at", "pk")[: size + 1]
    )
    requests = rows[:size]
    following = (
        RequestCursor(created_at=requests[-1].created_at, pk=requests[-1].pk)
        if len(rows) > size
        else None
    )
    return PendingPage(
        requests=requests, count=min(count, COUNT_CAP + 1), next=following
    )


def _each_limited(
    scopes: list[QuerySet[RoleRequest]],
    shape: Callable[[QuerySet[RoleRequest]], QuerySet[RoleRequest, Any]],
    limit: int,
) -> QuerySet[RoleRequest, Any]:
    """The first `limit` rows of every scope, shaped (ordered, values), in one query.

    On PostgreSQL `(... LIMIT n) UNION ALL (... LIMIT n)`, so that each scope
    stops at its own limit in its own index. A database that cannot limit the
    parts of a UNION (SQLite), or an official of very many organizations, reads
    the scopes together, limited as a whole.
    """
    if (
        1 < len(scopes) <= MAX_UNION_PARTS
        and connection.features.supports_slicing_ordering_in_compound
    ):
        parts = [shape(scope)[:limit] for scope in scopes]
        return parts[0].union(*parts[1:], all=True)
    return shape(functools.reduce(operator.or_, scopes))[:limit]


def official_assignment_list(*, official: User) -> QuerySet[RoleAssignment]:
    """Active roles at the organizations this user is a security official of."""
    return (
        RoleAssignment.objects.active()
        .filter(organization_id__in=_official_organization_ids(official))
        .select_related("user", "role", "organization")
        .order_by("organization__name", "user__last_name", "role__name")
    )


def organizations_short_of_officials(*, official: User) -> list[Organization]:
    """The official's organizations with fewer than two security officials."""
    return list(
        Organization.objects.filter(pk__in=_official_organization_ids(official))
        .annotate(
            officials=Count(
                "role_assignments",
                filter=Q(
                    role_assignments__revoked_at__isnull=True,
                    role_assignments__role__is_security_official=True,
                ),
            )
        )
        .filter(officials__lt=2)
    )


def _organization_label(name: str, ccn: str | None) -> str:
    """As `Organization.__str__` shows it."""
    return f"{name} ({ccn})" if ccn else name


def profile_roles(*, user: User) -> dict[str, Any]:
    """My Profile's roles: the person's current roles and pending requests (only
    the columns shown), the organizations short of security officials and whether
    the person sees the approvals. Whether they are a security official is read
    from their roles; the short organizations and the CMS approvers' group are
    asked only of the people they can concern. Three queries."""
    assignments = list(
        RoleAssignment.objects.active()
        .filter(user=user)
        .values_list(
            "role__name",
            "organization__name",
            "organization__ccn",
            "role__is_security_official",
        )
    )
    pending = [
        {
            "role": role,
            "organization": _organization_label(name, ccn),
            "created_at": created_at,
        }
        for role, name, ccn, created_at in RoleRequest.objects.filter(
            requester=user, status=RoleRequest.Status.PENDING
        ).values_list(
            "role__name", "organization__name", "organization__ccn", "created_at"
        )
    ]
    official = any(row[3] for row in assignments)
    return {
        "assignments": [
            {"role": role, "organization": _organization_label(name, ccn)}
            for role, name, ccn, _official in assignments
        ],
        "pending": pending,
        "short": organizations_short_of_officials(official=user) if official else [],
        "official": official or user.groups.filter(name=CMS_APPROVERS_GROUP).exists(),
    }
