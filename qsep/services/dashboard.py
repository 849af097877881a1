"""My Dashboard broadcasts by State Training Coordinators to their states' learners."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from harp.models import DashboardMessage, User
from harp.services import dashboard_broadcast_create
from qsep.audiences import state_audience
from qsep.selectors import coordinator_states


@transaction.atomic
def coordinator_broadcast_create(
    *,
    coordinator: User,
    state: str,
    subject: str,
    body: str,
    link: str = "",
    request: HttpRequest | None,
    submission_key: str = "",
) -> DashboardMessage:
    """Broadcast to the learners of one state the coordinator coordinates.

    Their own State Agency's state or a proxy state in force; a superuser any
    state. Another state is refused on the `state` field and nothing is written.
    """
    states = coordinator_states(coordinator=coordinator)
    if states is not None and state not in states:
        raise ValidationError({"state": "You may broadcast only to your own states."})
    return dashboard_broadcast_create(
        audience=state_audience(state),
        subject=subject,
        body=body,
        link=link,
        actor=coordinator,
        request=request,
        submission_key=submission_key,
    )
