"""Whether the header links to the help-desk console for the signed-in person."""

from __future__ import annotations

from typing import Any

from django import template

from harp.helpdesk import helpdesk_may_open

register = template.Library()


@register.filter
def may_open_helpdesk(user: Any) -> bool:
    return helpdesk_may_open(user=user)
