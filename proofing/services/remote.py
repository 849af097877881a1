"""Remote identity proofing: starting question sets, scoring, reference numbers.

Rules kept here: only SSNs the vendor accepts; one account per person (by the SSN's
keyed fingerprint); at most `PROOFING_MAX_ATTEMPTS` question sets per account or
registration, per identity and per SSN fingerprint within `PROOFING_ATTEMPT_WINDOW`
seconds; a set left idle `PROOFING_QUESTION_TIMEOUT` seconds expires and still
counts; a retry never repeats a question already failed (NIST SP 800-63A).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from harp.lockout import Lockout
from harp.models import User
from harp.services import audit_event_record
from proofing.audit import ProofingAction
from proofing.models import ProofingRecord, RemoteProofingAttempt
from proofing.vendors import get_vendor
from proofing.vendors.base import Identity, Refusal

reference_lockout = Lockout("proofing-reference")


class ProofingError(Exception):
    """Remote proofing cannot go on; the message says why and what to do instead."""


def ssn_digits(ssn: str) -> str:
    return "".join(ch for ch in ssn if ch.isdigit())


def ssn_fingerprint(ssn: str) -> str:
    """A keyed hash of the SSN: equal for the same SSN, useless without the key."""
    return hmac.new(
        settings.SSN_FINGERPRINT_KEY.encode(), ssn_digits(ssn).encode(), hashlib.sha256
    ).hexdigest()


def identity_key(identity: Identity) -> str:
    material = "|".join(
        [identity.last_name, identity.date_of_birth.isoformat(), identity.zip_code[:5]]
    ).casefold()
    return hashlib.sha256(material.encode()).hexdigest()


def _subject(*, user: User | None, registration_key: str) -> Q:
    return Q(user=user) if user is not None else Q(registration_key=registration_key)


def _locked_message() -> str:
    hours = settings.PROOFING_ATTEMPT_WINDOW // 3600
    return (
        f"Remote proofing is locked: you have used {settings.PROOFING_MAX_ATTEMPTS} "
        f"question sets in the last {hours} hours. You can call the vendor and enter "
        "the reference number they give you, prove your identity with documents "
        "(manual proofing), or try again later."
    )


def remote_proofing_start(
    *,
    identity: Identity,
    request: HttpRequest,
    user: User | None = None,
    registration_key: str = "",
) -> RemoteProofingAttempt:
    """Ask the vendor for a question set for this identity, within the limits."""
    vendor = get_vendor()
    problem = vendor.ssn_problem(identity.ssn)
    if problem:
        raise ProofingError(problem)
    fingerprint = ssn_fingerprint(identity.ssn)
    others = ProofingRecord.objects.filter(ssn_fingerprint=fingerprint)
    if user is not None:
        others = others.exclude(user=user)
    if others.exists():
        audit_event_record(
            action=ProofingAction.DUPLICATE_IDENTITY,
            actor=user,
            target=user,
            request=request,
        )
        raise ProofingError(
            "An account already exists for this person. Sign in to that account, or "
            f"call the help desk at {settings.HELP_DESK_PHONE} if you cannot."
        )
    since = timezone.now() - datetime.timedelta(
        seconds=settings.PROOFING_ATTEMPT_WINDOW
    )
    recent = RemoteProofingAttempt.objects.filter(started_at__gte=since)
    key = identity_key(identity)
    for scope in (
        _subject(user=user, registration_key=registration_key),
        Q(identity_key=key),
        Q(ssn_fingerprint=fingerprint),
    ):
        if recent.filter(scope).count() >= settings.PROOFING_MAX_ATTEMPTS:
            audit_event_record(
                action=ProofingAction.REMOTE_LOCKED,
                actor=user,
                target=user,
                request=request,
            )
            raise ProofingError(_locked_message())

    failed_before = set()
    for ids in RemoteProofingAttempt.objects.filter(
        _subject(user=user, registration_key=registration_key)
        | Q(ssn_fingerprint=fingerprint)
    ).values_list("failed_question_ids", flat=True):
        failed_before.update(ids)
    result = vendor.start(identity, exclude_question_ids=failed_before)

    status = RemoteProofingAttempt.Status.OPEN
    if result.refusal == Refusal.NO_QUESTIONS:
        status = RemoteProofingAttempt.Status.NO_QUESTIONS
    elif result.refusal == Refusal.FRAUD:
        status = RemoteProofingAttempt.Status.FRAUD
    now = timezone.now()
    attempt = RemoteProofingAttempt.objects.create(
        user=user,
        registration_key=registration_key,
        ssn_fingerprint=fingerprint,
        identity_key=key,
        ssn_last4=ssn_digits(identity.ssn)[-4:],
        vendor=vendor.name,
        session_ref=result.session_ref,
        questions=[asdict(question) for question in result.questions],
        status=status,
        started_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.PROOFING_QUESTION_TIMEOUT),
        finished_at=None if status == RemoteProofingAttempt.Status.OPEN else now,
    )
    audit_event_record(
        action=ProofingAction.REMOTE_STARTED,
        actor=user,
        target=attempt,
        request=request,
        details={"status": status, "vendor": vendor.name},
    )
    return attempt


@transaction.atomic
def remote_proofing_answer(
    *, attempt: RemoteProofingAttempt, answers: dict[str, str], request: HttpRequest
) -> RemoteProofingAttempt:
    """Score a question set once. Late answers expire it; a pass proves the user."""
    attempt = RemoteProofingAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status != RemoteProofingAttempt.Status.OPEN:
        return attempt
    attempt.finished_at = timezone.now()
    if attempt.is_expired:
        attempt.status = RemoteProofingAttempt.Status.EXPIRED
        attempt.failed_question_ids = [question["id"] for question in attempt.questions]
    else:
        result = get_vendor().score(attempt.session_ref, answers)
        attempt.status = (
            RemoteProofingAttempt.Status.PASSED
            if result.passed
            else RemoteProofingAttempt.Status.FAILED
        )
        attempt.failed_question_ids = result.failed_question_ids
    attempt.save(update_fields=["status", "failed_question_ids", "finished_at"])
    audit_event_record(
        action=ProofingAction.REMOTE_PASSED
        if attempt.status == RemoteProofingAttempt.Status.PASSED
        else ProofingAction.REMOTE_FAILED,
        actor=attempt.user,
        target=attempt,
        request=request,
        details={"status": attempt.status},
    )
    if attempt.status == RemoteProofingAttempt.Status.PASSED and attempt.user:
        _proofed_by(attempt, user=attempt.user, method=ProofingRecord.Method.REMOTE)
    return attempt


@transaction.atomic
def remote_proofing_reference(
    *,
    attempt: RemoteProofingAttempt,
    reference_number: str,
    request: HttpRequest,
) -> bool:
    """Prove the person with the reference number the vendor gave them by phone."""
    who = str(attempt.user_id or attempt.registration_key)
    if reference_lockout.is_locked(who):
        raise ProofingError(
            "Too many wrong reference numbers. Try again later, or use manual proofing."
        )
    if not attempt.session_ref or not get_vendor().check_reference_number(
        attempt.session_ref, reference_number
    ):
        reference_lockout.register_failure(who)
        audit_event_record(
            action=ProofingAction.REFERENCE_FAILED,
            actor=attempt.user,
            target=attempt,
            request=request,
        )
        return False
    attempt.status = RemoteProofingAttempt.Status.REFERENCE_PASSED
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["status", "finished_at"])
    audit_event_record(
        action=ProofingAction.REFERENCE_PASSED,
        actor=attempt.user,
        target=attempt,
        request=request,
    )
    if attempt.user:
        _proofed_by(
            attempt, user=attempt.user, method=ProofingRecord.Method.PHONE_REFERENCE
        )
    return True


def _proofed_by(attempt: RemoteProofingAttempt, *, user: User, method: str) -> None:
    mark_proofed(
        user=user,
        method=method,
        ssn_fingerprint=attempt.ssn_fingerprint,
        ssn_last4=attempt.ssn_last4,
    )


PROOFED_STATUSES = (
    RemoteProofingAttempt.Status.PASSED,
    RemoteProofingAttempt.Status.REFERENCE_PASSED,
)


@transaction.atomic
def proofing_registration_complete(
    *, user: User, registration_key: str, request: HttpRequest
) -> None:
    """The account now exists: give it its registration's attempts and their result."""
    RemoteProofingAttempt.objects.filter(
        registration_key=registration_key, user__isnull=True
    ).update(user=user)
    passed = (
        RemoteProofingAttempt.objects.filter(user=user, status__in=PROOFED_STATUSES)
        .order_by("-finished_at")
        .first()
    )
    if passed is not None:
        method = (
            ProofingRecord.Method.REMOTE
            if passed.status == RemoteProofingAttempt.Status.PASSED
            else ProofingRecord.Method.PHONE_REFERENCE
        )
        _proofed_by(passed, user=user, method=method)


def mark_proofed(
    *,
    user: User,
    method: str,
    ssn_fingerprint: str = "",
    ssn_last4: str = "",
    actor: User | None = None,
) -> None:
    """Record that the user's identity is proved, and how."""
    now = timezone.now()
    defaults: dict[str, object] = {"method": method, "proofed_at": now}
    if ssn_fingerprint:
        defaults["ssn_fingerprint"] = ssn_fingerprint
    if ssn_last4:
        defaults["ssn_last4"] = ssn_last4
    ProofingRecord.objects.update_or_create(user=user, defaults=defaults)
    user.identity_proofed_at = now
    user.two_factor_required = True
    user.save(update_fields=["identity_proofed_at", "two_factor_required"])
    audit_event_record(
        action=ProofingAction.IDENTITY_PROOFED,
        actor=actor or user,
        target=user,
        details={"method": method},
    )
