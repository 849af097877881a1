"""The identity-proofing part of My Profile."""

from __future__ import annotations

from django.http import HttpRequest

from harp.selectors import ProfileSection
from proofing import selectors


def proofing_section(request: HttpRequest) -> ProfileSection | None:
    user = request.user
    if not user.is_authenticated or user.is_identity_proofed:
        return None
    return ProfileSection(
        title="Prove your identity",
        template_name="proofing/partials/profile_section.html",
        context={"case": selectors.manual_case_latest(user=user)},
    )
