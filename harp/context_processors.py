from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from harp.messages import dashboard_unread_count_cached, unread_label
from harp.selectors import status_banner_cached


@dataclass(frozen=True)
class UnreadBadge:
    """The header's My Dashboard count: `label` is "3 unread" or "99+ unread"."""

    count: int
    label: str


def portal(request: HttpRequest) -> dict[str, Any]:
    """The portal's name, help-desk contacts and the status banner's components."""
    return {
        "portal_name": settings.PORTAL_NAME,
        "help_desk_email": settings.HELP_DESK_EMAIL,
        "help_desk_phone": settings.HELP_DESK_PHONE,
        # Lazy, so a page that shows no banner (the admin) does not read it.
        "status_disruptions": SimpleLazyObject(status_banner_cached),
        # Lazy too: one capped query, only on pages whose header shows it.
        "dashboard_unread": SimpleLazyObject(lambda: _unread_badge(request)),
    }


def _unread_badge(request: HttpRequest) -> UnreadBadge:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return UnreadBadge(count=0, label="")
    count = dashboard_unread_count_cached(user=user)
    return UnreadBadge(count=count, label=unread_label(count))
