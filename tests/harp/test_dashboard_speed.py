"""My Dashboard's page statement is composed once per shape and reused: the rows
it reads are the same as the composed query's, for every filter and direction,
and another person's messages never leak through the reused statement."""

from __future__ import annotations

import pytest

from harp import messages
from harp.messages import dashboard_message_page
from harp.models import DashboardMessageRead
from harp.services import dashboard_message_send
from tests.harp.test_dashboard_messages import broadcast, learner, many, role_holder

pytestmark = pytest.mark.django_db


def _composed(person, show, before=None, after=None, size=25):
    rows = list(
        messages._page_query(
            user=person, show=show, before=before, after=after, size=size
        )
    )
    return [(m.pk, m.subject, m.created_at, bool(m.is_read)) for m in rows][:size]


def _shown(page):
    return [(m.pk, m.subject, m.created_at, bool(m.is_read)) for m in page.messages]


@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize("show", ["all", "unread", "read"])
def test_the_reused_statement_reads_what_the_composed_query_reads(count, show):
    person = learner(f"speed{count}{show}")
    many(person, count)
    for message in dashboard_message_page(user=person).messages[::3]:
        DashboardMessageRead.objects.create(user=person, message=message)
    page = dashboard_message_page(user=person, show=show, size=25)
    assert _shown(page) == _composed(person, show)
    if page.older is not None:
        older = dashboard_message_page(user=person, show=show, before=page.older)
        assert _shown(older) == _composed(person, show, before=page.older)
        back = dashboard_message_page(user=person, show=show, after=older.newer)
        assert _shown(back) == _shown(page)
    # Every shape asked for was compiled once, not composed per request.
    assert messages._statements
    assert all(statement is not None for statement in messages._statements.values())


def test_the_reused_statement_is_filled_in_for_each_person():
    first, second = learner("speedone"), learner("speedtwo", state="VA")
    holder = role_holder("speedrol")
    dashboard_message_send(recipient=first, subject="for first", body="x")
    dashboard_message_send(recipient=second, subject="for second", body="x")
    broadcast("state:MD", "Maryland news")
    broadcast("state:VA", "Virginia news")
    for person in (first, second, holder):
        assert _shown(dashboard_message_page(user=person)) == _composed(person, "all")
    subjects = {m.subject for m in dashboard_message_page(user=first).messages}
    assert "for second" not in subjects and "Virginia news" not in subjects
    assert {"for first", "Maryland news"} <= subjects
