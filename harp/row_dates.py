"""Dates in rows built in one pass (qsep.table_rows and the like), written as
Django's `date` filter writes them, without its per-call cost (lazy
translations, format parsing): the portal is English-only."""

from __future__ import annotations

import datetime

from django.utils import timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def _local(
    moment: datetime.datetime, zone: datetime.tzinfo | None
) -> datetime.datetime:
    if timezone.is_aware(moment):
        return moment.astimezone(zone or timezone.get_current_timezone())
    return moment


def short_date(
    moment: datetime.date | datetime.datetime | None,
    zone: datetime.tzinfo | None = None,
) -> str:
    """As `{{ moment|date:"M j, Y" }}`: in the current time zone (or `zone`)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = _local(moment, zone)
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def short_date_time(moment: datetime.datetime, zone: datetime.tzinfo | None) -> str:
    """As `{{ moment|date:"M j, Y g:i A" }}`."""
    local = _local(moment, zone)
    hour = local.hour % 12 or 12
    return (
        f"{short_date(local)} {hour}:{local.minute:02d} "
        f"{'PM' if local.hour > 11 else 'AM'}"
    )
