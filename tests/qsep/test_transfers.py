"""Help-desk transfers of a learner from one State Agency to another."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from harp.groups import HELP_DESK
from harp.models import AuditEvent, DashboardMessage, OutboxMessage, User
from iqies_roles.models import Organization, RoleAssignment
from qsep.models import Course, Enrollment, LearnerProfile, LearnerTransfer
from qsep.selectors import coordinator_states
from qsep.services import enrollment_create
from qsep.services.learners import learner_profile_ensure
from qsep.services.transfers import (
    LEARNER_TRANSFERRED,
    TransferError,
    learner_transfer,
)
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import role

pytestmark = pytest.mark.django_db

COORDINATOR_ROLE = "qsep-state-training-coordinator"
REASON = "Moved from Maryland to Virginia; ticket 5150"


def agency(state: str, **fields: object) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency",
        state=state,
        defaults={"name": f"{state} State Agency", **fields},
    )[0]


def coordinator(username: str, state: str) -> User:
    user = UserFactory(username=username)
    RoleAssignment.objects.create(
        user=user, role=role(COORDINATOR_ROLE), organization=agency(state)
    )
    return user


def learner(username: str = "learner01", state: str = "MD") -> User:
    """A learner whose facility is in `state`: that State Agency is their location."""
    user = UserFactory(username=username, kind="learner", two_factor_required=False)
    place = Organization.objects.create(
        kind="provider",
        ccn={"MD": "21", "VA": "49"}[state] + f"{User.objects.count():04d}",
        name=f"{state} Nursing Home",
        state=state,
    )
    agency(state)
    learner_profile_ensure(user=user, facility=place)
    return user


def agent(username: str = "agent0001") -> tuple[Client, User]:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=HELP_DESK))
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def in_scope(user: User) -> set[str]:
    """The user IDs a coordinator's reports show: learners of their states."""
    states = coordinator_states(coordinator=user) or set()
    return set(
        LearnerProfile.objects.filter(state_agency__state__in=states).values_list(
            "user__username", flat=True
        )
    )


@pytest.fixture
def world():
    md, va = agency("MD"), agency("VA")
    return {
        "md": md,
        "va": va,
        "md_coordinator": coordinator("mdcoord01", "MD"),
        "va_coordinator": coordinator("vacoord01", "VA"),
        "learner": learner(),
    }


def transfer(browser: Client, person: User, to: Organization, reason: str = REASON):
    return browser.post(
        reverse("helpdesk:transfer", args=[person.pk]),
        {"to_agency": to.pk, "reason": reason},
        follow=True,
    )


def test_a_transfer_moves_the_learner_and_the_coordinators_scope_at_once(world):
    person = world["learner"]
    course = Course.objects.create(slug="basics", title="Basics", description="x")
    enrollment = enrollment_create(learner=person, course=course)
    assert "learner01" in in_scope(world["md_coordinator"])
    assert "learner01" not in in_scope(world["va_coordinator"])
    desk, actor = agent()
    response = transfer(desk, person, world["va"])
    assert "learner01 moved to VA State Agency" in response.content.decode()
    assert LearnerProfile.objects.get(user=person).state_agency == world["va"]
    assert "learner01" not in in_scope(world["md_coordinator"])
    assert "learner01" in in_scope(world["va_coordinator"])
    # The training history is the learner's and goes with them.
    assert Enrollment.objects.get(pk=enrollment.pk).learner == person
    record = LearnerTransfer.objects.get()
    assert (record.from_agency, record.to_agency) == (world["md"], world["va"])
    assert record.transferred_by == actor and record.reason == REASON


def test_a_transfer_is_audited_with_its_reason(world):
    desk, actor = agent()
    transfer(desk, world["learner"], world["va"])
    event = AuditEvent.objects.get(action=LEARNER_TRANSFERRED)
    assert event.actor == actor and event.target_id == str(world["learner"].pk)
    assert event.details["reason"] == REASON
    assert (event.details["from_state"], event.details["to_state"]) == ("MD", "VA")


def test_the_learner_and_both_coordinators_get_an_email_and_a_message(world):
    desk, _ = agent()
    transfer(desk, world["learner"], world["va"])
    people = [world["learner"], world["md_coordinator"], world["va_coordinator"]]
    for person in people:
        mail = OutboxMessage.objects.get(to=[person.email])
        assert "&#x27;" not in mail.body and "&amp;" not in mail.body
    assert "moved to VA State Agency" in OutboxMessage.objects.get(
        to=[world["learner"].email]
    ).subject.replace("You moved to", "moved to")
    assert (
        "no longer among your learners"
        in OutboxMessage.objects.get(to=[world["md_coordinator"].email]).body
    )
    assert (
        "now among your learners"
        in OutboxMessage.objects.get(to=[world["va_coordinator"].email]).body
    )
    recipients = set(DashboardMessage.objects.values_list("recipient", flat=True))
    assert recipients == {person.pk for person in people}
    assert (
        "MD State Agency"
        in DashboardMessage.objects.get(recipient=world["learner"]).body
    )


def test_a_transfer_to_the_same_agency_is_refused_and_writes_nothing(world):
    desk, _ = agent()
    response = transfer(desk, world["learner"], world["md"])
    assert "is at MD State Agency already. Nothing was changed." in (
        response.content.decode()
    )
    assert not LearnerTransfer.objects.exists()
    assert not AuditEvent.objects.filter(action=LEARNER_TRANSFERRED).exists()
    assert not OutboxMessage.objects.exists()
    assert not DashboardMessage.objects.exists()


def test_a_transfer_needs_a_reason(world):
    desk, _ = agent()
    response = transfer(desk, world["learner"], world["va"], reason="  ")
    html = response.content.decode()
    assert "Give the reason for the transfer." in html
    assert "There is a problem" in html and 'href="#id_reason"' in html
    assert LearnerProfile.objects.get(user=world["learner"]).state_agency == world["md"]
    assert not LearnerTransfer.objects.exists()


def test_a_transfer_needs_an_active_state_agency(world):
    desk, actor = agent()
    closed = agency("DE", is_active=False)
    response = transfer(desk, world["learner"], closed)
    assert "Choose one of the active State Agencies listed." in (
        response.content.decode()
    )
    hospital = Organization.objects.create(
        kind="provider", ccn="210999", name="Hospital", state="MD"
    )
    response = transfer(desk, world["learner"], hospital)
    assert "Choose one of the active State Agencies listed." in (
        response.content.decode()
    )
    with pytest.raises(TransferError, match="inactive"):
        learner_transfer(
            learner=world["learner"],
            to_agency=closed,
            reason=REASON,
            actor=actor,
            request=None,
        )
    with pytest.raises(TransferError, match="not a State Agency"):
        learner_transfer(
            learner=world["learner"],
            to_agency=hospital,
            reason=REASON,
            actor=actor,
            request=None,
        )
    assert not LearnerTransfer.objects.exists()


def test_nobody_transfers_themselves(world):
    desk, actor = agent()
    learner_profile_ensure(user=actor)
    assert (
        "another agent must transfer it"
        in desk.get(reverse("helpdesk:transfer", args=[actor.pk])).content.decode()
    )
    response = transfer(desk, actor, world["va"])
    assert "another agent must transfer it" in response.content.decode()
    assert not LearnerTransfer.objects.exists()
    with pytest.raises(TransferError, match="Nobody transfers themselves"):
        learner_transfer(
            learner=actor,
            to_agency=world["va"],
            reason=REASON,
            actor=actor,
            request=None,
        )


def test_a_learner_with_no_training_record_yet_gets_one_on_transfer(world):
    person = UserFactory(username="newcomer1", kind="learner")
    desk, _ = agent()
    assert (
        "None yet"
        in desk.get(reverse("helpdesk:transfer", args=[person.pk])).content.decode()
    )
    transfer(desk, person, world["va"])
    assert LearnerProfile.objects.get(user=person).state_agency == world["va"]
    assert LearnerTransfer.objects.get().from_agency is None


def test_transfers_need_the_transfer_permission(world):
    url = reverse("helpdesk:transfer", args=[world["learner"].pk])
    # A coordinator, a learner, and someone with every other help-desk right.
    partial = UserFactory(username="partial01")
    for codename in ("unlock_user", "activate_user", "view_learnertransfer"):
        partial.user_permissions.add(Permission.objects.get(codename=codename))
    for person in (world["md_coordinator"], world["learner"], partial):
        browser = Client()
        sign_in_verified(browser, person)
        assert browser.get(reverse("helpdesk:transfers")).status_code == 403
        assert browser.get(url).status_code == 403
        response = browser.post(url, {"to_agency": world["va"].pk, "reason": REASON})
        assert response.status_code == 403
    assert not LearnerTransfer.objects.exists()
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")


def test_an_unknown_learner_is_404(world):
    desk, _ = agent()
    url = reverse("helpdesk:transfer", args=[99999])
    assert desk.get(url).status_code == 404
    assert (
        desk.post(url, {"to_agency": world["va"].pk, "reason": REASON}).status_code
        == 404
    )


def test_help_desk_finds_a_learner_by_user_id_or_email_without_case(world):
    desk, _ = agent()
    html = desk.get(reverse("helpdesk:transfers"), {"q": "LEARNER01"}).content.decode()
    assert reverse("helpdesk:transfer", args=[world["learner"].pk]) in html
    assert "MD State Agency" in html
    html = desk.get(
        reverse("helpdesk:transfers"), {"q": "Learner01@Example.org"}
    ).content.decode()
    assert reverse("helpdesk:transfer", args=[world["learner"].pk]) in html
    html = desk.get(reverse("helpdesk:transfers"), {"q": "learner0"}).content.decode()
    assert "No account has that user ID or email address." in html


def test_the_transfer_page_lists_only_active_state_agencies(world):
    agency("DE", is_active=False)
    desk, _ = agent()
    html = desk.get(
        reverse("helpdesk:transfer", args=[world["learner"].pk])
    ).content.decode()
    assert "VA: VA State Agency" in html and "DE State Agency" not in html
    assert 'id="current-agency">MD State Agency (MD)' in html


def test_recent_transfers_are_newest_first(world):
    desk, actor = agent()
    learner_transfer(
        learner=world["learner"],
        to_agency=world["va"],
        reason="first",
        actor=actor,
        request=None,
    )
    other = learner("learner02")
    learner_transfer(
        learner=other, to_agency=world["va"], reason="second", actor=actor, request=None
    )
    html = desk.get(reverse("helpdesk:transfers")).content.decode()
    assert html.index("learner02") < html.index("learner01")


def queries_of(browser: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert browser.get(url).status_code == 200
    return len(context.captured_queries)


def test_transfer_list_runs_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    desk, actor = agent()
    url = reverse("helpdesk:transfers")
    learner_transfer(
        learner=world["learner"],
        to_agency=world["va"],
        reason="r",
        actor=actor,
        request=None,
    )
    desk.get(url)
    small = queries_of(desk, url)
    for n in range(2, 14):
        person = learner(f"learner{n:02d}")
        learner_transfer(
            learner=person, to_agency=world["va"], reason="r", actor=actor, request=None
        )
    assert queries_of(desk, url) == small
    assert queries_of(desk, url + "?q=learner05") == queries_of(
        desk, url + "?q=learner06"
    )
    with django_assert_max_num_queries(12):
        desk.get(url + "?q=learner05")
