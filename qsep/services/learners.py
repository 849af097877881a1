"""Learner profiles: made on first need, with the columns the reports sort by.

A learner's State Agency (their location in reports) is chosen once, when the
profile is made, by `learner_state_agency_default`; afterwards only a help-desk
transfer changes it. The copied columns (`sort_name`, `user_key`,
`facility_sort`, `courses_completed`, `last_activity_at`) are refreshed here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from harp.models import User
from iqies_roles.models import Organization, OrganizationKind, RoleAssignment
from qsep.models import Enrollment, LearnerProfile


def learner_sort_name(user: User) -> str:
    """ "last first middle" in lower case: what Find by Learner sorts names by."""
    parts = (user.last_name, user.first_name, user.middle_name)
    return " ".join(part for part in parts if part).lower()[:320]


def learner_state_agency_default(
    *, user: User, facility: Organization | None
) -> Organization | None:
    """The State Agency a new learner belongs to, the first of these that exists:
    1. the State Agency of their facility's state;
    2. the State Agency where they hold an active role (the earliest granted),
       which is where a surveyor works;
    3. the State Agency of their home state.
    """
    agencies = Organization.objects.filter(kind=OrganizationKind.STATE_AGENCY)
    if facility is not None and facility.state:
        agency = agencies.filter(state=facility.state).first()
        if agency is not None:
            return agency
    role = (
        RoleAssignment.objects.active()
        .filter(user=user, organization__kind=OrganizationKind.STATE_AGENCY)
        .select_related("organization")
        .order_by("granted_at", "pk")
        .first()
    )
    if role is not None:
        return role.organization
    if user.state:
        return agencies.filter(state=user.state).first()
    return None


def _copied_columns(profile: LearnerProfile, user: User) -> dict[str, object]:
    facility = profile.facility
    return {
        "sort_name": learner_sort_name(user),
        "user_key": user.username.lower(),
        "facility_sort": facility.name.lower()[:220] if facility is not None else "",
    }


def learner_profile_ensure(
    *, user: User, facility: Organization | None = None
) -> LearnerProfile:
    """The user's learner profile, made now if they have none.

    Two requests making it at once end with one profile: the loser of the race
    reads the winner's row.
    """
    profile = LearnerProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    profile = LearnerProfile(
        user=user,
        facility=facility,
        state_agency=learner_state_agency_default(user=user, facility=facility),
        last_activity_at=user.last_login or user.date_joined or timezone.now(),
        courses_completed=Enrollment.objects.filter(
            learner=user, completed_at__isnull=False
        ).count(),
    )
    for name, value in _copied_columns(profile, user).items():
        setattr(profile, name, value)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        return LearnerProfile.objects.get(user=user)
    return profile


def learner_profile_refresh(*, user: User) -> int:
    """Copy the user's name, user ID and facility name into their profile again.

    Called when those change (the user's post_save, see qsep.apps); returns the
    number of profiles updated (0 for someone who never took training).
    """
    profile = (
        LearnerProfile.objects.filter(user=user).select_related("facility").first()
    )
    if profile is None:
        return 0
    columns = _copied_columns(profile, user)
    if all(getattr(profile, name) == value for name, value in columns.items()):
        return 0
    return LearnerProfile.objects.filter(pk=profile.pk).update(**columns)


def learner_activity_record(*, user: User, at: datetime | None = None) -> None:
    """Move the learner's last activity forward (sign-in, a training step)."""
    LearnerProfile.objects.filter(user=user).update(
        last_activity_at=at or timezone.now()
    )


def learner_completion_record(*, user: User) -> None:
    """One more course completed; called once per completion."""
    LearnerProfile.objects.filter(user=user).update(
        courses_completed=F("courses_completed") + 1, last_activity_at=timezone.now()
    )
