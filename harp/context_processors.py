from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from harp.selectors import system_component_list_disrupted


def portal(request: HttpRequest) -> dict[str, Any]:
    """The portal's name, help-desk contacts and the status banner's components."""
    return {
        "portal_name": settings.PORTAL_NAME,
        "help_desk_email": settings.HELP_DESK_EMAIL,
        "help_desk_phone": settings.HELP_DESK_PHONE,
        # Lazy, so a page that shows no banner (the admin) runs no query for it.
        "status_disruptions": SimpleLazyObject(system_component_list_disrupted),
    }
