from __future__ import annotations

import secrets
from datetime import date

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


class EmploymentType(models.TextChoices):
    STATE_SURVEYOR = "state_surveyor", "State surveyor"
    FEDERAL_SURVEYOR = "federal_surveyor", "Federal surveyor"
    CONTRACT_SURVEYOR = "contract_surveyor", "Contract surveyor"
    OTHER = "other", "Other (not a surveyor)"


# The employment types whose holders review their profile once a year.
SURVEYOR_TYPES = (
    EmploymentType.STATE_SURVEYOR,
    EmploymentType.FEDERAL_SURVEYOR,
    EmploymentType.CONTRACT_SURVEYOR,
)


class LearnerProfile(models.Model):
    """A learner's training record: where they work and what the reports show.

    `state_agency` is the learner's location: the State Agency whose training
    coordinators see them in reports. It is set when the profile is made (from the
    facility's state, a State Agency role, or the home state) and afterwards changed
    only by a help-desk transfer.

    `sort_name`, `user_key`, `facility_sort`, `courses_completed` and
    `last_activity_at` are copies kept for Find by Learner, so that every column
    sorts through an index on (state_agency, column, id) at a million learners;
    `qsep.services.learner_profile_refresh` keeps them true.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner"
    )
    facility = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True
    )
    state_agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learners",
        limit_choices_to={"kind": "state_agency"},
        verbose_name="State Agency",
    )
    sort_name = models.CharField(max_length=320, blank=True)
    user_key = models.CharField(max_length=30, blank=True)
    facility_sort = models.CharField(max_length=220, blank=True)
    courses_completed = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, blank=True
    )
    survey_types = models.ManyToManyField(
        ProviderType,
        blank=True,
        related_name="+",
        verbose_name="provider/survey types",
    )
    profile_reviewed_at = models.DateTimeField(null=True, blank=True)
    # The year of the last annual review email, so a second run sends nothing.
    review_requested_for = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # Covering on PostgreSQL: a name search sorted by another column
            # reads its matches from the index alone, without the table.
            models.Index(
                fields=["state_agency", "sort_name", "id"],
                name="qsep_learner_name_idx",
                include=[
                    "user_key",
                    "facility_sort",
                    "courses_completed",
                    "last_activity_at",
                ],
            ),
            models.Index(
                fields=["state_agency", "user_key", "id"], name="qsep_learner_uid_idx"
            ),
            models.Index(
                fields=["state_agency", "facility_sort", "id"],
                name="qsep_learner_facility_idx",
            ),
            models.Index(
                fields=["state_agency", "courses_completed", "id"],
                name="qsep_learner_done_idx",
            ),
            models.Index(
                fields=["state_agency", "last_activity_at", "id"],
                name="qsep_learner_active_idx",
            ),
            models.Index(
                fields=["review_requested_for", "id"],
                name="qsep_learner_review_idx",
                condition=models.Q(
                    employment_type__in=[
                        "state_surveyor",
                        "federal_surveyor",
                        "contract_surveyor",
                    ]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.facility or 'no facility'}"

    @property
    def is_surveyor(self) -> bool:
        return self.employment_type in SURVEYOR_TYPES


class CoordinatorProxy(models.Model):
    """A coordinator's proxy for another state: they see its learners for a while.

    Granted and ended by admins or the help desk. It is in force from `starts_on`
    to `ends_on` inclusive unless ended early, and expires by itself.
    """

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxies"
    )
    state_agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="proxies",
        limit_choices_to={"kind": "state_agency"},
        verbose_name="State Agency",
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = "coordinator proxy"
        verbose_name_plural = "coordinator proxies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="qsep_proxy_ends_after_start",
                violation_error_message="The end date cannot be before the start date.",
            )
        ]
        indexes = [
            models.Index(fields=["coordinator", "ends_on"], name="qsep_proxy_idx")
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} for {self.state_agency}"

    def in_force(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.ended_at is None and self.starts_on <= on <= self.ends_on


class LearnerTransfer(models.Model):
    """A learner moved by the help desk from one State Agency to another."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers"
    )
    from_agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="from State Agency",
    )
    to_agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="to State Agency",
    )
    reason = models.TextField()
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    transferred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-transferred_at", "-pk"]
        permissions = [
            ("transfer_learner", "Can transfer a learner to another State Agency")
        ]
        indexes = [
            models.Index(
                models.F("transferred_at").desc(),
                models.F("id").desc(),
                name="qsep_transfer_recent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.from_agency or 'none'} to {self.to_agency}"


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
        indexes = [
            # The admin's enrollments of one course, newest first.
            models.Index(fields=["course", "id"], name="qsep_enrollment_course_idx")
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
