"""Reads that the roles pages share, each scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

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


def profile_roles(*, user: User) -> dict[str, Any]:
    return {
        "assignments": list(
            RoleAssignment.objects.active()
            .filter(user=user)
            .select_related("role", "organization")
        ),
        "pending": list(
            RoleRequest.objects.filter(
                requester=user, status=RoleRequest.Status.PENDING
            ).select_related("role", "organization")
        ),
        "short": organizations_short_of_officials(official=user),
        "official": _official_organization_ids(user).exists()
        or user.groups.filter(name=CMS_APPROVERS_GROUP).exists(),
    }
