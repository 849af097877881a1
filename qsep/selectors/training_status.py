"""The Training status report and each learner's course statuses.

For a training plan and one State Agency: completed (every course of the plan
completed), in progress (some of its courses in My Training, not all completed),
not started (none). Counted with one correlated aggregate per column over the
enrollments of the plan's courses (the unique index on (learner, course)), in one
statement per page, keyset-paginated by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from harp.models import User
from qsep.models import Enrollment, LearnerProfile, PlanCourse, TrainingPlan
from qsep.selectors.report_scope import (
    EXPORT_BATCH,
    PAGE_SIZE,
    Agency,
    Cursor,
    Position,
    cursor_read,
    row_compare,
)


@dataclass(frozen=True)
class CourseStatus:
    enrollment: Enrollment
    status: str  # "completed", "in_progress" or "not_started"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def learner_course_statuses(*, learner: User) -> list[CourseStatus]:
    """The training status of every course in the learner's My Training: one query.

    In progress: any step begun (the pre-test, a module, a post-test attempt);
    completed: the completion date is set.
    """
    from django.db.models import Exists

    from qsep.models import ModuleProgress, TestAttempt

    enrollments = (
        Enrollment.objects.filter(learner=learner)
        .select_related("course")
        .annotate(
            module_begun=Exists(
                ModuleProgress.objects.filter(enrollment_id=OuterRef("pk"))
            ),
            attempt_begun=Exists(
                TestAttempt.objects.filter(enrollment_id=OuterRef("pk"))
            ),
        )
        .order_by("course__title", "pk")
    )
    statuses = []
    for enrollment in enrollments:
        if enrollment.completed_at is not None:
            status = "completed"
        elif (
            enrollment.pretest_done_at
            or enrollment.posttest_passed_at
            or enrollment.module_begun
            or enrollment.attempt_begun
        ):
            status = "in_progress"
        else:
            status = "not_started"
        statuses.append(CourseStatus(enrollment=enrollment, status=status))
    return statuses


# --- Training status -----------------------------------------------------------

STATUS_LABELS = {
    "completed": "Completed",
    "in_progress": "In progress",
    "not_started": "Not started",
}
STATUS_SORT = "name"


@dataclass
class StatusPage:
    rows: list[LearnerProfile]
    plan_size: int
    start: int = 0
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0


def plan_course_ids(*, plan: TrainingPlan) -> list[int]:
    return list(
        PlanCourse.objects.filter(plan=plan)
        .order_by("position", "pk")
        .values_list("course_id", flat=True)
    )


def _status_profiles(
    *, agency: Agency, course_ids: list[int], status: str
) -> QuerySet[LearnerProfile]:
    """The agency's learners with `plan_enrolled` and `plan_done`: how many of the
    plan's courses each has in My Training and has completed, counted over
    enrollments in one correlated aggregate per column (no query per row)."""
    enrollments = (
        Enrollment.objects.filter(
            learner_id=OuterRef("user_id"), course_id__in=course_ids
        )
        .order_by()
        .values("learner_id")
    )
    enrolled = enrollments.annotate(n=Count("pk")).values("n")
    done = enrollments.annotate(
        n=Count("pk", filter=Q(completed_at__isnull=False))
    ).values("n")
    size = len(course_ids)
    profiles = LearnerProfile.objects.filter(state_agency_id=agency.id).annotate(
        plan_enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0),
        plan_done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
    )
    if status == "completed":
        profiles = profiles.filter(plan_done__gte=size) if size else profiles.none()
    elif status == "in_progress":
        profiles = profiles.filter(plan_enrolled__gt=0, plan_done__lt=size)
    elif status == "not_started":
        profiles = profiles.filter(plan_enrolled=0)
    return profiles


def learner_plan_status(profile: LearnerProfile, plan_size: int) -> str:
    done = profile.plan_done  # type: ignore[attr-defined]
    if plan_size and done >= plan_size:
        return "completed"
    if profile.plan_enrolled:  # type: ignore[attr-defined]
        return "in_progress"
    return "not_started"


def _status_slice(
    *,
    agency: Agency,
    course_ids: list[int],
    status: str,
    ascending: bool,
    after: Position | None,
    limit: int,
) -> list[LearnerProfile]:
    profiles = _status_profiles(agency=agency, course_ids=course_ids, status=status)
    if after is not None:
        profiles = profiles.filter(
            row_compare(
                ("sort_name", "id"),
                (after.value, Value(after.id, BigIntegerField())),
                ">" if ascending else "<",
            )
        )
    order = ("sort_name", "id") if ascending else ("-sort_name", "-id")
    return list(profiles.select_related("user", "facility").order_by(*order)[:limit])


def training_status_page(
    *,
    agency: Agency,
    plan: TrainingPlan,
    status: str = "",
    cursor: str = "",
    per_page: int = PAGE_SIZE,
) -> StatusPage:
    """One page, by name, of the agency's learners with their status in the plan:
    completed (every course of the plan completed), in progress (some of its
    courses in My Training, not all completed), not started (none of them)."""
    course_ids = plan_course_ids(plan=plan)
    report = f"status:{plan.pk}:{agency.id}:{status}"
    position, forward, offset = None, True, 0
    if cursor:
        read = cursor_read(cursor, report=report, sort=STATUS_SORT)
        position, forward, offset = read.position, read.forward, read.offset
    rows = _status_slice(
        agency=agency,
        course_ids=course_ids,
        status=status,
        ascending=forward,
        after=position,
        limit=per_page + 1,
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
    for profile in rows:
        status_key = learner_plan_status(profile, len(course_ids))
        profile.plan_status = STATUS_LABELS[status_key]  # type: ignore[attr-defined]
    page = StatusPage(rows=rows, plan_size=len(course_ids))
    if not rows:
        return page
    if forward:
        has_next, has_previous = more, position is not None
    else:
        has_next, has_previous = True, more
        if not more:
            offset = 0
    page.start = offset + 1

    def position_of(profile: LearnerProfile) -> Position:
        return Position(value=profile.sort_name, id=profile.pk)

    if has_next:
        page.next_cursor = Cursor(
            report, STATUS_SORT, True, position_of(rows[-1]), offset + per_page
        ).sign()
    if has_previous:
        page.previous_cursor = Cursor(
            report,
            STATUS_SORT,
            False,
            position_of(rows[0]),
            max(offset - per_page, 0),
        ).sign()
    return page


def training_status_export(
    *, agency: Agency, plan: TrainingPlan, status: str = "", batch: int = EXPORT_BATCH
) -> Iterator[tuple[LearnerProfile, str]]:
    """Every learner of the report with their status, `batch` rows at a time."""
    course_ids = plan_course_ids(plan=plan)
    position: Position | None = None
    while True:
        rows = _status_slice(
            agency=agency,
            course_ids=course_ids,
            status=status,
            ascending=True,
            after=position,
            limit=batch,
        )
        for profile in rows:
            yield profile, learner_plan_status(profile, len(course_ids))
        if len(rows) < batch:
            return
        position = Position(value=rows[-1].sort_name, id=rows[-1].pk)
