"""Reads that proofing's views share."""

from __future__ import annotations

from django.db.models import Q

from harp.models import User
from proofing.models import RemoteProofingAttempt


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
