"""The training part of My Profile."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from harp.selectors import ProfileSection


def training_section(request: HttpRequest) -> ProfileSection | None:
    from qsep.models import Enrollment
    from qsep.selectors.profile_review import (
        learner_employment_get,
        learner_profile_is_due,
    )

    if not request.user.is_authenticated:
        return None
    counts = Enrollment.objects.filter(learner=request.user).aggregate(
        enrolled=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    )
    employment = learner_employment_get(user=request.user)
    return ProfileSection(
        title="Training",
        template_name="qsep/partials/profile_section.html",
        context={
            "enrolled": counts["enrolled"],
            "completed": counts["completed"],
            "employment": employment,
            "review_due": employment is not None and learner_profile_is_due(employment),
        },
    )
