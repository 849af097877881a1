"""Accounts: registration, lockout and unlock, recovery of the user ID."""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.internal.flows.email_verification import (
    handle_verification_email_rate_limit,
)
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from harp import emails
from harp.audit import AuditAction, client_ip
from harp.lockout import (
    client_lockout,
    known_device_lockout,
    known_device_token,
    lockout_notice_limit,
    password_lockout,
    recovery_client_limit,
    recovery_email_limit,
    reset_account_lockout,
    reset_key_lockout,
    second_factor_lockout,
    sign_in_delay,
)
from harp.models import User
from harp.services.audit import audit_event_record


def _normalize_answer(answer: str) -> str:
    return " ".join(answer.casefold().split())


def challenge_answer_hash(answer: str) -> str:
    """Challenge answers are hashed like passwords, compared without case or spacing."""
    return make_password(_normalize_answer(answer))


def challenge_answer_matches(*, user: User, answer: str) -> bool:
    return bool(user.challenge_answer_hash) and check_password(
        _normalize_answer(answer), user.challenge_answer_hash
    )


@transaction.atomic
def user_register(
    *, profile: dict[str, Any], credentials: dict[str, Any], request: HttpRequest
) -> User:
    """Create a HARP account from the registration steps and send the confirmation.

    `credentials` carries the password and challenge answer already hashed: the
    registration steps never keep either in plain text. The account cannot sign in
    until its email address is confirmed.
    """
    user = User(
        username=credentials["user_id"],
        email=profile["email"],
        first_name=profile["first_name"],
        middle_name=profile.get("middle_name", ""),
        last_name=profile["last_name"],
        date_of_birth=datetime.date.fromisoformat(profile["date_of_birth"]),
        address_line1=profile["address_line1"],
        address_line2=profile.get("address_line2", ""),
        city=profile["city"],
        state=profile["state"],
        zip_code=profile["zip_code"],
        phone=profile["phone"],
        challenge_question=credentials["challenge_question"],
        challenge_answer_hash=credentials["challenge_answer_hash"],
        password=credentials["password_hash"],
        kind=User.Kind.HARP,
        two_factor_required=True,
    )
    user.full_clean(exclude=["password"])
    user.save()
    address = EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=False
    )
    audit_event_record(
        action=AuditAction.REGISTERED, actor=user, target=user, request=request
    )
    address.send_confirmation(request, signup=True)
    return user


def _user_lock(
    *, user: User | None, factor: str, actor_label: str, request: HttpRequest | None
) -> None:
    minutes = settings.LOCKOUT_DURATION // 60
    audit_event_record(
        action=AuditAction.LOCKOUT,
        actor=user,
        actor_label=actor_label,
        target=user,
        request=request,
        details={"factor": factor, "minutes": minutes},
    )
    if user is not None:
        user.locked_until = timezone.now() + datetime.timedelta(
            seconds=settings.LOCKOUT_DURATION
        )
        user.save(update_fields=["locked_until"])
        if lockout_notice_limit.consume(str(user.pk)):
            emails.send_lockout_notice(
                to=user.email, user_id=user.username, minutes=minutes
            )


class SignInRefusal:
    """Why a sign-in attempt is refused before its password is even checked."""

    def __init__(self, *, locked: bool = False, wait_seconds: int = 0) -> None:
        self.locked = locked
        self.wait_seconds = wait_seconds


def user_sign_in_refusal(
    *, typed_user_id: str, request: HttpRequest
) -> SignInRefusal | None:
    """Whether to refuse an attempt for what was typed, and why; None lets it try.

    Refused: a locked user ID, a client address locked after many failures for any
    user IDs, and a user ID still waiting out its delay after a few failures. A
    browser that signed in to this very account with both factors before (its known
    device cookie) passes the locks and the delay that others caused, unless its own
    failures locked it or the second factor is locked. Nothing here depends on
    whether the user ID exists, except the known device, which only the account's
    own browser holds.
    """
    user = User.objects.filter(username__iexact=typed_user_id).first()
    token = known_device_token(request, user=user) if user is not None else None
    if user is not None and token is not None:
        if second_factor_lockout.is_locked(str(user.pk)):
            return SignInRefusal(locked=True)
        return None
    address = client_ip(request)
    if address and client_lockout.is_locked(address):
        return SignInRefusal(locked=True)
    if user_is_locked(typed_user_id=typed_user_id):
        return SignInRefusal(locked=True)
    wait = sign_in_delay.remaining(typed_user_id)
    if wait:
        return SignInRefusal(wait_seconds=wait)
    return None


def user_sign_in_failed(*, typed_user_id: str, request: HttpRequest | None) -> bool:
    """Count a failed sign-in for what was typed; slow down, then lock.

    The count is kept for the typed user ID whether or not an account has it, so a
    made-up user ID slows and locks exactly as a real one does. After
    `LOCKOUT_SLOWDOWN_AFTER` failures each further one makes that user ID wait,
    `LOCKOUT_SLOWDOWN_SECONDS` doubled at each failure; the `LOCKOUT_FAILURES`th
    locks it. Failures are also counted for the client address (all user IDs
    together; `LOCKOUT_CLIENT_FAILURES` lock the address) and for the browser's known
    device cookie, if any. Returns whether the user ID locked.
    """
    if request is not None:
        address = client_ip(request)
        if address and client_lockout.register_failure(address):
            audit_event_record(
                action=AuditAction.LOCKOUT,
                actor_label=typed_user_id,
                request=request,
                details={
                    "factor": "password",
                    "scope": "client address",
                    "minutes": settings.LOCKOUT_DURATION // 60,
                },
            )
        token = known_device_token(request)
        if token is not None:
            known_device_lockout.register_failure(token)
    count, locked = password_lockout.record_failure(typed_user_id)
    if not locked:
        after = settings.LOCKOUT_SLOWDOWN_AFTER
        if after and count >= after:
            sign_in_delay.start(
                typed_user_id, settings.LOCKOUT_SLOWDOWN_SECONDS * 2 ** (count - after)
            )
        return False
    sign_in_delay.clear(typed_user_id)
    user = User.objects.filter(username__iexact=typed_user_id).first()
    _user_lock(user=user, factor="password", actor_label=typed_user_id, request=request)
    return True


def user_known_device_signed_in(*, user: User, request: HttpRequest) -> None:
    """The account's own known device gave the right password during a lock.

    The lock on the user ID stays for every other browser; the account-wide lock
    mark is lifted so that the second factor can be asked for. It is never lifted
    while the second factor itself is locked.
    """
    if not user.is_locked or second_factor_lockout.is_locked(str(user.pk)):
        return
    user.locked_until = None
    user.save(update_fields=["locked_until"])
    audit_event_record(
        action=AuditAction.KNOWN_DEVICE_PASSED_LOCK,
        actor=user,
        target=user,
        request=request,
    )


def user_second_factor_failed(*, user: User, request: HttpRequest | None) -> bool:
    """Count a wrong second-factor code; lock sign-in after too many."""
    if not second_factor_lockout.register_failure(str(user.pk)):
        return False
    _user_lock(
        user=user, factor="second factor", actor_label=user.username, request=request
    )
    return True


def user_is_locked(*, typed_user_id: str) -> bool:
    if password_lockout.is_locked(typed_user_id):
        return True
    user = User.objects.filter(username__iexact=typed_user_id).first()
    return user is not None and (
        user.is_locked or second_factor_lockout.is_locked(str(user.pk))
    )


@transaction.atomic
def user_unlock(*, user: User, actor: User, request: HttpRequest | None) -> None:
    """Lift a lock on sign-in and on the second factor (admins and the help desk)."""
    password_lockout.unlock(user.username)
    sign_in_delay.clear(user.username)
    second_factor_lockout.unlock(str(user.pk))
    user.locked_until = None
    user.save(update_fields=["locked_until"])
    audit_event_record(
        action=AuditAction.UNLOCK, actor=actor, target=user, request=request
    )


def recovery_email_allowed(*, purpose: str, email: str, request: HttpRequest) -> bool:
    """Whether one more recovery email may go out for this address and client.

    Each purpose (user ID reminder, new confirmation link, registration notice) has
    `RECOVERY_EMAILS_PER_ADDRESS` per typed address and `RECOVERY_EMAILS_PER_CLIENT`
    per client address in `RECOVERY_EMAIL_WINDOW` seconds. The typed address is
    counted whether or not an account uses it, so a refusal tells nothing.
    """
    address = email.strip().casefold()
    client = client_ip(request) or "unknown"
    by_client = recovery_client_limit.consume(f"{purpose}:{client}")
    by_address = by_client and recovery_email_limit.consume(f"{purpose}:{address}")
    if by_client and by_address:
        return True
    audit_event_record(
        action=AuditAction.RECOVERY_RATE_LIMITED,
        request=request,
        details={"purpose": purpose, "by": "address" if by_client else "client"},
    )
    return False


def user_id_reminder_send(*, email: str, request: HttpRequest) -> bool:
    """Email the user IDs on file for an address; never say whether there are any.

    Returns False, sending nothing, when the recovery email limits are reached.
    """
    if not recovery_email_allowed(purpose="user-id", email=email, request=request):
        return False
    users = list(
        User.objects.filter(email__iexact=email.strip(), is_active=True).order_by("pk")
    )
    audit_event_record(
        action=AuditAction.USER_ID_RECOVERY,
        actor=users[0] if users else None,
        actor_label=users[0].username if users else "",
        request=request,
        details={"found": bool(users)},
    )
    if users:
        emails.send_user_id_reminder(
            to=users[0].email,
            user_ids=[user.username for user in users],
            sign_in_url=request.build_absolute_uri(reverse("account_login")),
        )
    return True


def email_confirmation_resend(*, email: str, request: HttpRequest) -> bool:
    """Send a new confirmation link to an unconfirmed address, if there is one.

    Returns False, sending nothing, when the recovery email limits are reached.
    """
    if not recovery_email_allowed(purpose="confirm", email=email, request=request):
        return False
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=False)
        .select_related("user")
        .first()
    )
    # allauth's own resend flashes "sent to <address>", which would tell a stranger
    # that the address has an account; the view says the same thing either way.
    if address is not None and handle_verification_email_rate_limit(
        request, address.email
    ):
        address.send_confirmation(request)
    return True


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def registration_email_taken_notify(*, email: str, request: HttpRequest) -> None:
    """Someone registered with an address that already has an account.

    Nothing is created; the account's owner is emailed instead (how to sign in or
    recover the user ID), and the registering person sees the same "check your
    email" page as a new account would, so registration never tells a stranger
    which addresses have accounts.
    """
    user = User.objects.filter(email__iexact=email.strip()).first()
    audit_event_record(
        action=AuditAction.REGISTRATION_EMAIL_TAKEN,
        target=user,
        request=request,
        details={"found": user is not None},
    )
    if user is None or not recovery_email_allowed(
        purpose="registration", email=email, request=request
    ):
        return
    emails.send_registration_email_taken(
        to=user.email,
        sign_in_url=request.build_absolute_uri(reverse("account_login")),
        forgot_user_id_url=request.build_absolute_uri(reverse("harp:forgot-user-id")),
        reset_password_url=request.build_absolute_uri(
            reverse("account_reset_password")
        ),
    )


def _reset_key_id(user: User, key: str) -> str:
    return f"{user.pk}:{key}"


def password_reset_link_usable(*, user: User, key: str) -> bool:
    """A reset link stops working after wrong challenge answers on it, and every
    link of the account stops for a day after too many wrong answers in all."""
    return not (
        reset_key_lockout.is_locked(_reset_key_id(user, key))
        or reset_account_lockout.is_locked(str(user.pk))
    )


def password_reset_answer_failed(
    *, user: User, key: str, request: HttpRequest | None
) -> None:
    """Count a wrong challenge answer on a reset link; end the link after a few.

    `RESET_ANSWER_FAILURES` wrong answers end that link;
    `RESET_ANSWER_DAILY_FAILURES` across all links end every link of the account for
    `RESET_ACCOUNT_WINDOW` seconds. Each failure is audited; the owner is emailed
    when a link ends.
    """
    audit_event_record(
        action=AuditAction.CHALLENGE_ANSWER_FAILED,
        actor_label=user.username,
        target=user,
        request=request,
    )
    link_ended = reset_key_lockout.register_failure(_reset_key_id(user, key))
    account_locked = reset_account_lockout.register_failure(str(user.pk))
    if link_ended:
        audit_event_record(
            action=AuditAction.PASSWORD_RESET_LINK_ENDED,
            actor_label=user.username,
            target=user,
            request=request,
            details={"failures": settings.RESET_ANSWER_FAILURES},
        )
    if account_locked:
        audit_event_record(
            action=AuditAction.PASSWORD_RESET_LOCKED,
            actor_label=user.username,
            target=user,
            request=request,
            details={"hours": settings.RESET_ACCOUNT_WINDOW // 3600},
        )
    if link_ended or account_locked:
        emails.send_password_reset_stopped(
            to=user.email,
            user_id=user.username,
            hours=settings.RESET_ACCOUNT_WINDOW // 3600 if account_locked else 0,
        )


# A proofed person's identity: a change to any of these voids the proofing.
IDENTITY_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)


def identity_field_labels(fields: list[str]) -> list[str]:
    """How the portal names these details: "legal last name", "ZIP code"..."""
    labels = {field.name: str(field.verbose_name) for field in User._meta.fields}
    return [labels[field] for field in fields]


@transaction.atomic
def user_identity_correct(
    *,
    user: User,
    actor: User,
    changes: dict[str, Any],
    reason: str,
    request: HttpRequest | None,
) -> list[str]:
    """Correct a person's legal name, date of birth or home address (help desk).

    The identity a person proved is the one on their account, so when any of these
    details changes for a proofed person the proofing no longer holds:
    `identity_proofed_at` is cleared and they must prove their identity again
    before anything that needs it (requesting roles). The person is emailed which
    details changed, never the values. Returns the changed field names; when
    nothing changed, nothing is saved, recorded or sent.
    """
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not identity details: {', '.join(sorted(unknown))}")
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = [
        field
        for field in IDENTITY_FIELDS
        if field in changes and getattr(user, field) != changes[field]
    ]
    if not changed:
        return []
    for field in changed:
        setattr(user, field, changes[field])
    user.full_clean(
        exclude=[f.name for f in User._meta.fields if f.name not in changed]
    )
    prove_again = user.identity_proofed_at is not None
    if prove_again:
        user.identity_proofed_at = None
    user.save(update_fields=[*changed, "identity_proofed_at"])
    audit_event_record(
        action=AuditAction.IDENTITY_CORRECTED,
        actor=actor,
        target=user,
        request=request,
        details={"fields": changed, "proofing_cleared": prove_again, "reason": reason},
    )
    emails.send_identity_corrected(
        to=user.email,
        user_id=user.username,
        details=identity_field_labels(changed),
        prove_again=prove_again,
    )
    return changed
