"""People and places for the report tests, built the way the portal builds them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from harp.models import User
from iqies_roles.models import Organization, RoleAssignment
from qsep import services
from qsep.models import (
    Choice,
    CoordinatorProxy,
    Course,
    LearnerProfile,
    PlanCourse,
    Question,
    TrainingPlan,
)
from qsep.services.learners import (
    learner_activity_record,
    learner_profile_ensure,
)
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import role

COORDINATOR_ROLE = "qsep-state-training-coordinator"
STATE_NAMES = {
    "MD": "Maryland",
    "VA": "Virginia",
    "DE": "Delaware",
    "PA": "Pennsylvania",
}
CCN_PREFIX = {"MD": "21", "VA": "49", "DE": "08", "PA": "39"}


def agency(state: str) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency",
        state=state,
        defaults={"name": f"{STATE_NAMES[state]} State Agency"},
    )[0]


def facility(state: str, number: int = 1, name: str = "") -> Organization:
    ccn = f"{CCN_PREFIX[state]}{number:04d}"
    return Organization.objects.get_or_create(
        ccn=ccn,
        defaults={
            "kind": "provider",
            "name": name or f"{STATE_NAMES[state]} Home {number}",
            "state": state,
        },
    )[0]


def make_learner(
    username: str,
    *,
    last: str,
    first: str = "Pat",
    state: str = "MD",
    place: Organization | None = None,
    email: str = "",
    middle: str = "",
) -> User:
    """A learner who signed up with a facility in `state` (their location)."""
    user = UserFactory(
        username=username,
        first_name=first,
        last_name=last,
        middle_name=middle,
        email=email or f"{username}@example.org",
        kind="learner",
        two_factor_required=False,
    )
    agency(state)
    learner_profile_ensure(user=user, facility=place or facility(state))
    return user


def unassigned_learner(username: str, *, last: str) -> User:
    """A learner with no facility, no role and no home state: no State Agency."""
    user = UserFactory(
        username=username, last_name=last, kind="learner", two_factor_required=False
    )
    learner_profile_ensure(user=user, facility=None)
    assert LearnerProfile.objects.get(user=user).state_agency is None
    return user


def coordinator(*states: str, username: str = "coordinator1") -> tuple[Client, User]:
    """A signed-in State Training Coordinator of each state (a role assignment at
    its State Agency), in the Training coordinators group like the demo one."""
    user = UserFactory(username=username)
    group, _ = Group.objects.get_or_create(name="Training coordinators")
    group.permissions.add(Permission.objects.get(codename="review_certification"))
    user.groups.add(group)
    for state in states:
        RoleAssignment.objects.create(
            user=user, role=role(COORDINATOR_ROLE), organization=agency(state)
        )
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def proxy(user: User, state: str, *, days_left: int = 10) -> CoordinatorProxy:
    """A proxy for `state`, granted by an admin; negative days_left: expired."""
    today = timezone.localdate()
    granter = UserFactory(username="proxygranter", is_staff=True, is_superuser=True)
    return CoordinatorProxy.objects.create(
        coordinator=user,
        state_agency=agency(state),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=days_left),
        reason="Covering while the other coordinator is away",
        granted_by=granter,
    )


def superuser_client() -> tuple[Client, User]:
    user = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def course(slug: str) -> Course:
    """A course completed by passing a one-question post-test (no evaluation)."""
    made = Course.objects.create(slug=slug, title=slug.title(), description="x")
    question = Question.objects.create(course=made, test="post", text="Right?")
    Choice.objects.create(question=question, text="Yes", is_correct=True)
    Choice.objects.create(question=question, text="No", is_correct=False)
    return made


def complete(learner: User, course: Course) -> None:
    """Take the course to completion through the services a learner's pages call."""
    enrollment = services.enrollment_create(learner=learner, course=course)
    attempt = services.test_attempt_current(enrollment=enrollment, test="post")
    question = course.questions.get()
    services.attempt_answer(
        attempt=attempt, question=question, choice=question.choices.get(text="Yes")
    )
    services.attempt_submit(attempt=attempt)
    enrollment.refresh_from_db()
    services.evaluation_submit(enrollment=enrollment, responses={})
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None


def plan(slug: str, *courses: Course) -> TrainingPlan:
    made = TrainingPlan.objects.create(slug=slug, title=slug.title())
    for position, item in enumerate(courses, start=1):
        PlanCourse.objects.create(plan=made, course=item, position=position)
    return made


def active(user: User, days_ago: int) -> None:
    learner_activity_record(user=user, at=timezone.now() - timedelta(days=days_ago))


def csv_rows(response) -> list[list[str]]:
    assert response.streaming is True
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))
