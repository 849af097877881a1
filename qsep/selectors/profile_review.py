"""Reads for the annual profile review."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from harp.models import User
from qsep.models import SURVEYOR_TYPES, LearnerProfile
from qsep.review_cycle import profile_review_cycle_started_at


def learner_profiles_review_due(
    *, today: datetime.date | None = None
) -> QuerySet[LearnerProfile]:
    """Surveyors who have not confirmed their profile since the cycle started."""
    started_at = profile_review_cycle_started_at(today or timezone.localdate())
    return LearnerProfile.objects.filter(
        Q(profile_reviewed_at__isnull=True) | Q(profile_reviewed_at__lt=started_at),
        employment_type__in=SURVEYOR_TYPES,
    )


def learner_profile_review_due(
    *, user: User, today: datetime.date | None = None
) -> bool:
    """Whether this person must review their profile before anything else (1 query)."""
    return learner_profiles_review_due(today=today).filter(user=user).exists()


def learner_profile_is_due(
    profile: LearnerProfile, *, today: datetime.date | None = None
) -> bool:
    """The same rule as `learner_profiles_review_due`, for a loaded profile."""
    started_at = profile_review_cycle_started_at(today or timezone.localdate())
    return profile.is_surveyor and (
        profile.profile_reviewed_at is None or profile.profile_reviewed_at < started_at
    )


def learner_employment_get(*, user: User) -> LearnerProfile | None:
    """The person's learner profile with its survey types (2 queries), or None."""
    return (
        LearnerProfile.objects.filter(user=user)
        .prefetch_related("survey_types")
        .first()
    )
