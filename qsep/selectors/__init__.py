"""Reads for the training pages, each with a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from harp.models import User
from iqies_roles.models import Organization, OrganizationKind, RoleAssignment
from qsep.models import (
    Certificate,
    CertificationUpload,
    CoordinatorProxy,
    Course,
    Enrollment,
    Module,
    ModuleProgress,
)

# The role that makes its holder the training coordinator of a State Agency's state.
STATE_TRAINING_COORDINATOR_ROLE = "qsep-state-training-coordinator"


def catalog_search(
    *,
    text: str = "",
    category: int | None = None,
    provider_type: int | None = None,
    min_ceus: Decimal | None = None,
) -> QuerySet[Course]:
    """Published courses; with text, title matches come before description matches."""
    courses = Course.objects.filter(is_published=True)
    if text:
        courses = courses.filter(
            Q(title__icontains=text) | Q(description__icontains=text)
        ).annotate(
            title_match=Case(
                When(title__icontains=text, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        ordering = ["title_match", "title"]
    else:
        ordering = ["title"]
    # EXISTS, not a join: a course is listed once without DISTINCT, whose sort
    # over every column of every match would come before the page is cut.
    if category:
        courses = courses.filter(
            Exists(
                Course.categories.through.objects.filter(
                    course_id=OuterRef("pk"), category_id=category
                )
            )
        )
    if provider_type:
        courses = courses.filter(
            Exists(
                Course.provider_types.through.objects.filter(
                    course_id=OuterRef("pk"), providertype_id=provider_type
                )
            )
        )
    if min_ceus is not None:
        courses = courses.filter(ceus__gte=min_ceus)
    return courses.prefetch_related("categories").order_by(*ordering, "pk")


def my_training_list(*, learner: User) -> QuerySet[Enrollment, Any]:
    """The learner's courses with their module progress, as values, in one query.

    The two counts are subqueries through the indexes on (course, position) and
    (enrollment, module): a join and GROUP BY here would read every module and
    progress row of every course first. Only the values My Training shows are
    read (`qsep.table_rows.my_training_rows`).
    """
    module_count = (
        Module.objects.filter(course=OuterRef("course_id"))
        .order_by()
        .values("course")
        .annotate(n=Count("*"))
        .values("n")
    )
    modules_done = (
        ModuleProgress.objects.filter(enrollment=OuterRef("pk"))
        .order_by()
        .values("enrollment")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Enrollment.objects.filter(learner=learner)
        .annotate(
            module_count=Coalesce(Subquery(module_count), 0),
            modules_done=Coalesce(Subquery(modules_done), 0),
            # Flags and a date, not timestamps: parsing 600 of them a page costs
            # more than the query.
            pretest_done=_is_set("pretest_done_at"),
            posttest_passed=_is_set("posttest_passed_at"),
            completed_on=TruncDate("completed_at"),
        )
        .order_by("completed_at", "-created_at")
        .values(
            "course__title",
            "course__slug",
            "pretest_done",
            "posttest_passed",
            "completed_on",
            "module_count",
            "modules_done",
        )
    )


def _is_set(field: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        Q(**{f"{field}__isnull": False}), output_field=BooleanField()
    )


def transcript_list(*, learner: User) -> QuerySet[Enrollment, Any]:
    """The learner's completed courses, newest first, as the values the transcript
    shows (`qsep.table_rows.transcript_rows`)."""
    return (
        Enrollment.objects.filter(learner=learner, completed_at__isnull=False)
        .annotate(completed_on=TruncDate("completed_at"))
        .order_by("-completed_at")
        .values("course__title", "course__ceus", "completed_on", "certificate__code")
    )


def certificate_get(*, code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("enrollment__learner", "enrollment__course")
        .filter(code=code.strip().upper())
        .first()
    )


def _proxy_states_in_force(coordinator: User) -> QuerySet[CoordinatorProxy, str]:
    today = timezone.localdate()
    still_coordinator = RoleAssignment.objects.active().filter(
        user=OuterRef("coordinator_id"),
        role__code=STATE_TRAINING_COORDINATOR_ROLE,
        organization__kind=OrganizationKind.STATE_AGENCY,
    )
    return (
        CoordinatorProxy.objects.filter(
            Exists(still_coordinator),
            coordinator=coordinator,
            ended_at__isnull=True,
            starts_on__lte=today,
            ends_on__gte=today,
        )
        .order_by()
        .values_list("state_agency__state", flat=True)
    )


def coordinator_proxy_states(*, coordinator: User) -> set[str]:
    """The states of the proxies this user holds in force today (one query).

    A proxy is in force from its start date to its end date inclusive unless it
    was ended early, so it stops by itself; it counts only while its holder is
    still a State Training Coordinator somewhere (an active role), since the
    proxy widens a coordinator's scope and gives none to anyone else. Every scoped
    coordinator read (certification review, Find by Learner) widens with it
    through `coordinator_states`.
    """
    return {state for state in _proxy_states_in_force(coordinator) if state}


def coordinator_states(*, coordinator: User) -> set[str] | None:
    """The states whose learners this user coordinates; None means every state.

    A superuser has every state. Anyone else has the states of the State Agencies
    where they hold an active State Training Coordinator role assignment, plus
    their proxy states (`coordinator_proxy_states`), read together in one query.
    Holding the `qsep.review_certification` permission alone (a group, an admin's
    grant) gives no state.
    """
    if coordinator.is_superuser:
        return None
    states = _own_states(coordinator).union(_proxy_states_in_force(coordinator))
    return {state for state in states if state}


def _own_states(coordinator: User) -> QuerySet[RoleAssignment, str]:
    return (
        RoleAssignment.objects.active()
        .filter(
            user=coordinator,
            role__code=STATE_TRAINING_COORDINATOR_ROLE,
            organization__kind=OrganizationKind.STATE_AGENCY,
        )
        .order_by()
        .values_list("organization__state", flat=True)
    )


def coordinator_agencies(*, coordinator: User) -> QuerySet[Organization]:
    """The State Agencies of `coordinator_states`, as one query to read: every
    State Agency for a superuser, else those of the user's own and proxy states."""
    agencies = Organization.objects.filter(kind=OrganizationKind.STATE_AGENCY)
    if coordinator.is_superuser:
        return agencies
    return agencies.filter(
        Q(state__in=_own_states(coordinator))
        | Q(state__in=_proxy_states_in_force(coordinator))
    ).exclude(state="")


def certification_upload_list_for_review(
    *, reviewer: User
) -> QuerySet[CertificationUpload]:
    """Every certification upload this reviewer may open and decide, any status.

    Scope: the reviewer needs `qsep.review_certification`; a superuser sees every
    learner, anyone else the learners whose State Agency (LearnerProfile.
    state_agency, chosen when the profile is made and changed by transfers) is in
    one of `coordinator_states`, which includes proxy states. Nobody sees their own
    uploads. Each row carries `learner_state`.
    """
    uploads = CertificationUpload.objects.annotate(
        learner_state=F("learner__learner__state_agency__state")
    )
    if not reviewer.has_perm("qsep.review_certification"):
        return uploads.none()
    states = coordinator_states(coordinator=reviewer)
    if states is not None:
        uploads = uploads.filter(learner_state__in=sorted(states))
    return uploads.exclude(learner=reviewer).select_related("learner")


def certification_upload_list_pending(
    *, reviewer: User
) -> QuerySet[CertificationUpload]:
    """The reviewer's queue: uploads waiting for review, oldest first."""
    return (
        certification_upload_list_for_review(reviewer=reviewer)
        .filter(status=CertificationUpload.Status.PENDING)
        .order_by("uploaded_at", "pk")
    )


def certification_upload_get_for_review(
    *, reviewer: User, pk: int
) -> CertificationUpload | None:
    """One upload within the reviewer's scope, or None (the page answers 404)."""
    return certification_upload_list_for_review(reviewer=reviewer).filter(pk=pk).first()
