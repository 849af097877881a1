from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent, OutboxMessage, User
from iqies_roles.models import Organization, Role, RoleAssignment
from qsep import services
from qsep.models import CertificationUpload, Course, LearnerProfile
from qsep.services.learners import learner_profile_ensure
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64
CERT = "Fire Inspector certification"
COORDINATOR_ROLE = "qsep-state-training-coordinator"


@pytest.fixture
def course():
    return Course.objects.create(
        slug="advanced", title="Advanced", description="x", required_certification=CERT
    )


def agency(state: str) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency", state=state, defaults={"name": f"{state} State Agency"}
    )[0]


def facility(state: str, ccn: str) -> Organization:
    return Organization.objects.create(
        kind="provider", ccn=ccn, name=f"{state} Nursing Home", state=state
    )


def make_learner(
    username: str,
    *,
    facility_state: str = "",
    home_state: str = "",
    profile: bool = True,
):
    """A learner who signed up with a facility (or none) and a home state (or none).

    The State Agencies of Maryland and Virginia exist first, as in a deployment, so
    the learner's profile gets the State Agency its rules choose.
    """
    agency("MD"), agency("VA")
    user = UserFactory(
        username=username, kind="learner", two_factor_required=False, state=home_state
    )
    ccns = {"MD": "210001", "VA": "490001"}
    place = None
    if facility_state:
        place = Organization.objects.filter(
            kind="provider", state=facility_state
        ).first() or facility(facility_state, ccns[facility_state])
    if profile:
        learner_profile_ensure(user=user, facility=place)
    return user


@pytest.fixture
def learner(client):
    """An MD learner: their facility is in Maryland."""
    user = make_learner("learner01", facility_state="MD")
    client.force_login(user)
    return user


def upload(client, content: bytes, name: str = "cert.pdf"):
    return client.post(
        reverse("qsep:certifications"),
        {"certification": CERT, "file": SimpleUploadedFile(name, content)},
    )


def upload_for(user: User) -> CertificationUpload:
    request = RequestFactory().post("/")
    request.user = user
    return services.certification_upload(
        learner=user,
        certification=CERT,
        upload=SimpleUploadedFile("cert.pdf", PDF),
        request=request,
    )


def reviewer(state: str | None = "MD", username: str = "coordinator1"):
    """A signed-in reviewer like the demo coordinator: the Training coordinators
    group (with the review permission) and, with a state, the State Training
    Coordinator role at that state's State Agency."""
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


def superuser() -> Client:
    browser = Client()
    sign_in_verified(
        browser, UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    return browser


def review_page(browser: Client) -> str:
    response = browser.get(reverse("qsep:certification-review"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_accepted_certification_opens_the_course(client, course, learner):
    assert upload(client, PDF).status_code == 302
    assert services.course_open_problems(learner=learner, course=course)
    desk, desk_user = reviewer("MD")
    record = CertificationUpload.objects.get()
    assert "learner01" in review_page(desk)
    file = desk.get(reverse("qsep:certification-file", args=[record.pk]))
    assert b"".join(file.streaming_content) == PDF
    desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
    )
    record.refresh_from_db()
    assert record.status == "accepted" and record.reviewed_by == desk_user
    assert services.course_open_problems(learner=learner, course=course) == []
    assert OutboxMessage.objects.filter(subject__icontains="was accepted").exists()
    assert AuditEvent.objects.filter(
        action=services.TrainingAction.CERTIFICATION_VIEWED
    ).exists()


def test_a_coordinator_of_another_state_cannot_list_open_or_decide(
    client, course, learner
):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    virginia, _ = reviewer("VA", username="coordinatorva")

    page = review_page(virginia)
    assert "learner01" not in page
    assert reverse("qsep:certification-file", args=[record.pk]) not in page
    opened = virginia.get(reverse("qsep:certification-file", args=[record.pk]))
    assert opened.status_code == 404
    for decision in ("accept", "reject"):
        forged = virginia.post(
            reverse("qsep:certification-review"),
            {"upload": record.pk, "decision": decision},
        )
        assert forged.status_code == 404

    record.refresh_from_db()
    assert record.status == "pending" and record.reviewed_by is None
    assert not AuditEvent.objects.filter(
        action__in=[
            services.TrainingAction.CERTIFICATION_VIEWED,
            services.TrainingAction.CERTIFICATION_REVIEWED,
        ]
    ).exists()
    assert not OutboxMessage.objects.filter(subject__icontains="certification").exists()


def test_the_service_refuses_a_reviewer_outside_the_learners_state(
    client, course, learner
):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    _, virginia = reviewer("VA", username="coordinatorva")
    request = RequestFactory().post("/")
    with pytest.raises(services.TrainingError, match="not one you review"):
        services.certification_review(
            record=record, reviewer=virginia, accept=True, request=request
        )
    record.refresh_from_db()
    assert record.status == "pending"


def test_a_superuser_reviews_every_state(course):
    maryland = upload_for(make_learner("learnermd", facility_state="MD"))
    virginia = upload_for(make_learner("learnerva", home_state="VA"))
    nowhere = upload_for(make_learner("learnernone"))
    admin = superuser()
    page = review_page(admin)
    assert "every state" in page
    for username in ("learnermd", "learnerva", "learnernone"):
        assert username in page
    for record in (maryland, virginia, nowhere):
        opened = admin.get(reverse("qsep:certification-file", args=[record.pk]))
        assert opened.status_code == 200
    admin.post(
        reverse("qsep:certification-review"),
        {"upload": virginia.pk, "decision": "accept"},
    )
    virginia.refresh_from_db()
    assert virginia.status == "accepted"


def test_a_reviewer_with_no_state_sees_nothing_and_is_told_why(client, course, learner):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    stateless, _ = reviewer(None)
    page = review_page(stateless)
    assert "You coordinate no state" in page and "learner01" not in page
    assert (
        stateless.get(reverse("qsep:certification-file", args=[record.pk])).status_code
        == 404
    )
    assert (
        stateless.post(
            reverse("qsep:certification-review"),
            {"upload": record.pk, "decision": "accept"},
        ).status_code
        == 404
    )
    record.refresh_from_db()
    assert record.status == "pending"


def test_a_revoked_coordinator_role_ends_the_scope(client, course, learner):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    desk, desk_user = reviewer("MD")
    RoleAssignment.objects.filter(user=desk_user).update(revoked_at=timezone.now())
    assert "learner01" not in review_page(desk)
    opened = desk.get(reverse("qsep:certification-file", args=[record.pk]))
    assert opened.status_code == 404


def test_the_learner_state_is_the_facility_then_the_state_agency_then_home(course):
    # Facility in MD wins over a home address in VA.
    facility_md = upload_for(
        make_learner("learnerfac", facility_state="MD", home_state="VA")
    )
    # No facility: a surveyor's State Agency (VA) wins over the home address (MD).
    # Their profile is made by the upload, after the role.
    surveyor = make_learner("surveyorva", home_state="MD", profile=False)
    RoleAssignment.objects.create(
        user=surveyor,
        role=Role.objects.get(code="qsep-surveyor"),
        organization=agency("VA"),
    )
    surveyor_va = upload_for(surveyor)
    # Neither: the home address.
    home_va = upload_for(make_learner("learnerhome", home_state="VA"))

    maryland, _ = reviewer("MD")
    virginia, _ = reviewer("VA", username="coordinatorva")
    md_page, va_page = review_page(maryland), review_page(virginia)
    assert "learnerfac" in md_page and "learnerfac" not in va_page
    assert "surveyorva" in va_page and "surveyorva" not in md_page
    assert "learnerhome" in va_page and "learnerhome" not in md_page
    file = reverse("qsep:certification-file", args=[facility_md.pk])
    assert virginia.get(file).status_code == 404
    assert maryland.get(file).status_code == 200
    for record in (surveyor_va, home_va):
        file = reverse("qsep:certification-file", args=[record.pk])
        assert maryland.get(file).status_code == 404


def test_a_transferred_learner_moves_to_the_new_states_review_queue(course):
    record = upload_for(make_learner("movingon", facility_state="MD"))
    maryland, _ = reviewer("MD")
    virginia, _ = reviewer("VA", username="coordinatorva")
    assert "movingon" in review_page(maryland)
    LearnerProfile.objects.filter(user=record.learner).update(state_agency=agency("VA"))
    assert "movingon" not in review_page(maryland)
    assert "movingon" in review_page(virginia)
    file = reverse("qsep:certification-file", args=[record.pk])
    assert maryland.get(file).status_code == 404
    assert virginia.get(file).status_code == 200


def test_a_reviewer_never_sees_their_own_upload(course):
    desk, desk_user = reviewer("MD")
    desk_user.state = "MD"
    desk_user.save(update_fields=["state"])
    record = upload_for(desk_user)
    assert "Nothing is waiting" in review_page(desk)
    assert (
        desk.get(reverse("qsep:certification-file", args=[record.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("value", ["abc", "", "-1", "1e3", "99999", "9" * 25])
def test_a_malformed_or_unknown_upload_id_is_a_404(value, course):
    desk, _ = reviewer("MD")
    response = desk.post(
        reverse("qsep:certification-review"), {"upload": value, "decision": "accept"}
    )
    assert response.status_code == 404


def test_a_decision_other_than_accept_or_reject_changes_nothing(
    client, course, learner
):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    desk, _ = reviewer("MD")
    response = desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "maybe"},
        follow=True,
    )
    assert "Choose Accept or Reject." in response.content.decode()
    record.refresh_from_db()
    assert record.status == "pending"


@pytest.mark.parametrize("count", [3, 30])
def test_the_review_list_runs_a_fixed_number_of_queries(
    count, course, django_assert_max_num_queries
):
    for number in range(count):
        state = ("MD", "VA")[number % 2]
        upload_for(make_learner(f"learner{number:03d}", facility_state=state))
    desk, _ = reviewer("MD")
    with django_assert_max_num_queries(11):  # + the unread count
        page = review_page(desk)
    shown = page.count('name="upload"')
    assert shown == min((count + 1) // 2, 25)
    if (count + 1) // 2 > 25:
        assert "Page 1 of" in page


def test_a_renamed_executable_is_refused_and_nothing_is_stored(client, course, learner):
    response = upload(client, EXE, "cert.pdf")
    assert "not a PDF, JPEG or PNG" in response.content.decode()
    assert not CertificationUpload.objects.exists()


def test_only_reviewers_see_the_queue_and_the_files(client, course, learner):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    assert client.get(reverse("qsep:certification-review")).status_code == 403
    assert (
        client.get(reverse("qsep:certification-file", args=[record.pk])).status_code
        == 403
    )
    forged = client.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
    )
    assert forged.status_code == 403
    record.refresh_from_db()
    assert record.status == "pending"


def test_a_reviewed_certification_cannot_be_decided_again(client, course, learner):
    upload(client, PDF)
    desk, _ = reviewer("MD")
    record = CertificationUpload.objects.get()
    desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "reject"},
    )
    response = desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
        follow=True,
    )
    assert "already been reviewed" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "rejected"
