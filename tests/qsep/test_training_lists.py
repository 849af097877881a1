"""My Training and the transcript with many courses: rows built in one pass
(qsep.table_rows), the same number of queries at any length, and the same words
on the page as the template once gave."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qsep import services
from qsep.models import Enrollment, ModuleProgress
from tests.qsep.test_training import completed, learner, make_course

pytestmark = pytest.mark.django_db

__all__ = ["learner"]  # the fixture, shared with test_training


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", row) for row in body.split("<tr>")[1:]]


def test_my_training_says_where_the_learner_is_in_each_course(client, learner):
    fresh = make_course("not-started", title="Fire <Safety> & Exits")
    services.enrollment_create(learner=learner, course=fresh)
    going = make_course("in-progress", title="Infection Control")
    enrollment = services.enrollment_create(learner=learner, course=going)
    ModuleProgress.objects.create(
        enrollment=enrollment, module=going.modules.get(position=1)
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(
        posttest_passed_at=timezone.now()
    )
    done = completed(learner, "all-done")
    Enrollment.objects.filter(pk=done.enrollment_id).update(
        completed_at=datetime.datetime(2026, 3, 4, 2, 0, tzinfo=datetime.UTC)
    )

    page = client.get(reverse("qsep:my")).content.decode()
    listed = rows(page)
    assert len(listed) == 3
    # Of the unfinished, the newest added comes first (the finished are first on
    # PostgreSQL and last on SQLite, which sort empty dates differently).
    unfinished = [row for row in listed if "Completed" not in row]
    (going_row, fresh_row) = unfinished
    (done_row,) = [row for row in listed if "Completed" in row]
    assert "Infection Control" in going_row and "In progress" in going_row
    assert "1 of 2 modules, post-test passed" in going_row
    assert "Fire &lt;Safety&gt; &amp; Exits" in fresh_row
    assert "<Safety>" not in page
    assert "Not started" in fresh_row and "0 of 2 modules" in fresh_row
    # 02:00 UTC on March 4 is March 3 in the portal's time zone (New York).
    assert "All Done" in done_row and "Completed Mar 3, 2026" in done_row
    menu = reverse("qsep:course-menu", args=["in-progress"])
    assert f'href="{menu}"' in going_row
    assert '<span class="usa-sr-only">Infection Control</span>' in going_row


def test_the_transcript_lists_completions_and_totals_ceus(client, learner):
    first = completed(learner, "first-done")
    second = completed(learner, "second-done")
    Enrollment.objects.filter(pk=first.enrollment_id).update(
        completed_at=datetime.datetime(2026, 1, 15, 17, 0, tzinfo=datetime.UTC)
    )
    page = client.get(reverse("qsep:transcript")).content.decode()
    listed = rows(page)
    assert "Second Done" in listed[0] and second.code in listed[0]
    assert "First Done" in listed[1] and "Jan 15, 2026" in listed[1]
    assert "<td>1.0</td>" in listed[1]
    assert "<td>2.0</td>" in page.split("<tfoot>")[1]


def test_an_empty_transcript_says_so(client, learner):
    page = client.get(reverse("qsep:transcript")).content.decode()
    assert "No completed training yet." in page
    assert "<td>0</td>" in page.split("<tfoot>")[1]


TRANSCRIPT_QUERIES = 3  # the header's unread count is cached after the first page


def test_the_transcript_runs_a_fixed_number_of_queries(
    client, learner, django_assert_num_queries
):
    for n in range(2):
        completed(learner, f"done-{n}")
    client.get(reverse("qsep:transcript"))
    with django_assert_num_queries(TRANSCRIPT_QUERIES):
        client.get(reverse("qsep:transcript"))
    for n in range(25):
        completed(learner, f"more-{n}")
    with django_assert_num_queries(TRANSCRIPT_QUERIES):
        page = client.get(reverse("qsep:transcript")).content.decode()
    assert len(rows(page)) == 27


def test_my_profile_shows_employment_and_survey_types_by_name(client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qsep.models import EmploymentType, LearnerProfile, ProviderType

    # Created after signing in: the review is due, but only signing in sends
    # the person to it first.
    profile, _ = LearnerProfile.objects.get_or_create(user=learner)
    profile.employment_type = EmploymentType.STATE_SURVEYOR
    profile.profile_reviewed_at = timezone.now() - datetime.timedelta(days=800)
    profile.save()
    url = reverse("harp:profile")
    client.get(url)  # the permissions and status banner cached
    with CaptureQueriesContext(connection) as none_chosen:
        html = client.get(url).content.decode()
    assert "<dd>State surveyor</dd>" in html
    assert "<dd>None chosen</dd>" in html
    assert "Review employment and survey types (due)" in html
    assert "Last confirmed" in html
    types = [
        ProviderType.objects.create(name=name)
        for name in ("Hospice", "A & <B>", "Home Health")
    ]
    profile.survey_types.set(types)
    profile.profile_reviewed_at = timezone.now()
    profile.save()
    with CaptureQueriesContext(connection) as three_chosen:
        html = client.get(url).content.decode()
    # The same queries with none or three survey types.
    assert len(three_chosen) == len(none_chosen)
    assert "<dd>A &amp; &lt;B&gt;, Home Health, Hospice</dd>" in html
    assert "Edit employment and survey types" in html
    assert "(due)" not in html
