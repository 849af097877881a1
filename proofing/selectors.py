"""Reads that proofing's views share."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from harp.helpdesk import count_capped
from harp.models import User
from proofing.models import (
    ManualProofingCase,
    ProofingDocument,
    ProofingRecord,
    RemoteProofingAttempt,
)


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


QUEUE_STATUSES = (
    ManualProofingCase.Status.SUBMITTED,
    ManualProofingCase.Status.IN_REVIEW,
)
QUEUE_PAGE_SIZE = 50
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


@dataclass(frozen=True)
class QueueCursor:
    """The position of a case in the queue's order: when it was submitted, then id.

    In a link it is `<microseconds since 1970>.<id>`; anything else is no cursor
    (the first page). It is not signed: every case it can point at is one the
    help desk may see anyway.
    """

    submitted_at: datetime.datetime
    pk: int

    @classmethod
    def of(cls, case: QueueCase) -> QueueCursor:
        return cls(submitted_at=case.submitted_at, pk=case.pk)

    @classmethod
    def parse(cls, text: str) -> QueueCursor | None:
        micros, _, pk = text.partition(".")
        if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
            return None
        try:
            return cls(submitted_at=_EPOCH + int(micros) * _MICROSECOND, pk=int(pk))
        except OverflowError:  # after the year 9999
            return None

    def __str__(self) -> str:
        return f"{(self.submitted_at - _EPOCH) // _MICROSECOND}.{self.pk}"

    def after(self) -> Q:
        # The first condition lets the index scan start at the cursor; the second
        # breaks ties between cases submitted in the same microsecond.
        return Q(submitted_at__gte=self.submitted_at) & (
            Q(submitted_at__gt=self.submitted_at) | Q(pk__gt=self.pk)
        )

    def before(self) -> Q:
        return Q(submitted_at__lte=self.submitted_at) & (
            Q(submitted_at__lt=self.submitted_at) | Q(pk__lt=self.pk)
        )


@dataclass(frozen=True)
class QueueCase:
    """What the queue shows of one case (read as values, not model instances)."""

    pk: int
    public_id: uuid.UUID
    status: str
    submitted_at: datetime.datetime
    username: str
    first_name: str
    last_name: str
    state: str
    claimed_by: str  # the agent's user ID, or ""
    document_count: int

    @property
    def status_label(self) -> str:
        return str(ManualProofingCase.Status(self.status).label)


@dataclass(frozen=True)
class ManualCaseQueuePage:
    """One page of the queue. `count` is capped (harp.helpdesk.count_capped)."""

    cases: list[QueueCase]
    count: int
    next_cursor: QueueCursor | None
    previous_cursor: QueueCursor | None


def _queue(*, state: str) -> QuerySet[ManualProofingCase]:
    cases = ManualProofingCase.objects.filter(status__in=QUEUE_STATUSES)
    if state:
        cases = cases.filter(user__state=state)
    return cases


def manual_case_queue(*, state: str = "") -> QuerySet[ManualProofingCase]:
    """Cases waiting for or in review, oldest first (the queue's order and index)."""
    return _queue(state=state).order_by("submitted_at", "pk")


def _queue_rows(cases: QuerySet[ManualProofingCase]) -> list[QueueCase]:
    """Only the columns the list shows: no encrypted field is read or decrypted,
    and the documents are counted by a subquery for the page's rows only."""
    documents = (
        ProofingDocument.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return [
        QueueCase(*row)
        for row in cases.annotate(
            document_count=Coalesce(Subquery(documents), 0)
        ).values_list(
            "pk",
            "public_id",
            "status",
            "submitted_at",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__state",
            Coalesce("claimed_by__username", Value("")),
            "document_count",
        )
    ]


def manual_case_queue_page(
    *,
    state: str = "",
    after: QueueCursor | None = None,
    before: QueueCursor | None = None,
    size: int = QUEUE_PAGE_SIZE,
) -> ManualCaseQueuePage:
    """One page of the queue by keyset, after or before a case; two queries.

    The partial index proofing_case_queue_idx holds exactly the queue's cases in
    its order, so a page reads `size + 1` entries of it wherever it starts, and
    the count reads at most `COUNT_CAP + 1`: neither grows with the queue.
    """
    cases = manual_case_queue(state=state)
    if before is not None:
        rows = _queue_rows(cases.filter(before.before()).reverse()[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
    else:
        if after is not None:
            cases = cases.filter(after.after())
        rows = _queue_rows(cases[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after is not None
    if not rows and (after is not None or before is not None):
        # Every case past the cursor was decided since: start again at the oldest.
        return manual_case_queue_page(state=state, size=size)
    return ManualCaseQueuePage(
        cases=rows,
        count=count_capped(_queue(state=state).order_by()),
        next_cursor=QueueCursor.of(rows[-1]) if rows and has_next else None,
        previous_cursor=QueueCursor.of(rows[0]) if rows and has_previous else None,
    )


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
