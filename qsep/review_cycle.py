"""The annual profile review's calendar: when each year's review cycle starts.

`PROFILE_REVIEW_DATE` ("MM-DD", checked when the settings load) is the day each
year's cycle starts. A surveyor is *due* once a cycle has started and they have not
confirmed their employment and provider/survey types since.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def profile_review_month_day() -> tuple[int, int]:
    """The (month, day) of `PROFILE_REVIEW_DATE`; a bad value is refused.

    config/settings.py refuses a bad value at start-up; this check is for values
    set afterwards (tests, `override_settings`).
    """
    value = str(settings.PROFILE_REVIEW_DATE)
    try:
        if not re.fullmatch(r"\d\d-\d\d", value):
            raise ValueError(value)
        month, day = (int(part) for part in value.split("-"))
        datetime.date(2001, month, day)  # not a leap year: February 29 is refused
    except ValueError as error:
        raise ImproperlyConfigured(
            "PROFILE_REVIEW_DATE must be a month and day that come every year, "
            f'written MM-DD (for example "01-15"), not "{value}".'
        ) from error
    return month, day


def profile_review_cycle_start(today: datetime.date) -> datetime.date:
    """The latest review date on or before `today`: this year's or last year's."""
    month, day = profile_review_month_day()
    start = datetime.date(today.year, month, day)
    return start if start <= today else start.replace(year=today.year - 1)


def profile_review_cycle_started_at(today: datetime.date) -> datetime.datetime:
    """The first moment of the current cycle, in the portal's time zone.

    A confirmation at or after it counts for this cycle.
    """
    start = profile_review_cycle_start(today)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
