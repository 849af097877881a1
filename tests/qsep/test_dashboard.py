"""My Dashboard pages: the list, ticking read with and without JavaScript, the
header count, coordinators' broadcasts, and the messages events write."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from harp.audit import AuditAction
from harp.models import AuditEvent, DashboardMessage, DashboardMessageRead, User
from harp.services import dashboard_broadcast_create, dashboard_message_send
from iqies_roles import services as role_services
from iqies_roles.models import Organization, Role, RoleAssignment
from qsep import services as training
from qsep.models import Certificate, LearnerProfile
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import (
    pending,
    proofed_user,
    provider,
    security_official,
)

pytestmark = pytest.mark.django_db

COORDINATOR_ROLE = "qsep-state-training-coordinator"
DASHBOARD = "/training/dashboard/"


def agency(state: str) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency", state=state, defaults={"name": f"{state} State Agency"}
    )[0]


def make_learner(username: str, state: str = "MD") -> User:
    user = UserFactory(username=username, kind="learner", two_factor_required=False)
    LearnerProfile.objects.create(user=user, state_agency=agency(state))
    return user


@pytest.fixture
def learner(client) -> User:
    user = make_learner("learner01")
    client.force_login(user)
    return user


def broadcast(audience: str, subject: str) -> DashboardMessage:
    return dashboard_broadcast_create(
        audience=audience,
        subject=subject,
        body="Body of " + subject,
        actor=UserFactory(username=f"sender-{audience.replace(':', '-')}"),
        request=None,
    )


def read_url(message_id: object) -> str:
    return f"{DASHBOARD}{message_id}/read/"


def page(client, **query: str) -> str:
    response = client.get(reverse("qsep:dashboard"), query)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    return re.findall(r"<summary>(?:<strong>)?([^<]+)", html)


# The page


def test_the_dashboard_needs_sign_in(client):
    response = client.get(reverse("qsep:dashboard"))
    assert response.status_code == 302
    assert "/login/" in response.url
    assert client.post(read_url(1), {"read": "1"}).status_code == 302


def test_a_learner_sees_their_messages_and_broadcasts_newest_first(client, learner):
    dashboard_message_send(
        recipient=learner, subject="Older", body="Line one\nLine two", link="/profile/"
    )
    broadcast("learners", "Newer")
    DashboardMessage.objects.filter(subject="Older").update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    broadcast("state:VA", "Not for Maryland")
    dashboard_message_send(
        recipient=UserFactory(username="someone2"), subject="Not yours", body="x"
    )
    html = page(client)
    assert rows(html) == ["Newer", "Older"]
    assert "Line one<br>Line two" in html
    assert 'href="/profile/"' in html
    assert "Mark “Older” read" in html
    assert 'scope="col">Read' in html
    assert "(2 unread)" in html
    assert "js/dashboard.js" in html


def test_a_harp_user_with_two_factor_sees_their_dashboard():
    person = proofed_user("harpuser1")
    dashboard_message_send(recipient=person, subject="For a HARP user", body="x")
    browser = Client()
    sign_in_verified(browser, person)
    assert rows(page(browser)) == ["For a HARP user"]


def test_the_header_shows_the_unread_count_on_other_pages(client, learner):
    dashboard_message_send(recipient=learner, subject="One", body="x")
    html = client.get(reverse("qsep:my")).content.decode()
    assert 'href="/training/dashboard/"' in html
    assert "My Dashboard" in html and "(1 unread)" in html
    anonymous = Client().get(reverse("qsep:catalog")).content.decode()
    assert "My Dashboard" not in anonymous


def test_filters_show_all_unread_and_read(client, learner):
    first = dashboard_message_send(recipient=learner, subject="Read one", body="x")
    dashboard_message_send(recipient=learner, subject="Unread one", body="x")
    DashboardMessageRead.objects.create(user=learner, message=first)
    assert sorted(rows(page(client))) == ["Read one", "Unread one"]
    unread = page(client, show="unread")
    assert rows(unread) == ["Unread one"]
    assert re.search(r'aria-current="page">Show unread<', unread)
    assert rows(page(client, show="read")) == ["Read one"]
    assert rows(page(client, show="nonsense")) == rows(page(client))
    DashboardMessageRead.objects.all().delete()
    assert "You have no read messages." in page(client, show="read")


# Ticking and unticking


def test_ticking_without_javascript_posts_the_form_and_keeps_the_filter(
    client, learner
):
    message = dashboard_message_send(recipient=learner, subject="Tick me", body="x")
    response = client.post(read_url(message.pk), {"read": "1", "show": "unread"})
    assert response.status_code == 302
    assert response.url == f"{DASHBOARD}?show=unread"
    assert DashboardMessageRead.objects.filter(user=learner, message=message).exists()
    assert "Message marked read." in client.get(response.url).content.decode()
    # Unticked: the browser sends no "read" at all.
    response = client.post(read_url(message.pk), {"show": "read"})
    assert response.url == f"{DASHBOARD}?show=read"
    assert not DashboardMessageRead.objects.exists()


def test_the_scripts_post_gets_json_with_the_new_count(client, learner):
    message = dashboard_message_send(recipient=learner, subject="Fetch me", body="x")
    dashboard_message_send(recipient=learner, subject="Another", body="x")
    response = client.post(
        read_url(message.pk), {"read": "1"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"read": True, "unread": 1, "unread_label": "1 unread"}
    response = client.post(
        read_url(message.pk), {}, headers={"accept": "application/json"}
    )
    assert response.json()["unread"] == 2


def test_a_forged_cursor_or_filter_in_the_form_is_dropped(client, learner):
    message = dashboard_message_send(recipient=learner, subject="x", body="y")
    response = client.post(
        read_url(message.pk),
        {"read": "1", "show": "<script>", "before": "https://evil.example/"},
    )
    assert response.url == DASHBOARD


@pytest.mark.parametrize(
    "forged", ["others", "other_state", "abc", "0", "-5", "9" * 25, "1e3"]
)
def test_a_forged_message_id_is_a_404_and_changes_nothing(client, learner, forged):
    theirs = dashboard_message_send(
        recipient=make_learner("other001"), subject="Theirs", body="x"
    )
    virginia = broadcast("state:VA", "Virginia only")
    message_id = {"others": theirs.pk, "other_state": virginia.pk}.get(forged, forged)
    for data in ({"read": "1"}, {}):
        assert client.post(read_url(message_id), data).status_code == 404
        response = client.post(
            read_url(message_id), data, headers={"accept": "application/json"}
        )
        assert response.status_code == 404
    assert not DashboardMessageRead.objects.exists()


def test_marking_is_post_only(client, learner):
    message = dashboard_message_send(recipient=learner, subject="x", body="y")
    assert client.get(read_url(message.pk)).status_code == 405
    assert not DashboardMessageRead.objects.exists()


# Pages and query counts


def fill(person: User, count: int) -> None:
    """`count` personal messages and `count` broadcasts, a minute apart."""
    now = timezone.now()
    sent = [
        dashboard_message_send(recipient=person, subject=f"Personal {n}", body="x")
        for n in range(count)
    ] + [broadcast("learners", f"Broadcast {n}") for n in range(count)]
    for n, message in enumerate(sent):
        DashboardMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(minutes=n)
        )


def test_pages_go_older_and_back(client, learner):
    fill(learner, 15)
    first = page(client)
    assert len(rows(first)) == 25
    assert "Newer messages" not in first
    older = re.search(r'href="([^"]+)">Older messages', first).group(1)
    second = client.get(older.replace("&amp;", "&")).content.decode()
    assert rows(second) == [f"Broadcast {n}" for n in range(10, 15)]
    assert "Older messages" not in second
    assert "Newest messages" in second or "Newer messages" in second
    message = DashboardMessage.objects.get(subject="Broadcast 12")
    before = re.search(r'name="before" value="([^"]+)"', second).group(1)
    response = client.post(read_url(message.pk), {"read": "1", "before": before})
    assert response.url == f"{DASHBOARD}?before={before}"


def test_a_malformed_page_cursor_shows_the_newest_page(client, learner):
    fill(learner, 2)
    assert rows(page(client, before="garbage")) == rows(page(client))
    assert rows(page(client, after="1-" + "9" * 40)) == rows(page(client))


@pytest.mark.parametrize("size", [5, 60])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, learner, size, django_assert_max_num_queries
):
    fill(learner, size)
    # A role too, so every audience provider has something to find.
    RoleAssignment.objects.create(
        user=learner,
        role=Role.objects.get(code=COORDINATOR_ROLE),
        organization=agency("VA"),
    )
    # Session, user, the page, the status banner, the header's count, and the
    # two permission reads of the header's links.
    with django_assert_max_num_queries(7):
        html = page(client)
    assert len(rows(html)) == min(25, 2 * size)
    with django_assert_max_num_queries(7):
        page(client, show="unread")


# Broadcasts by coordinators


def coordinator(state: str | None, username: str = "coord001") -> tuple[Client, User]:
    user = UserFactory(username=username)
    group, _ = Group.objects.get_or_create(name="Training coordinators")
    group.permissions.add(Permission.objects.get(codename="review_certification"))
    user.groups.add(group)
    if state:
        RoleAssignment.objects.create(
            user=user,
            role=Role.objects.get(code=COORDINATOR_ROLE),
            organization=agency(state),
        )
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def test_a_coordinator_broadcasts_to_their_own_states_learners():
    desk, boss = coordinator("MD")
    md, va = make_learner("mdlearn1"), make_learner("valearn1", state="VA")
    form = desk.get(reverse("qsep:dashboard-broadcast")).content.decode()
    assert "Maryland State Agency" in form and "Virginia State Agency" not in form
    response = desk.post(
        reverse("qsep:dashboard-broadcast"),
        {"state": "MD", "subject": "Training day", "body": "Come along."},
    )
    assert response.status_code == 302
    message = DashboardMessage.objects.get()
    assert (message.audience, message.created_by) == ("state:MD", boss)
    assert AuditEvent.objects.filter(
        action=AuditAction.MESSAGE_BROADCAST, actor=boss
    ).exists()
    reader = Client()
    reader.force_login(md)
    assert rows(page(reader)) == ["Training day"]
    reader.force_login(va)
    assert rows(page(reader)) == []


def test_the_same_broadcast_form_sent_twice_is_one_broadcast():
    desk, boss = coordinator("MD")
    form = desk.get(reverse("qsep:dashboard-broadcast")).content.decode()
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', form).group(1)
    sent = {"state": "MD", "subject": "Once", "body": "Only once.", "submission": key}
    for _ in range(2):
        response = desk.post(reverse("qsep:dashboard-broadcast"), sent)
        assert response.status_code == 302
    assert DashboardMessage.objects.filter(created_by=boss).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MESSAGE_BROADCAST).count() == 1
    # A new form is a new broadcast.
    fresh = desk.get(reverse("qsep:dashboard-broadcast")).content.decode()
    assert key not in fresh
    desk.post(reverse("qsep:dashboard-broadcast"), {**sent, "submission": "b" * 32})
    assert DashboardMessage.objects.filter(created_by=boss).count() == 2


def test_a_coordinator_cannot_broadcast_to_another_state():
    desk, _ = coordinator("MD")
    response = desk.post(
        reverse("qsep:dashboard-broadcast"),
        {"state": "VA", "subject": "Forged", "body": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Select a valid choice" in html
    assert not DashboardMessage.objects.exists()


def test_the_service_refuses_another_state_whatever_the_form():
    from django.core.exceptions import ValidationError

    from qsep.services.dashboard import coordinator_broadcast_create

    _, user = coordinator("MD")
    with pytest.raises(ValidationError):
        coordinator_broadcast_create(
            coordinator=user, state="VA", subject="S", body="B", request=None
        )
    assert not DashboardMessage.objects.exists()


def test_a_bad_link_is_a_form_error(client):
    desk, _ = coordinator("MD")
    response = desk.post(
        reverse("qsep:dashboard-broadcast"),
        {"state": "MD", "subject": "S", "body": "B", "link": "https://evil.example"},
    )
    assert response.status_code == 200
    assert "starting with /" in response.content.decode()
    assert not DashboardMessage.objects.exists()


def test_only_coordinators_and_superusers_broadcast(client, learner):
    assert client.get(reverse("qsep:dashboard-broadcast")).status_code == 403
    nobody, _ = coordinator(None, "coord002")
    assert nobody.get(reverse("qsep:dashboard-broadcast")).status_code == 403
    response = nobody.post(
        reverse("qsep:dashboard-broadcast"),
        {"state": "MD", "subject": "S", "body": "B"},
    )
    assert response.status_code == 403
    boss = Client()
    sign_in_verified(boss, UserFactory(username="root0001", is_superuser=True))
    response = boss.post(
        reverse("qsep:dashboard-broadcast"),
        {"state": "VA", "subject": "S", "body": "B"},
    )
    assert response.status_code == 302
    assert DashboardMessage.objects.get().audience == "state:VA"


# Messages the portal writes when something happens


def subjects_of(user: User) -> list[str]:
    return list(
        DashboardMessage.objects.filter(recipient=user).values_list(
            "subject", flat=True
        )
    )


@pytest.mark.parametrize("approve", [True, False])
def test_a_role_decision_is_on_the_requesters_dashboard(approve):
    hospital = provider(name="Dashboard Hospital")
    official = security_official(hospital, "official01")
    requester = proofed_user("requester1")
    role_request = pending(requester, "assessment-submitter", hospital)
    role_services.role_request_decide(
        role_request=role_request,
        approver=official,
        approve=approve,
        reason="" if approve else "Not on our staff.",
        request=RequestFactory().post("/"),
    )
    [message] = DashboardMessage.objects.filter(recipient=requester)
    name = role_request.role.name
    assert message.subject == (
        f"Your role request for {name} at Dashboard Hospital ({hospital.ccn}) was "
        + ("approved" if approve else "not approved")
    )
    if not approve:
        assert "Not on our staff." in message.body


def test_a_refused_role_decision_writes_no_message():
    hospital = provider(name="Dashboard Hospital 2")
    official = security_official(hospital, "official02")
    requester = proofed_user("requester2")
    role_request = pending(requester, "assessment-submitter", hospital)
    with pytest.raises(role_services.RoleRuleError):
        role_services.role_request_decide(
            role_request=role_request,
            approver=official,
            approve=False,
            reason=" ",
            request=RequestFactory().post("/"),
        )
    assert not DashboardMessage.objects.exists()


def test_remote_proofing_and_manual_decisions_are_on_the_dashboard(client):
    from tests.proofing.helpers import identity_user, pass_remote_proofing

    person = identity_user("proofme99")
    sign_in_verified(client, person)
    pass_remote_proofing(client)
    assert subjects_of(person) == ["Your identity is proofed"]


@pytest.mark.parametrize(
    ("decision", "subject"),
    [
        ("approve", "Your identity is proofed"),
        ("reject", "Your manual identity proofing was not approved"),
        (
            "more_info",
            "The help desk needs more information for your identity proofing",
        ),
    ],
)
def test_each_manual_proofing_decision_is_on_the_dashboard(
    client, settings, tmp_path, decision, subject
):
    from tests.proofing.helpers import identity_user
    from tests.proofing.test_manual import agent, complete_case

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    person = identity_user("manual099", state="MD")
    sign_in_verified(client, person)
    case = complete_case(client)
    desk, _ = agent("agent0099")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": decision, "note": "Send a clearer copy."},
    )
    assert subjects_of(person) == [subject]


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("accept", [True, False])
def test_a_certification_review_is_on_the_learners_dashboard(accept):
    learner = make_learner("certlearn")
    # Certifications are reviewed by the coordinators of the facility's state.
    LearnerProfile.objects.filter(user=learner).update(
        facility=provider(name="Certification Home", state="MD")
    )
    request = RequestFactory().post("/")
    request.user = learner
    record = training.certification_upload(
        learner=learner,
        certification="Fire Inspector certification",
        upload=SimpleUploadedFile("cert.pdf", PDF),
        request=request,
    )
    _, reviewer = coordinator("MD", "reviewer1")
    training.certification_review(
        record=record, reviewer=reviewer, accept=accept, request=request
    )
    assert subjects_of(learner) == [
        "Your Fire Inspector certification was "
        + ("accepted" if accept else "not accepted")
    ]


def test_completing_a_course_puts_the_certificate_on_the_dashboard(client):
    from tests.qsep.test_training import (
        evaluate,
        finish_modules,
        make_course,
        take_test,
    )

    person = make_learner("finisher1")
    client.force_login(person)
    course = make_course(title="Fire Safety", ceus=2)
    training.enrollment_create(learner=person, course=course)
    take_test(client, course, "pre")
    finish_modules(client, course)
    take_test(client, course, "post")
    evaluate(client, course)
    certificate = Certificate.objects.get()
    [message] = DashboardMessage.objects.filter(recipient=person)
    assert message.subject == "You completed Fire Safety"
    assert "2.0 CEUs" in message.body
    assert message.link == reverse("qsep:certificate", args=[certificate.code])
    assert f'href="{message.link}"' in page(client)
