"""The roles part of My Profile: current roles, pending requests, SO notices."""

from __future__ import annotations

from django.http import HttpRequest

from harp.selectors import ProfileSection


def roles_section(request: HttpRequest) -> ProfileSection | None:
    from iqies_roles import selectors

    user = request.user
    if not user.is_authenticated:
        return None
    return ProfileSection(
        title="Roles",
        template_name="iqies_roles/partials/profile_section.html",
        context=selectors.profile_roles(user=user),
    )
