from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from iqies_roles.models import Organization
from proofing.documents import document_path, private_storage


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ProviderType(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    """A course: pre-test, content modules, post-test and evaluation, in that order."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    duration_minutes = models.PositiveIntegerField(default=60)
    ceus = models.DecimalField("CEUs", max_digits=4, decimal_places=1, default=0)
    categories = models.ManyToManyField(Category, blank=True, related_name="courses")
    provider_types = models.ManyToManyField(
        ProviderType, blank=True, related_name="courses"
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        help_text="Courses the learner must have completed first.",
    )
    required_certification = models.CharField(
        max_length=100,
        blank=True,
        help_text="A certification the learner uploads and a coordinator accepts "
        "before the course opens, e.g. 'Fire Inspector certification'.",
    )
    passing_score = models.PositiveSmallIntegerField(
        default=80, help_text="Percent of post-test questions answered right to pass."
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="Post-test attempts allowed."
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Draw this many questions for each attempt; empty asks them all.",
    )
    shuffle_questions = models.BooleanField(default=True)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="The module's text in HTML: headings from h2, paragraphs, lists, "
        "links, emphasis, tables, images over https, figures, quotations and code. "
        "Anything else (scripts, frames, styles, event handlers) is removed when "
        "the module is saved."
    )
    video_url = models.URLField(blank=True, help_text="An embeddable video address.")
    pdf = models.FileField(upload_to="training/modules/", blank=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "position"], name="qsep_module_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.position}. {self.title}"


class TestKind(models.TextChoices):
    PRE = "pre", "Pre-test"
    POST = "post", "Post-test"


class Question(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="questions"
    )
    test = models.CharField(max_length=4, choices=TestKind.choices)
    position = models.PositiveSmallIntegerField(default=1)
    text = models.TextField()

    class Meta:
        ordering = ["course", "test", "position"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "pk"]

    def __str__(self) -> str:
        return self.text


class EvaluationQuestion(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", "Rating from 1 to 5"
        TEXT = "text", "Free text"

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="evaluation_questions"
    )
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RATING)

    class Meta:
        ordering = ["course", "position"]

    def __str__(self) -> str:
        return self.text


class TrainingPlan(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    courses: models.ManyToManyField[Course, PlanCourse] = models.ManyToManyField(
        Course, through="PlanCourse", related_name="plans"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PlanCourse(models.Model):
    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE)
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="qsep_plan_course")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.position}. {self.course}"


class LearnerProfile(models.Model):
    """Where a learner works, found by CCN or ZIP at sign-up (or none)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner"
    )
    facility = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.facility or 'no facility'}"


class Enrollment(models.Model):
    """A course in a learner's My Training, with where they are in it."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    pretest_done_at = models.DateTimeField(null=True, blank=True)
    posttest_passed_at = models.DateTimeField(null=True, blank=True)
    evaluation_done_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"], name="qsep_one_enrollment_per_course"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.course}"


class ModuleProgress(models.Model):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="module_progress"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "module"], name="qsep_module_done_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment}: {self.module} done"


class TestAttempt(models.Model):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="attempts"
    )
    test = models.CharField(max_length=4, choices=TestKind.choices)
    number = models.PositiveSmallIntegerField()
    # The questions drawn for this attempt, in the order shown.
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["enrollment", "test", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "test", "number"], name="qsep_attempt_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment}: {self.get_test_display()} attempt {self.number}"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(
        TestAttempt, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="qsep_one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.choice}"


class EvaluationResponse(models.Model):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="evaluation_responses"
    )
    question = models.ForeignKey(EvaluationQuestion, on_delete=models.CASCADE)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "question"], name="qsep_one_response"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment}: {self.question}"


def certificate_code() -> str:
    # Unambiguous characters, 12 of them: about 60 bits, not guessable.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Certificate(models.Model):
    """Issued once per completed enrollment; names and title kept as issued."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=12, unique=True, default=certificate_code)
    learner_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=200)
    ceus = models.DecimalField(max_digits=4, decimal_places=1)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code}: {self.learner_name}, {self.course_title}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CertificationUpload(models.Model):
    """A certification a course requires, uploaded by the learner for review."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Not accepted"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    certification = models.CharField(max_length=100)
    file = models.FileField(storage=private_storage, upload_to=document_path)
    content_type = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        permissions = [
            ("review_certification", "Can accept or reject uploaded certifications")
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.certification} ({self.get_status_display()})"
