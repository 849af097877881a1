"""Reads for the help desk's transfers page, each one query."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from harp.models import User
from iqies_roles.models import Organization, OrganizationKind, RoleAssignment
from qsep.models import LearnerProfile, LearnerTransfer
from qsep.selectors import STATE_TRAINING_COORDINATOR_ROLE

RECENT_TRANSFERS = 50


def learner_transfer_list_recent(
    *, size: int = RECENT_TRANSFERS
) -> list[LearnerTransfer]:
    """The newest transfers, with everything the list shows, in one query."""
    return list(
        LearnerTransfer.objects.select_related(
            "learner", "from_agency", "to_agency", "transferred_by"
        ).order_by("-transferred_at", "-pk")[:size]
    )


def transfer_learner_find(*, text: str) -> list[User]:
    """Accounts whose user ID or email address is `text`, without case.

    Compared through `Lower(...)`, the expression of the unique indexes on both;
    each with its learner profile and State Agency, in one query.
    """
    text = text.strip().lower()
    if not text:
        return []
    return list(
        User.objects.alias(uid=Lower("username"), mail=Lower("email"))
        .filter(Q(uid=text) | Q(mail=text))
        .select_related("learner__state_agency")
        .order_by("username")[:20]
    )


def transfer_learner_get(*, user_id: int) -> tuple[User, LearnerProfile | None] | None:
    """The account and its learner profile (None before any training); None if no
    such account."""
    user = (
        User.objects.filter(pk=user_id)
        .select_related("learner__state_agency", "learner__facility")
        .first()
    )
    if user is None:
        return None
    return user, getattr(user, "learner", None)


def state_agency_choices() -> QuerySet[Organization]:
    """The State Agencies a learner may be moved to: active ones, by state."""
    return Organization.objects.filter(
        kind=OrganizationKind.STATE_AGENCY, is_active=True
    ).order_by("state", "name")


def state_training_coordinators(
    *, agencies: list[Organization]
) -> list[RoleAssignment]:
    """Active State Training Coordinator roles at these agencies, with their holders
    (active accounts only), in one query."""
    return list(
        RoleAssignment.objects.active()
        .filter(
            role__code=STATE_TRAINING_COORDINATOR_ROLE,
            organization__in=[agency.pk for agency in agencies],
            user__is_active=True,
        )
        .select_related("user", "organization")
        .order_by("organization_id", "user_id")
    )
