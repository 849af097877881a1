"""The My Dashboard audiences qsep adds: all learners, and a state's learners."""

from __future__ import annotations

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Concat

from harp.models import User
from harp.us_states import US_STATES
from qsep.models import LearnerProfile

LEARNERS = "learners"


def state_audience(state: str) -> str:
    """The audience key of the learners of one state's State Agency."""
    return f"state:{state}"


def learner_audiences(user: User) -> QuerySet:
    """The "learners" audience: anyone with a learner profile (see harp.dashboard)."""
    return (
        LearnerProfile.objects.filter(user=user)
        .annotate(key=Value(LEARNERS, output_field=CharField()))
        .values_list("key", flat=True)
    )


def state_audiences(user: User) -> QuerySet:
    """ "state:XX" for the State Agency a learner belongs to (their location)."""
    return (
        LearnerProfile.objects.filter(user=user, state_agency__isnull=False)
        .exclude(state_agency__state="")
        .annotate(
            key=Concat(
                Value("state:"), F("state_agency__state"), output_field=CharField()
            )
        )
        .values_list("key", flat=True)
    )


def state_audience_choices() -> list[tuple[str, str]]:
    return [(LEARNERS, "All learners")] + [
        (state_audience(code), f"Learners of the {name} State Agency")
        for code, name in US_STATES
    ]
