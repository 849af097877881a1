"""Reads that proofing's views share."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from harp.models import User
from proofing.models import ManualProofingCase, RemoteProofingAttempt


def remote_proofing_current(
    *, user: User | None, registration_key: str
) -> RemoteProofingAttempt | None:
    """The latest attempt of this account or registration, if any."""
    return (
        RemoteProofingAttempt.objects.filter(
            Q(user=user) if user is not None else Q(registration_key=registration_key)
        )
        .order_by("-started_at")
        .first()
    )


def manual_case_queue(*, state: str = "") -> QuerySet[ManualProofingCase]:
    """Cases waiting for or in review, oldest first, with what the list shows."""
    cases = (
        ManualProofingCase.objects.filter(
            status__in=[
                ManualProofingCase.Status.SUBMITTED,
                ManualProofingCase.Status.IN_REVIEW,
            ]
        )
        .select_related("user", "claimed_by")
        .annotate(document_count=Count("documents"))
        .order_by("submitted_at", "pk")
    )
    if state:
        cases = cases.filter(user__state=state)
    return cases


def manual_case_latest(*, user: User) -> ManualProofingCase | None:
    return (
        ManualProofingCase.objects.filter(user=user)
        .prefetch_related("documents")
        .order_by("-created_at")
        .first()
    )
