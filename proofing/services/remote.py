"""Remote identity proofing: starting question sets, scoring, reference numbers.

Rules kept here: the identity proofed is the account's own (name, date of birth and
address come from the profile, only the SSN is typed); only SSNs the vendor accepts;
at most `PROOFING_MAX_ATTEMPTS` tries per account or registration, per identity and
per SSN fingerprint within `PROOFING_ATTEMPT_WINDOW` seconds, checked before
anything else; one account per person (by the SSN's keyed fingerprint), where an SSN
already proofed for another account counts as a try and gets the same answer as a
vendor refusal, so the form cannot tell anyone which SSNs have accounts; a set left
idle `PROOFING_QUESTION_TIMEOUT` seconds expires and still counts; a retry never
repeats a question already failed (NIST SP 800-63A).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from harp.lockout import Lockout
from harp.models import User
from harp.services import audit_event_record, dashboard_message_send
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


# The profile fields that say who a person is; proofing checks exactly these.
IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "city",
    "state",
    "zip_code",
)


def _normal(value: object) -> str:
    return " ".join(str(value).split()).casefold()


def identity_digest(identity: Identity) -> str:
    """A keyed digest of the name, date of birth and address of an identity."""
    material = "|".join(
        [
            _normal(identity.first_name),
            _normal(identity.last_name),
            identity.date_of_birth.isoformat(),
            _normal(identity.address_line1),
            _normal(identity.city),
            _normal(identity.state),
            _normal(identity.zip_code)[:5],
        ]
    )
    return hmac.new(
        settings.SSN_FINGERPRINT_KEY.encode(),
        b"identity|" + material.encode(),
        hashlib.sha256,
    ).hexdigest()


def profile_identity(profile: Mapping[str, Any], *, ssn: str = "") -> Identity | None:
    """The identity a profile describes, or None while a field proofing needs is empty.

    `profile` is a user's fields or the registration's profile step (where the date
    of birth is an ISO string).
    """
    if any(not profile.get(field) for field in IDENTITY_FIELDS):
        return None
    date_of_birth = profile["date_of_birth"]
    if isinstance(date_of_birth, str):
        date_of_birth = datetime.date.fromisoformat(date_of_birth)
    return Identity(
        first_name=str(profile["first_name"]),
        last_name=str(profile["last_name"]),
        date_of_birth=date_of_birth,
        ssn=ssn,
        address_line1=str(profile["address_line1"]),
        city=str(profile["city"]),
        state=str(profile["state"]),
        zip_code=str(profile["zip_code"]),
        phone=str(profile.get("phone") or ""),
    )


def user_identity_digest(user: User) -> str:
    """The digest of the account's profile ("" if the profile lacks a field)."""
    identity = profile_identity(
        {field: getattr(user, field) for field in IDENTITY_FIELDS}
    )
    return identity_digest(identity) if identity is not None else ""


def _subject(*, user: User | None, registration_key: str) -> Q:
    return Q(user=user) if user is not None else Q(registration_key=registration_key)


def _locked_message() -> str:
    hours = settings.PROOFING_ATTEMPT_WINDOW // 3600
    return (
        f"Remote proofing is locked: you have used {settings.PROOFING_MAX_ATTEMPTS} "
        f"tries in the last {hours} hours. You can prove your identity with "
        "documents (manual proofing), call the help desk at "
        f"{settings.HELP_DESK_PHONE}, or try again later."
    )


def remote_proofing_start(
    *,
    identity: Identity,
    request: HttpRequest,
    user: User | None = None,
    registration_key: str = "",
) -> RemoteProofingAttempt:
    """Ask the vendor for a question set for this identity, within the limits.

    The limits come first and every try counts, including one with an SSN that is
    already another proofed account's: that try ends as a refusal the person
    cannot tell apart from the vendor's own "could not verify" refusal.
    """
    vendor = get_vendor()
    problem = vendor.ssn_problem(identity.ssn)
    if problem:
        raise ProofingError(problem)
    fingerprint = ssn_fingerprint(identity.ssn)
    key = identity_key(identity)
    since = timezone.now() - datetime.timedelta(
        seconds=settings.PROOFING_ATTEMPT_WINDOW
    )
    recent = RemoteProofingAttempt.objects.filter(started_at__gte=since)
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

    now = timezone.now()
    attempt = RemoteProofingAttempt(
        user=user,
        registration_key=registration_key,
        ssn_fingerprint=fingerprint,
        identity_key=key,
        identity_digest=identity_digest(identity),
        ssn_last4=ssn_digits(identity.ssn)[-4:],
        vendor=vendor.name,
        started_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.PROOFING_QUESTION_TIMEOUT),
    )
    others = ProofingRecord.objects.filter(ssn_fingerprint=fingerprint)
    if user is not None:
        others = others.exclude(user=user)
    duplicate_of = list(others.values_list("user_id", flat=True)[:10])
    if duplicate_of:
        attempt.status = RemoteProofingAttempt.Status.DUPLICATE
        attempt.finished_at = now
        attempt.save()
        audit_event_record(
            action=ProofingAction.DUPLICATE_IDENTITY,
            actor=user,
            target=attempt,
            request=request,
            details={"accounts": duplicate_of},
        )
        return attempt

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
    attempt.session_ref = result.session_ref
    attempt.questions = [asdict(question) for question in result.questions]
    attempt.status = status
    attempt.finished_at = None if status == RemoteProofingAttempt.Status.OPEN else now
    attempt.save()
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


def _proofed_by(attempt: RemoteProofingAttempt, *, user: User, method: str) -> bool:
    """Prove the account by this attempt, only if it proofed the account's identity."""
    digest = user_identity_digest(user)
    if not digest or not hmac.compare_digest(attempt.identity_digest, digest):
        audit_event_record(
            action=ProofingAction.IDENTITY_MISMATCH,
            actor=user,
            target=attempt,
            details={"method": method},
        )
        return False
    mark_proofed(
        user=user,
        method=method,
        ssn_fingerprint=attempt.ssn_fingerprint,
        ssn_last4=attempt.ssn_last4,
    )
    dashboard_message_send(
        recipient=user,
        subject="Your identity is proofed",
        body="You passed remote identity proofing"
        + (
            " with a reference number from the phone line."
            if method == ProofingRecord.Method.PHONE_REFERENCE
            else "."
        )
        + " With two-factor authentication set up, you may request roles from"
        " My Profile.",
        link=reverse("harp:profile"),
    )
    return True


PROOFED_STATUSES = (
    RemoteProofingAttempt.Status.PASSED,
    RemoteProofingAttempt.Status.REFERENCE_PASSED,
)


@transaction.atomic
def proofing_registration_complete(
    *, user: User, registration_key: str, request: HttpRequest
) -> None:
    """The account now exists: give it its registration's attempts and their result.

    Only a pass for the account's own name, date of birth and address proves it; a
    pass for details changed since is kept as history and proves nothing.
    """
    RemoteProofingAttempt.objects.filter(
        registration_key=registration_key, user__isnull=True
    ).update(user=user)
    passes = list(
        RemoteProofingAttempt.objects.filter(
            user=user, status__in=PROOFED_STATUSES
        ).order_by("-finished_at")[:20]
    )
    digest = user_identity_digest(user)
    # The latest pass for the account's details; else the latest pass, which
    # _proofed_by refuses and audits as a mismatch.
    passed = next(
        (each for each in passes if digest and each.identity_digest == digest),
        passes[0] if passes else None,
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
