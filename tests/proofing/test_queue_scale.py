"""The help desk's manual-proofing queue at size: keyset pages, a capped count,
the same queries however many cases wait, and an index for its filter and order."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from harp.helpdesk import COUNT_CAP
from harp.models import User
from proofing import selectors
from proofing.models import ManualProofingCase, ProofingDocument
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db
Status = ManualProofingCase.Status
START = timezone.now() - datetime.timedelta(days=30)


def add_cases(count: int, *, first: int = 0, state: str = "MD", documents: int = 3):
    """`count` submitted cases, one a minute from START, in bulk (as many as a
    real queue holds would take minutes through the pages)."""
    users = User.objects.bulk_create(
        User(
            username=f"queued{first + n:06d}",
            email=f"queued{first + n:06d}@example.org",
            first_name="Pat",
            last_name=f"Queued{first + n:06d}",
            state=state,
        )
        for n in range(count)
    )
    cases = ManualProofingCase.objects.bulk_create(
        ManualProofingCase(
            user=user,
            status=Status.SUBMITTED,
            submitted_at=START + datetime.timedelta(minutes=first + n),
        )
        for n, user in enumerate(users)
    )
    ProofingDocument.objects.bulk_create(
        ProofingDocument(
            case=case,
            kind=ProofingDocument.Kind.FINANCIAL,
            file=f"proofing/{case.pk}-{d}.pdf",
            original_name="bank.pdf",
            content_type="application/pdf",
            size=100,
        )
        for case in cases
        for d in range(documents)
    )
    return cases


@pytest.fixture
def desk():
    user = UserFactory(username="queueagent", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="work_proofing_queue"))
    browser = Client()
    sign_in_verified(browser, user)
    return browser


def names(html: str) -> list[str]:
    return re.findall(r"Queued(\d{6})", html)


def link(html: str, label: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)">{label}</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def queue_statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "proofing_manualproofingcase" in q["sql"]
    ]


def test_the_queue_runs_the_same_queries_with_3_or_120_cases(
    desk, django_assert_num_queries
):
    """The page and its capped count are the queue's two statements; the rest is
    the signed-in request's own (session, user, second factor), the same on any
    page. The totals are compared rather than fixed here, as those shared ones
    change with the portal's caching."""
    add_cases(3)
    desk.get(reverse("helpdesk:queue"))  # the header's unread count is cached
    with CaptureQueriesContext(connection) as small:
        first = desk.get(reverse("helpdesk:queue"))
    assert len(names(first.content.decode())) == 3
    assert len(queue_statements(small)) == 2
    add_cases(117, first=3)
    with django_assert_num_queries(len(small)):
        page = desk.get(reverse("helpdesk:queue")).content.decode()
    assert len(names(page)) == selectors.QUEUE_PAGE_SIZE
    with django_assert_num_queries(len(small)):
        desk.get(reverse("helpdesk:queue") + link(page, "Next"))
    with django_assert_num_queries(len(small)):
        desk.get(
            reverse("helpdesk:queue") + link(page, "Next").replace("after", "before")
        )
    with django_assert_num_queries(len(small)):
        desk.get(reverse("helpdesk:queue"), {"state": "MD"})


def test_next_and_previous_walk_the_queue_oldest_first(desk):
    add_cases(120)
    url = reverse("helpdesk:queue")
    first = desk.get(url).content.decode()
    assert link(first, "Previous") is None
    assert names(first) == [f"{n:06d}" for n in range(50)]
    second = desk.get(url + link(first, "Next")).content.decode()
    assert names(second) == [f"{n:06d}" for n in range(50, 100)]
    third = desk.get(url + link(second, "Next")).content.decode()
    assert names(third) == [f"{n:06d}" for n in range(100, 120)]
    assert link(third, "Next") is None
    back = desk.get(url + link(third, "Previous")).content.decode()
    assert names(back) == names(second)
    start = desk.get(url + link(back, "Previous")).content.decode()
    assert names(start) == names(first)
    assert link(start, "Previous") is None


def test_cases_submitted_in_the_same_instant_are_each_shown_once(desk):
    cases = add_cases(75)
    ManualProofingCase.objects.filter(pk__in=[c.pk for c in cases]).update(
        submitted_at=START
    )
    url = reverse("helpdesk:queue")
    first = desk.get(url).content.decode()
    second = desk.get(url + link(first, "Next")).content.decode()
    assert sorted(names(first) + names(second)) == [f"{n:06d}" for n in range(75)]


def test_the_state_filter_pages_within_the_state(desk):
    add_cases(60, state="VA")
    add_cases(60, first=60, state="MD")
    url = reverse("helpdesk:queue")
    first = desk.get(url, {"state": "VA"}).content.decode()
    assert names(first) == [f"{n:06d}" for n in range(50)]
    assert link(first, "Next").startswith("?state=VA&after=")
    second = desk.get(url + link(first, "Next")).content.decode()
    assert names(second) == [f"{n:06d}" for n in range(50, 60)]
    assert 'value="VA" selected' in second


def test_the_count_is_capped_and_says_so(desk):
    add_cases(4)
    page = desk.get(reverse("helpdesk:queue")).content.decode()
    assert "4 cases waiting for or in review." in page
    add_cases(COUNT_CAP - 3, first=4)
    page = desk.get(reverse("helpdesk:queue")).content.decode()
    assert f"{COUNT_CAP:,}+ cases waiting for or in review." in page


def test_the_queue_shows_documents_claims_and_hides_closed_cases(desk):
    waiting, claimed, closed = add_cases(3)
    agent = UserFactory(username="claimagent")
    ManualProofingCase.objects.filter(pk=claimed.pk).update(
        status=Status.IN_REVIEW, claimed_by=agent
    )
    ManualProofingCase.objects.filter(pk=closed.pk).update(status=Status.APPROVED)
    ProofingDocument.objects.filter(case=waiting).first().delete()
    page = desk.get(reverse("helpdesk:queue")).content.decode()
    assert names(page) == ["000000", "000001"]
    assert '<td data-label="Documents">2</td>' in page
    assert "Being reviewed: claimagent" in page
    assert f'href="/helpdesk/proofing/{waiting.public_id}/"' in page


def test_a_stale_or_forged_cursor_shows_the_oldest_cases(desk):
    add_cases(60)
    url = reverse("helpdesk:queue")
    for query in ("?after=nonsense", "?before=1.2.3", "?after=999999999999999999.1"):
        page = desk.get(url + query).content.decode()
        assert names(page)[0] == "000000", query


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans only")
def test_the_queue_reads_through_its_index():
    """With sequential scans and sorts priced out, both of the queue's statements
    still find a plan without them: an index serves the queue's filter and order,
    so a page reads its 51 rows and the count at most COUNT_CAP + 1 entries."""
    add_cases(120)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.manual_case_queue_page()
        selectors.manual_case_queue_page(after=page.next_cursor)
    with connection.cursor() as cursor:
        for table in ("harp_user", "proofing_manualproofingcase"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        plans = []
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert len(plans) == 4
    for plan in plans:
        assert "Seq Scan" not in plan, plan
        assert "Sort" not in plan, plan
    assert "proofing_case_queue_idx" in plans[0]
    assert "proofing_case_queue_idx" in plans[2], plans[2]


# The rows as the template wrote them before they were built in Python
# (proofing.views.helpdesk._queue_rows_html): the page's HTML must not change.
ROW_TEMPLATE = (
    "{% for case in cases %}<tr>"
    '<th scope="row" data-label="Person"><a href="{{ case_prefix }}'
    '{{ case.public_id }}/">{{ case.last_name }}, {{ case.first_name }}</a>'
    " ({{ case.username }})</th>"
    '<td data-label="State">{{ case.state|default:"—" }}</td>'
    '<td data-label="Waiting since"><time datetime="{{ case.submitted_at|date:'
    '\'c\' }}">{{ case.submitted_at|date:"M j, Y g:i A" }}</time>'
    " ({{ case.submitted_at|timesince:now }})</td>"
    '<td data-label="Documents">{{ case.document_count }}</td>'
    '<td data-label="Status">{{ case.status_label }}{% if case.claimed_by %}: '
    "{{ case.claimed_by }}{% endif %}</td>"
    "</tr>{% endfor %}"
)


def test_the_rows_are_the_html_the_template_gave():
    import uuid

    from django.template import Context, Template

    from proofing.views.helpdesk import _queue_rows_html

    now = timezone.now()
    when = [
        now - datetime.timedelta(minutes=3),
        now - datetime.timedelta(hours=13, minutes=1),
        now - datetime.timedelta(days=1),
        now - datetime.timedelta(days=45, hours=2),
        now - datetime.timedelta(days=800),
        # Midnight and noon, and either side of a change to or from summer time.
        datetime.datetime(2026, 3, 8, 6, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 8, 7, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 1, 6, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 31, 4, 59, 59, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 31, 17, 0, tzinfo=datetime.UTC),
        now + datetime.timedelta(minutes=5),
    ]
    cases = [
        selectors.QueueCase(
            pk=n,
            public_id=uuid.uuid4(),
            status=(Status.SUBMITTED, Status.IN_REVIEW)[n % 2],
            submitted_at=at,
            username=f"o'neil<{n}>",
            first_name='Ann "&" Bo',
            last_name="<script>alert(1)</script>",
            state=("", "MD")[n % 2],
            claimed_by=("", "agent&co")[n % 2],
            document_count=n,
        )
        for n, at in enumerate(when)
    ]
    prefix = "/helpdesk/proofing/"
    expected = Template(ROW_TEMPLATE).render(
        Context({"cases": cases, "case_prefix": prefix, "now": now})
    )
    built = _queue_rows_html(cases, prefix, now)
    assert built.replace("\n", "") == expected.replace("\n", "")
