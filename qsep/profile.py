"""The training part of My Profile."""

from __future__ import annotations

from django.http import HttpRequest

from harp.selectors import ProfileSection


def training_section(request: HttpRequest) -> ProfileSection | None:
    from qsep.models import Enrollment

    if not request.user.is_authenticated:
        return None
    enrollments = Enrollment.objects.filter(learner=request.user)
    return ProfileSection(
        title="Training",
        template_name="qsep/partials/profile_section.html",
        context={
            "enrolled": enrollments.count(),
            "completed": enrollments.filter(completed_at__isnull=False).count(),
        },
    )
