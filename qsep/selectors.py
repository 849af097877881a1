"""Reads for the training pages, each with a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from harp.models import User
from qsep.models import Certificate, Course, Enrollment


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
    if category:
        courses = courses.filter(categories=category)
    if provider_type:
        courses = courses.filter(provider_types=provider_type)
    if min_ceus is not None:
        courses = courses.filter(ceus__gte=min_ceus)
    return courses.prefetch_related("categories").order_by(*ordering).distinct()


def my_training_list(*, learner: User) -> QuerySet[Enrollment]:
    """The learner's courses with module progress counted in the same query."""
    return (
        Enrollment.objects.filter(learner=learner)
        .select_related("course", "certificate")
        .annotate(
            module_count=Count("course__modules", distinct=True),
            modules_done=Count("module_progress", distinct=True),
        )
        .order_by("completed_at", "-created_at")
    )


def transcript_list(*, learner: User) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(learner=learner, completed_at__isnull=False)
        .select_related("course", "certificate")
        .order_by("-completed_at")
    )


def certificate_get(*, code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("enrollment__learner", "enrollment__course")
        .filter(code=code.strip().upper())
        .first()
    )
