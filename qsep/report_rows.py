"""The rows of Find by Learner and Training status, as HTML built in one pass.

As in `qsep.table_rows`: rendered by the template engine, each of a page's 50
rows cost a loop iteration, a dozen variable look-ups, `{% if %}`s, a date filter
(and on Training status a `{% url %}`), about 5 ms a page; built here from plain
values they cost a few microseconds each. Every value is escaped (`html.escape`,
quotes too, as the template's autoescape does); the templates keep the table
around them, and the HTML of a row is the template's, without its indentation.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from harp.row_dates import short_date
from qsep.models import LearnerProfile
from qsep.selectors.reports import LearnerRow


def detail_prefix() -> str:
    """/training/reports/learners/: a learner's record is the prefix, their id, /."""
    return reverse("qsep:reports-learner", args=[0])[:-2]


def learner_rows(rows: Iterable[LearnerRow], prefix: str) -> SafeString:
    """Find by Learner's rows, from `selectors.reports.learner_find`."""
    zone = timezone.get_current_timezone()
    html = []
    for row in rows:
        if row.agency_name:
            location = f"{escape(row.agency_name)} ({escape(row.agency_state or '')})"
        else:
            location = "No State Agency"
        if row.facility_name:
            facility = escape(row.facility_name)
            if row.facility_ccn:
                facility += f" (CCN {escape(row.facility_ccn)})"
        else:
            facility = "None on file"
        last_activity = short_date(row.last_activity_at, zone)
        html.append(
            "<tr>"
            f'<th scope="row" data-label="Name"><a href="{escape(prefix)}'
            f'{int(row.user_id)}/">{escape(row.name)}</a></th>'
            f'<td data-label="User ID">{escape(row.username)}</td>'
            f'<td data-label="Location">{location}</td>'
            f'<td data-label="Facility">{facility}</td>'
            f'<td data-label="Courses completed">{int(row.courses_completed)}</td>'
            f'<td data-label="Last activity">{last_activity}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


def status_rows(
    rows: Iterable[LearnerProfile], plan_size: int, prefix: str
) -> SafeString:
    """Training status's rows, from `selectors.training_status.training_status_page`
    (profiles with their user and facility, `plan_done` and `plan_status`)."""
    html = []
    for row in rows:
        user = row.user
        name = f"{escape(user.last_name)}, {escape(user.first_name)}"
        if user.middle_name:
            name += f" {escape(user.middle_name)}"
        facility = row.facility
        if facility:
            where = escape(facility.name)
            if facility.ccn:
                where += f" (CCN {escape(facility.ccn)})"
        else:
            where = "None on file"
        html.append(
            "<tr>"
            f'<th scope="row" data-label="Name"><a href="{escape(prefix)}'
            f'{int(row.user_id)}/">{name}</a></th>'
            f'<td data-label="User ID">{escape(user.get_username())}</td>'
            f'<td data-label="Facility">{where}</td>'
            f'<td data-label="Plan courses completed">{int(row.plan_done)} of '  # type: ignore[attr-defined]
            f"{int(plan_size)}</td>"
            f'<td data-label="Status">{escape(row.plan_status)}</td>'  # type: ignore[attr-defined]
            "</tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)
