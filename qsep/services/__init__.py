"""Training: enrolling, taking courses step by step, completion and certificates.

Rules kept here:
- A course opens once its prerequisite courses are completed and any required
  certification is accepted.
- Steps go in order: pre-test, modules, post-test, evaluation. The post-test opens
  after the pre-test and every module; the evaluation after the post-test is passed.
- Every answer and every finished module is saved as it happens.
- The post-test allows `max_attempts` attempts; questions are drawn and shuffled per
  attempt when the course says so.
- Completion is recorded in the request that meets the last requirement, once, and
  issues one certificate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from harp.models import User
from harp.services import audit_event_record, dashboard_message_send
from iqies_roles.models import Organization
from qsep.models import (
    AttemptAnswer,
    Certificate,
    CertificationUpload,
    Choice,
    Course,
    Enrollment,
    EvaluationQuestion,
    EvaluationResponse,
    Module,
    ModuleProgress,
    Question,
    TestAttempt,
    TestKind,
    TrainingPlan,
)
from qsep.module_html import module_body_sanitise
from qsep.selectors import certification_upload_get_for_review
from qsep.services.learners import (
    learner_completion_record,
    learner_profile_ensure,
)


class TrainingError(Exception):
    """A step the rules refuse; the message says what is missing."""


class TrainingAction:
    ENROLLED = "qsep.enrolled"
    COMPLETED = "qsep.completed"
    CERTIFICATE_ISSUED = "qsep.certificate_issued"
    CERTIFICATE_REVOKED = "qsep.certificate_revoked"
    CERTIFICATION_UPLOADED = "qsep.certification_uploaded"
    CERTIFICATION_REVIEWED = "qsep.certification_reviewed"
    CERTIFICATION_VIEWED = "qsep.certification_viewed"
    LEARNER_VIEWED = "qsep.learner_viewed"
    REPORT_EXPORTED = "qsep.report_exported"


def course_open_problems(*, learner: User, course: Course) -> list[str]:
    """What keeps a course closed to this learner; empty when it is open."""
    problems = []
    done = set(
        Enrollment.objects.filter(
            learner=learner, completed_at__isnull=False
        ).values_list("course_id", flat=True)
    )
    for prerequisite in course.prerequisites.all():
        if prerequisite.pk not in done:
            problems.append(f"Complete “{prerequisite.title}” first.")
    if (
        course.required_certification
        and not CertificationUpload.objects.filter(
            learner=learner,
            certification=course.required_certification,
            status=CertificationUpload.Status.ACCEPTED,
        ).exists()
    ):
        problems.append(
            f"Upload your {course.required_certification}; a coordinator must accept "
            "it before the course opens."
        )
    return problems


@transaction.atomic
def enrollment_create(*, learner: User, course: Course) -> Enrollment:
    """Add a course to My Training; adding it again changes nothing.

    The learner gets a learner profile (their place in coordinators' reports) if
    they had none, as a HARP user taking training for the first time does.
    """
    learner_profile_ensure(user=learner)
    enrollment, created = Enrollment.objects.get_or_create(
        learner=learner, course=course
    )
    if created:
        audit_event_record(
            action=TrainingAction.ENROLLED, actor=learner, target=enrollment
        )
    return enrollment


@transaction.atomic
def module_create(
    *, course: Course, position: int, title: str, body: str, video_url: str = ""
) -> Module:
    """Add a module to a course; the body is cleaned to the allow-list of
    `qsep.module_html` first, like the admin's module form does."""
    module = Module(
        course=course,
        position=position,
        title=title,
        body=module_body_sanitise(body),
        video_url=video_url,
    )
    module.full_clean()
    module.save()
    return module


@transaction.atomic
def plan_enroll(*, learner: User, plan: TrainingPlan) -> list[Enrollment]:
    return [
        enrollment_create(learner=learner, course=course)
        for course in plan.courses.order_by("plancourse__position")
    ]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    state: str  # "done", "open" or "locked"
    why_locked: str = ""


def has_questions(course: Course, test: str) -> bool:
    return course.questions.filter(test=test).exists()


def course_steps(enrollment: Enrollment) -> list[Step]:
    """The course menu: each step done, open, or locked with the reason."""
    course = enrollment.course
    closed = course_open_problems(learner=enrollment.learner, course=course)
    modules = list(course.modules.all())
    done_modules = set(enrollment.module_progress.values_list("module_id", flat=True))
    pre_done = enrollment.pretest_done_at is not None or not has_questions(
        course, TestKind.PRE
    )
    modules_done = all(module.pk in done_modules for module in modules)
    steps = []

    def add(key: str, title: str, done: bool, blockers: list[str]) -> None:
        if done:
            steps.append(Step(key, title, "done"))
        elif blockers:
            steps.append(Step(key, title, "locked", " ".join(blockers)))
        else:
            steps.append(Step(key, title, "open"))

    if has_questions(course, TestKind.PRE):
        add("pre", "Pre-test", enrollment.pretest_done_at is not None, closed)
    for module in modules:
        add(
            f"module-{module.position}",
            f"Module {module.position}: {module.title}",
            module.pk in done_modules,
            closed or ([] if pre_done else ["Take the pre-test first."]),
        )
    post_blockers = list(closed)
    if not pre_done:
        post_blockers.append("Take the pre-test first.")
    if not modules_done:
        post_blockers.append("Finish every module first.")
    add("post", "Post-test", enrollment.posttest_passed_at is not None, post_blockers)
    add(
        "evaluation",
        "Evaluation",
        enrollment.evaluation_done_at is not None,
        [] if enrollment.posttest_passed_at else ["Pass the post-test first."],
    )
    add(
        "certificate",
        "Certificate",
        False,
        [] if enrollment.completed_at else ["Complete the course first."],
    )
    if enrollment.completed_at:
        steps[-1] = Step("certificate", "Certificate", "open")
    return steps


def step_state(enrollment: Enrollment, key: str) -> Step:
    for step in course_steps(enrollment):
        if step.key == key:
            return step
    raise TrainingError("This course has no such step.")


def _require_open(enrollment: Enrollment, key: str) -> None:
    step = step_state(enrollment, key)
    if step.state == "locked":
        raise TrainingError(step.why_locked)


@transaction.atomic
def module_complete(*, enrollment: Enrollment, module: Module) -> Enrollment:
    """Record a finished module at once; it may be the last requirement."""
    if module.course_id != enrollment.course_id:
        raise TrainingError("That module is not part of this course.")
    step = step_state(enrollment, f"module-{module.position}")
    if step.state == "locked":
        raise TrainingError(step.why_locked)
    ModuleProgress.objects.get_or_create(enrollment=enrollment, module=module)
    return _complete_if_done(enrollment)


def _draw(course: Course, test: str) -> list[int]:
    ids = list(course.questions.filter(test=test).values_list("pk", flat=True))
    if course.shuffle_questions:
        random.SystemRandom().shuffle(ids)
    if course.questions_per_attempt and test == TestKind.POST:
        ids = ids[: course.questions_per_attempt]
    return ids


@transaction.atomic
def test_attempt_current(*, enrollment: Enrollment, test: str) -> TestAttempt:
    """The attempt in progress, or a new one if the rules allow it."""
    _require_open(enrollment, test)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    attempts = list(enrollment.attempts.filter(test=test).order_by("number"))
    if attempts and attempts[-1].submitted_at is None:
        return attempts[-1]
    course = enrollment.course
    if test == TestKind.PRE and attempts:
        raise TrainingError("The pre-test is taken once.")
    if test == TestKind.POST and len(attempts) >= course.max_attempts:
        raise TrainingError(
            f"You have used all {course.max_attempts} attempts at the post-test. "
            "Contact your training coordinator or the help desk to be allowed more."
        )
    return TestAttempt.objects.create(
        enrollment=enrollment,
        test=test,
        number=len(attempts) + 1,
        question_ids=_draw(course, test),
    )


def attempt_answer(*, attempt: TestAttempt, question: Question, choice: Choice) -> None:
    """Save one answer as it is given; changing it replaces it."""
    if attempt.submitted_at is not None:
        raise TrainingError("This attempt is already submitted.")
    if question.pk not in attempt.question_ids or choice.question_id != question.pk:
        raise TrainingError("That answer does not belong to this test.")
    AttemptAnswer.objects.update_or_create(
        attempt=attempt,
        question=question,
        defaults={"choice": choice, "answered_at": timezone.now()},
    )


@transaction.atomic
def attempt_submit(*, attempt: TestAttempt) -> TestAttempt:
    """Score a finished attempt once; a pass (or the pre-test) moves the course on."""
    attempt = TestAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        return attempt
    answers = {
        answer.question_id: answer.choice
        for answer in attempt.answers.select_related("choice")
    }
    missing = [qid for qid in attempt.question_ids if qid not in answers]
    if missing:
        raise TrainingError(
            f"Answer every question before submitting: {len(missing)} left."
        )
    right = sum(answers[qid].is_correct for qid in attempt.question_ids)
    total = len(attempt.question_ids) or 1
    attempt.score = round(100 * right / total)
    enrollment = attempt.enrollment
    now = timezone.now()
    if attempt.test == TestKind.PRE:
        attempt.passed = True
        Enrollment.objects.filter(
            pk=enrollment.pk, pretest_done_at__isnull=True
        ).update(pretest_done_at=now)
    else:
        attempt.passed = attempt.score >= enrollment.course.passing_score
        if attempt.passed:
            Enrollment.objects.filter(
                pk=enrollment.pk, posttest_passed_at__isnull=True
            ).update(posttest_passed_at=now)
    attempt.submitted_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    _complete_if_done(Enrollment.objects.get(pk=enrollment.pk))
    return attempt


@transaction.atomic
def evaluation_submit(
    *, enrollment: Enrollment, responses: dict[int, dict[str, object]]
) -> Enrollment:
    """Save the evaluation; it is usually the last requirement."""
    _require_open(enrollment, "evaluation")
    for question in EvaluationQuestion.objects.filter(course=enrollment.course):
        given = responses.get(question.pk, {})
        EvaluationResponse.objects.update_or_create(
            enrollment=enrollment,
            question=question,
            defaults={"rating": given.get("rating"), "text": given.get("text", "")},
        )
    Enrollment.objects.filter(pk=enrollment.pk, evaluation_done_at__isnull=True).update(
        evaluation_done_at=timezone.now()
    )
    return _complete_if_done(Enrollment.objects.get(pk=enrollment.pk))


def _complete_if_done(enrollment: Enrollment) -> Enrollment:
    """Record completion and issue the certificate, exactly once, when all is done.

    The conditional UPDATE makes one of two simultaneous final requests the one
    that completes; the certificate's one-to-one key stops a second certificate.
    """
    steps = [step for step in course_steps(enrollment) if step.key != "certificate"]
    if any(step.state != "done" for step in steps):
        return enrollment
    now = timezone.now()
    completed = Enrollment.objects.filter(
        pk=enrollment.pk, completed_at__isnull=True
    ).update(completed_at=now)
    enrollment.refresh_from_db()
    if completed:
        audit_event_record(
            action=TrainingAction.COMPLETED,
            actor=enrollment.learner,
            target=enrollment,
        )
        learner_completion_record(user=enrollment.learner)
        certificate = certificate_issue(enrollment=enrollment)
        dashboard_message_send(
            recipient=enrollment.learner,
            subject=f"You completed {enrollment.course.title}",
            body=f"You completed {enrollment.course.title}."
            + (
                f" It counts for {enrollment.course.ceus} CEUs."
                if enrollment.course.ceus
                else ""
            )
            + " Your certificate is ready to view and print.",
            link=reverse("qsep:certificate", args=[certificate.code]),
        )
    return enrollment


def certificate_issue(*, enrollment: Enrollment) -> Certificate:
    learner = enrollment.learner
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                enrollment=enrollment,
                learner_name=learner.full_name or learner.get_username(),
                course_title=enrollment.course.title,
                ceus=enrollment.course.ceus,
                issued_at=enrollment.completed_at or timezone.now(),
            )
    except IntegrityError:
        return Certificate.objects.get(enrollment=enrollment)
    audit_event_record(
        action=TrainingAction.CERTIFICATE_ISSUED, actor=learner, target=certificate
    )
    return certificate


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, actor: User, reason: str, request: HttpRequest | None
) -> None:
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.revoke_reason = reason[:300]
        certificate.save(update_fields=["revoked_at", "revoke_reason"])
        audit_event_record(
            action=TrainingAction.CERTIFICATE_REVOKED,
            actor=actor,
            target=certificate,
            request=request,
            details={"reason": reason},
        )


@transaction.atomic
def learner_register(
    *,
    first_name: str,
    last_name: str,
    email: str,
    user_id: str,
    password: str,
    facility: Organization | None,
    request: HttpRequest,
) -> User:
    """A learner account: no identity proofing, two factors optional until a role.

    It signs in once its email address is confirmed, like every account.
    """
    from allauth.account.models import EmailAddress

    from harp.audit import AuditAction

    user = User(
        username=user_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        kind=User.Kind.LEARNER,
        two_factor_required=False,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    learner_profile_ensure(user=user, facility=facility)
    address = EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=False
    )
    audit_event_record(
        action=AuditAction.REGISTERED,
        actor=user,
        target=user,
        request=request,
        details={"kind": "learner", "facility": facility.pk if facility else None},
    )
    address.send_confirmation(request, signup=True)
    return user


@transaction.atomic
def certification_upload(
    *, learner: User, certification: str, upload: Any, request: HttpRequest
) -> CertificationUpload:
    """Keep a certification for review; checked like proofing documents.

    The learner gets a learner profile if they had none: its State Agency says
    which coordinators review the upload.
    """
    from proofing.documents import DocumentRejected, store_checked_upload

    learner_profile_ensure(user=learner)
    record = CertificationUpload(learner=learner, certification=certification)
    try:
        store_checked_upload(record, upload)
    except DocumentRejected as error:
        raise TrainingError(str(error)) from error
    audit_event_record(
        action=TrainingAction.CERTIFICATION_UPLOADED,
        actor=learner,
        target=record,
        request=request,
        details={"certification": certification},
    )
    return record


@transaction.atomic
def certification_review(
    *, record: CertificationUpload, reviewer: User, accept: bool, request: HttpRequest
) -> CertificationUpload:
    """Accept or reject a pending certification; the learner is emailed.

    Only a reviewer whose scope holds the learner may decide it (see
    `selectors.certification_upload_list_for_review`), never their own, and once.
    """
    from harp.emails import send_templated_email

    record = CertificationUpload.objects.select_for_update().get(pk=record.pk)
    if certification_upload_get_for_review(reviewer=reviewer, pk=record.pk) is None:
        # Also checked by the view (404); kept here so no caller skips the scope.
        raise TrainingError("This certification is not one you review.")
    if record.status != CertificationUpload.Status.PENDING:
        raise TrainingError("This certification has already been reviewed.")
    if record.learner_id == reviewer.pk:
        raise TrainingError("Nobody reviews their own certification.")
    record.status = (
        CertificationUpload.Status.ACCEPTED
        if accept
        else CertificationUpload.Status.REJECTED
    )
    record.reviewed_by = reviewer
    record.reviewed_at = timezone.now()
    record.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_event_record(
        action=TrainingAction.CERTIFICATION_REVIEWED,
        actor=reviewer,
        target=record,
        request=request,
        details={"accepted": accept},
    )
    send_templated_email(
        to=record.learner.email,
        subject=f"Your {record.certification} was "
        + ("accepted" if accept else "not accepted"),
        template="qsep/email/certification_reviewed.txt",
        context={"record": record, "accepted": accept},
    )
    dashboard_message_send(
        recipient=record.learner,
        subject=f"Your {record.certification} was "
        + ("accepted" if accept else "not accepted"),
        body=(
            f"A State Training Coordinator accepted your {record.certification}: "
            "the courses that need it are open to you."
            if accept
            else f"A State Training Coordinator did not accept your "
            f"{record.certification}. You may upload it again."
        ),
        link=reverse("qsep:certifications"),
    )
    return record
