"""The training part of My Profile."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from harp.selectors import ProfileSection


def training_section(request: HttpRequest) -> ProfileSection | None:
    from qsep.models import Enrollment, LearnerProfile
    from qsep.selectors.profile_review import learner_profile_is_due

    if not request.user.is_authenticated:
        return None
    counts = Enrollment.objects.filter(learner=request.user).aggregate(
        enrolled=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    )
    # The profile's two shown fields and its survey types' names, in one query
    # (a row per survey type, by name as ProviderType orders them) rather than
    # the whole profile and a prefetch of the types (two queries, and the
    # prefetch machinery): the section shows nothing else of either.
    rows = list(
        LearnerProfile.objects.filter(user=request.user)
        .order_by("survey_types__name")
        .values_list("employment_type", "profile_reviewed_at", "survey_types__name")
    )
    employment = (
        LearnerProfile(employment_type=rows[0][0], profile_reviewed_at=rows[0][1])
        if rows
        else None
    )
    return ProfileSection(
        title="Training",
        template_name="qsep/partials/profile_section.html",
        context={
            "enrolled": counts["enrolled"],
            "completed": counts["completed"],
            "employment": employment,
            "survey_types": [name for _type, _at, name in rows if name is not None],
            "review_due": employment is not None and learner_profile_is_due(employment),
        },
    )
