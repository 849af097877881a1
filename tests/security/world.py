"""The access matrix's world: one owner who has one of everything, and the personas.

The owner is a proofed HARP user with an authenticator app, living in Maryland. They
have done, through the portal's services, what a person does: a role request waiting
at their hospital, a role their hospital's security official approved, a manual
proofing case sent to the help desk with its documents and still in its queue
(nobody has claimed it; the owner is marked proofed by the factory, as the
matrix needs one owner who may hold a role), a completed course with its
certificate (so an enrollment and a post-test attempt), and a certification upload
waiting for a coordinator. Every URL that takes an argument is filled with the
owner's objects, so each persona is tried against someone else's data.

Nobody in `PERSONAS` has a part in the owner's objects: the hospital's security
official (who approved the owner's role) is not a persona, the coordinator persona
coordinates Virginia, and the help-desk persona has claimed nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.models import DashboardMessage, User
from iqies_roles import services as role_services
from iqies_roles.models import Organization, RoleAssignment, RoleRequest
from proofing import services as proofing_services
from proofing.models import ManualProofingCase, ProofingDocument
from qsep import services as training_services
from qsep.models import (
    Certificate,
    CertificationUpload,
    Choice,
    Course,
    Enrollment,
    EvaluationQuestion,
    Module,
    PlanCourse,
    Question,
    TestAttempt,
    TrainingPlan,
)
from qsep.services.learners import learner_profile_ensure
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import proofed_user, provider, role, security_official

# Who tries every URL. The ten kinds of person, plus `no_device`: a HARP user
# signed in with a password who has no second factor yet (sent to set-up).
PERSONAS = (
    "anonymous",
    "signed_in_no_2fa",
    "no_device",
    "learner",
    "harp_user",
    "other_official",
    "other_coordinator",
    "help_desk",
    "cms_approver",
    "staff_no_rights",
    "superuser",
)
# Signed in with the password only; everyone else not anonymous passed both factors
# (the learner needs no second factor and signs in with the password alone).
PASSWORD_ONLY = {"signed_in_no_2fa", "no_device", "learner"}

HELP_DESK_GROUP = "Help desk"
COORDINATORS_GROUP = "Training coordinators"
CERTIFICATION = "Fire Inspector certification"


@dataclass
class World:
    owner: User
    # The owner's hospital's security official: not a persona, may decide the
    # owner's requests (the forgeries' control).
    hospital_official: User
    personas: dict[str, User]
    role_request: RoleRequest
    assignment: RoleAssignment
    case: ManualProofingCase
    document: ProofingDocument
    course: Course
    plan: TrainingPlan
    enrollment: Enrollment
    attempt: TestAttempt
    certificate: Certificate
    upload: CertificationUpload
    owner_device: TOTPDevice
    email_confirmation_key: str
    password_reset_uidb36: str
    message: DashboardMessage
    # Where the documents and uploads are stored (set by the test module).
    files: Path = field(default_factory=Path)

    def client_for(self, persona: str) -> Client:
        """A browser signed in as the persona, the way the persona signs in."""
        client = Client()
        if persona == "anonymous":
            return client
        user = self.personas[persona]
        if persona in PASSWORD_ONLY:
            client.force_login(user)
        else:
            sign_in_verified(client, user)
        return client


def pdf_bytes() -> bytes:
    """A real one-page PDF, so the strictest document check accepts it."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def _request(user: User | None = None):
    request = RequestFactory().post("/")
    if user is not None:
        request.user = user
    return request


def help_desk_group() -> Group:
    """The "Help desk" group the code defines, or as harp/demo.py builds it."""
    group = Group.objects.filter(name=HELP_DESK_GROUP).first()
    if group is not None:
        return group
    from harp import demo

    return demo._help_desk_group()


def coordinators_group() -> Group:
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.add(
        Permission.objects.get(
            codename="review_certification", content_type__app_label="qsep"
        )
    )
    return group


def _state_agency(state: str) -> Organization:
    agency = Organization.objects.filter(kind="state_agency", state=state).first()
    return agency or Organization.objects.create(
        kind="state_agency", state=state, name=f"{state} State Survey Agency"
    )


def _course() -> tuple[Course, TrainingPlan]:
    """A course as an admin authors it: one module, a post-test, an evaluation."""
    course = Course.objects.create(
        slug="matrix-course",
        title="Access Matrix Course",
        description="A course the owner has completed.",
        ceus=1,
        passing_score=80,
        shuffle_questions=False,
    )
    Module.objects.create(course=course, position=1, title="Only", body="<p>Read</p>")
    question = Question.objects.create(course=course, test="post", text="Right?")
    Choice.objects.create(question=question, text="Yes", is_correct=True)
    Choice.objects.create(question=question, text="No", is_correct=False)
    EvaluationQuestion.objects.create(course=course, text="Useful?", kind="rating")
    plan = TrainingPlan.objects.create(slug="matrix-plan", title="Matrix Plan")
    PlanCourse.objects.create(plan=plan, course=course, position=1)
    return course, plan


def _owner_completes(owner: User, course: Course) -> tuple[Enrollment, TestAttempt]:
    enrollment = training_services.enrollment_create(learner=owner, course=course)
    training_services.module_complete(
        enrollment=enrollment, module=course.modules.get()
    )
    attempt = training_services.test_attempt_current(enrollment=enrollment, test="post")
    question = course.questions.get()
    training_services.attempt_answer(
        attempt=attempt, question=question, choice=question.choices.get(is_correct=True)
    )
    attempt = training_services.attempt_submit(attempt=attempt)
    enrollment.refresh_from_db()
    question_pk = course.evaluation_questions.get().pk
    training_services.evaluation_submit(
        enrollment=enrollment, responses={question_pk: {"rating": 5, "text": ""}}
    )
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None, "the owner's course is complete"
    return enrollment, attempt


def _owner_manual_case(owner: User) -> tuple[ManualProofingCase, ProofingDocument]:
    request = _request(owner)
    case = proofing_services.manual_case_for_user(user=owner, request=request)
    photo = proofing_services.manual_document_add(
        case=case,
        kind=ProofingDocument.Kind.PHOTO_ID,
        id_type=ProofingDocument.IdType.DRIVERS_LICENSE,
        upload=_upload("license.pdf"),
        request=request,
    )
    for name in ("bank.pdf", "payroll.pdf"):
        proofing_services.manual_document_add(
            case=case,
            kind=ProofingDocument.Kind.FINANCIAL,
            id_type="",
            upload=_upload(name),
            request=request,
        )
    case = proofing_services.manual_case_submit(
        case=case, ssn_last4="0001", request=request
    )
    assert case.status == ManualProofingCase.Status.SUBMITTED
    return case, photo


def build_world() -> World:
    """Everything the matrix needs, built through services as people cause it."""
    hospital = provider(name="Owner's Hospital", state="MD")
    other_hospital = provider(name="Another Hospital", state="VA")
    hospital_official = security_official(hospital, "hospitalso")

    owner = proofed_user("matrixowner", state="MD")
    owner_device = TOTPDevice.objects.get(user=owner, confirmed=True)
    # The owner is a learner of the Maryland State Agency (their hospital's state).
    _state_agency("MD")
    learner_profile_ensure(user=owner, facility=hospital)

    # A role the hospital's security official approved, and a request still waiting.
    (granted,) = role_services.role_request_submit(
        requester=owner,
        category="provider",
        role=role("provider-assessment-viewer"),
        organizations=[hospital],
        request=_request(owner),
    )
    role_services.role_request_decide(
        role_request=granted,
        approver=hospital_official,
        approve=True,
        reason="",
        request=_request(hospital_official),
    )
    assignment = RoleAssignment.objects.get(request=granted)
    (role_request,) = role_services.role_request_submit(
        requester=owner,
        category="provider",
        role=role("assessment-submitter"),
        organizations=[hospital],
        request=_request(owner),
    )

    case, document = _owner_manual_case(owner)

    course, plan = _course()
    enrollment, attempt = _owner_completes(owner, course)
    certificate = Certificate.objects.get(enrollment=enrollment)
    upload = training_services.certification_upload(
        learner=owner,
        certification=CERTIFICATION,
        upload=_upload("fire-inspector.pdf"),
        request=_request(owner),
    )

    address = EmailAddress.objects.get(user=owner, email=owner.email)
    confirmation_key = EmailConfirmationHMAC(address).key

    personas = {
        "signed_in_no_2fa": proofed_user("passwordonly"),
        "no_device": UserFactory(
            username="nodevice1", identity_proofed_at=timezone.now()
        ),
        "learner": UserFactory(
            username="learner01", kind=User.Kind.LEARNER, two_factor_required=False
        ),
        "harp_user": proofed_user("harpuser1"),
        "other_official": security_official(other_hospital, "otherofficial"),
        "other_coordinator": proofed_user("vacoordinator", state="VA"),
        "help_desk": proofed_user("helpdesk1", is_staff=True),
        "cms_approver": proofed_user("cmsapprover1"),
        "staff_no_rights": proofed_user("staffonly1", is_staff=True),
        "superuser": proofed_user("superuser1", is_staff=True, is_superuser=True),
    }
    # Has a confirmed authenticator app, but signs in with the password only.
    assert TOTPDevice.objects.filter(
        user=personas["signed_in_no_2fa"], confirmed=True
    ).exists()
    RoleAssignment.objects.create(
        user=personas["other_coordinator"],
        role=role("qsep-state-training-coordinator"),
        organization=_state_agency("VA"),
    )
    personas["other_coordinator"].groups.add(coordinators_group())
    personas["help_desk"].groups.add(help_desk_group())
    personas["cms_approver"].groups.add(
        Group.objects.get_or_create(name=role_services.CMS_APPROVERS_GROUP)[0]
    )
    return World(
        owner=owner,
        hospital_official=hospital_official,
        personas=personas,
        role_request=role_request,
        assignment=assignment,
        case=case,
        document=document,
        course=course,
        plan=plan,
        enrollment=enrollment,
        attempt=attempt,
        certificate=certificate,
        upload=upload,
        owner_device=owner_device,
        email_confirmation_key=confirmation_key,
        password_reset_uidb36=user_pk_to_url_str(owner),
        # Written when the hospital's security official approved the owner's role.
        message=DashboardMessage.objects.filter(recipient=owner).earliest("pk"),
    )
