"""Reads that proofing's views share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from harp.models import User
from proofing.models import ManualProofingCase, ProofingRecord, RemoteProofingAttempt


def remote_proofing_current(
    *, user: User | None, registration_key: str, identity_digest: str
) -> RemoteProofingAttempt | None:
    """The latest attempt of this account or registration for its current details.

    An attempt made for a name, date of birth or address since changed is history:
    its questions cannot be answered and its pass proves nothing.
    """
    return (
        RemoteProofingAttempt.objects.filter(
            Q(user=user) if user is not None else Q(registration_key=registration_key),
            identity_digest=identity_digest,
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


@dataclass(frozen=True)
class PersonMatch:
    """Another account that may belong to the person of a manual-proofing case."""

    user: User
    reasons: tuple[str, ...]

    @property
    def proofed(self) -> bool:
        return self.user.is_identity_proofed


MATCH_CANDIDATES = 50
# What a namesake's row is read for: its date of birth, and what the case page shows.
MATCH_FIELDS = (
    "username",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "identity_proofed_at",
)


def manual_case_matches(*, case: ManualProofingCase) -> list[PersonMatch]:
    """Accounts that share this case's person's SSN or name and date of birth.

    The SSN match uses the keyed fingerprints of the SSNs the person gave to remote
    proofing. Dates of birth are encrypted with a random nonce, so no index finds
    them: every account with the same first and last name (index
    harp_user_name_ci_idx) is read, only the columns in MATCH_FIELDS. Three
    queries, whatever the data; no namesake is left unchecked, however common the
    name.
    """
    person = case.user
    reasons: dict[int, list[str]] = {}
    users: dict[int, User] = {}
    fingerprints = set(
        RemoteProofingAttempt.objects.filter(user=person)
        .exclude(ssn_fingerprint="")
        .values_list("ssn_fingerprint", flat=True)[:MATCH_CANDIDATES]
    )
    if fingerprints:
        for record in (
            ProofingRecord.objects.filter(ssn_fingerprint__in=fingerprints)
            .exclude(user=person)
            .select_related("user")[:MATCH_CANDIDATES]
        ):
            users[record.user_id] = record.user
            reasons.setdefault(record.user_id, []).append("same SSN")
    if person.date_of_birth is not None:
        namesakes = (
            User.objects.filter(
                first_name__iexact=person.first_name,
                last_name__iexact=person.last_name,
            )
            .exclude(pk=person.pk)
            .only(*MATCH_FIELDS)
        )
        for other in namesakes.iterator(chunk_size=2000):
            if other.date_of_birth == person.date_of_birth:
                users.setdefault(other.pk, other)
                reasons.setdefault(other.pk, []).append("same name and date of birth")
    return [
        PersonMatch(user=users[pk], reasons=tuple(reasons[pk])) for pk in sorted(users)
    ]
