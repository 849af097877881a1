"""The security officials' queue at volume: keyset pages, a capped count.

An organization may have ten thousand requests waiting. The queue reads a page
at a time, oldest first, from each of the official's organizations (through
the index of pending requests on PostgreSQL), and counts at most COUNT_CAP + 1.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iqies_roles import selectors
from iqies_roles.models import RoleAssignment, RoleRequest
from iqies_roles.services import CMS_APPROVERS_GROUP
from tests.harp.factories import sign_in_verified
from tests.iqies_roles.factories import (
    pending,
    proofed_user,
    provider,
    role,
    security_official,
)

pytestmark = pytest.mark.django_db

START = timezone.now() - datetime.timedelta(days=60)


@pytest.fixture
def hospital():
    return provider("210001", name="Chesapeake General Hospital")


@pytest.fixture
def clinic():
    return provider("210002", name="Bayside Clinic")


@pytest.fixture
def official(hospital, clinic):
    user = security_official(hospital, "official01")
    RoleAssignment.objects.create(
        user=user, role=role("provider-security-official"), organization=clinic
    )
    return user


def waiting(n: int, organizations, *, start: int = 0) -> list[RoleRequest]:
    """`n` requests an hour apart, taking turns between the organizations."""
    made = []
    for i in range(start, start + n):
        request = pending(
            proofed_user(f"req{i:04d}"),
            "assessment-submitter",
            organizations[i % len(organizations)],
        )
        request.created_at = START + datetime.timedelta(hours=i)
        request.save(update_fields=["created_at"])
        made.append(request)
    return made


def names(html: str) -> list[str]:
    return re.findall(
        r"<th scope=\"row\" data-label=\"Requester\"><a [^>]*>([^<]*)</a>", html
    )


def test_pages_go_oldest_first_across_the_officials_organizations(
    official, hospital, clinic
):
    made = waiting(30, [hospital, clinic])
    # Same moment as the 25th: the id breaks the tie, so nothing is skipped.
    tie = pending(proofed_user("tie0001"), "provider-assessment-viewer", clinic)
    tie.created_at = made[24].created_at
    tie.save(update_fields=["created_at"])
    pending(official, "assessment-submitter", clinic)  # their own: never listed
    other = provider("210003", name="Elsewhere")
    waiting(3, [other], start=100)  # not theirs

    first = selectors.role_request_page_pending(official=official)
    assert [r.pk for r in first.requests] == [r.pk for r in made[:25]]
    assert first.count == 31
    second = selectors.role_request_page_pending(official=official, after=first.next)
    assert [r.pk for r in second.requests] == [tie.pk] + [r.pk for r in made[25:]]
    assert second.next is None


def test_the_page_links_to_the_next_requests_and_back(official, hospital, clinic):
    made = waiting(27, [hospital, clinic])
    client = Client()
    sign_in_verified(client, official)
    page = client.get(reverse("roles:approvals")).content.decode()
    assert "27 requests waiting, oldest first." in page
    assert len(names(page)) == 25
    cursor = selectors.RequestCursor(created_at=made[24].created_at, pk=made[24].pk)
    assert f"?after={cursor.encode()}" in page
    assert "Oldest requests" not in page

    later = client.get(reverse("roles:approvals"), {"after": cursor.encode()})
    html = later.content.decode()
    assert names(html) == [
        f"{r.requester.last_name}, {r.requester.first_name}" for r in made[25:]
    ]
    assert "Oldest requests" in html and "Newer requests" not in html


@pytest.mark.parametrize("cursor", ["", "junk", "12-x", "-5", "9" * 30 + "-1"])
def test_a_malformed_cursor_shows_the_first_page(official, hospital, cursor):
    waiting(2, [hospital])
    client = Client()
    sign_in_verified(client, official)
    response = client.get(reverse("roles:approvals"), {"after": cursor})
    assert response.status_code == 200
    assert len(names(response.content.decode())) == 2


def test_past_the_last_request_the_page_says_so(official, hospital):
    made = waiting(2, [hospital])
    client = Client()
    sign_in_verified(client, official)
    cursor = selectors.RequestCursor(created_at=made[-1].created_at, pk=made[-1].pk)
    page = client.get(reverse("roles:approvals"), {"after": cursor.encode()})
    assert "No more requests are waiting." in page.content.decode()


def test_the_count_stops_at_the_cap_and_says_so(
    official, hospital, clinic, monkeypatch
):
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    monkeypatch.setattr("harp.helpdesk.COUNT_CAP", 4)
    waiting(7, [hospital, clinic])
    client = Client()
    sign_in_verified(client, official)
    page = client.get(reverse("roles:approvals")).content.decode()
    assert "4+ requests waiting, oldest first. The count stops at 4." in page
    assert len(names(page)) == 7


def test_a_cms_approver_sees_first_officials_and_their_own_organizations(
    official, hospital
):
    approver = security_official(provider("210004"), "approver01")
    approver.groups.add(Group.objects.get(name=CMS_APPROVERS_GROUP))
    orphan = provider("210005", name="No Official Yet")
    first_so = pending(proofed_user("firstso01"), "provider-security-official", orphan)
    pending(proofed_user("notso0001"), "assessment-submitter", orphan)  # not theirs
    theirs = waiting(2, [approver.role_assignments.get().organization])
    page = selectors.role_request_page_pending(official=approver)
    assert {r.pk for r in page.requests} == {first_so.pk} | {r.pk for r in theirs}
    assert page.count == 3


def test_the_queue_reads_the_same_number_of_queries_at_any_length(
    official, hospital, clinic, django_assert_num_queries
):
    waiting(3, [hospital, clinic])
    with django_assert_num_queries(4):
        selectors.role_request_page_pending(official=official)
    waiting(60, [hospital, clinic, provider("210006")], start=10)
    with django_assert_num_queries(4):
        page = selectors.role_request_page_pending(official=official)
    assert len(page.requests) == 25


def test_the_rows_built_in_one_pass_show_what_the_template_showed(official, hospital):
    """The rows are HTML built in the view (iqies_roles/views.py): each links to
    its decision, every value is escaped, the date is the local day."""
    requester = proofed_user("o'neil<1>", first_name="A&B", last_name='<b>"X"</b>')
    request = pending(requester, "assessment-submitter", hospital)
    client = Client()
    sign_in_verified(client, official)
    page = client.get(reverse("roles:approvals")).content.decode()
    created = timezone.localtime(request.created_at)
    assert (
        '<th scope="row" data-label="Requester">'
        f'<a href="{reverse("roles:decision", args=[request.pk])}">'
        "&lt;b&gt;&quot;X&quot;&lt;/b&gt;, A&amp;B</a></th>"
        '<td data-label="User ID">o&#x27;neil&lt;1&gt;</td>'
        f'<td data-label="Category">{request.get_category_display()}</td>'
        '<td data-label="Role">Assessment Submitter</td>'
        '<td data-label="Organization">Chesapeake General Hospital (210001)</td>'
        '<td data-label="Identity">Proofed</td>'
        f'<td data-label="Requested">{created:%b} {created.day}, {created.year}</td>'
    ) in page
    revoke = RoleAssignment.objects.filter(organization=hospital).exclude(user=official)
    for assignment in revoke:
        assert reverse("roles:revoke", args=[assignment.pk]) in page
    mine = RoleAssignment.objects.get(user=official, organization=hospital)
    assert reverse("roles:revoke", args=[mine.pk]) not in page
    assert "official01" in page
