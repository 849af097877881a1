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
from harp.audit import AuditAction
from harp.lockout import password_lockout, second_factor_lockout
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
        emails.send_lockout_notice(
            to=user.email, user_id=user.username, minutes=minutes
        )


def user_sign_in_failed(*, typed_user_id: str, request: HttpRequest | None) -> bool:
    """Count a failed sign-in for what was typed; lock it after too many.

    The count is kept for the typed user ID whether or not an account has it, so a
    made-up user ID locks exactly as a real one does. Returns whether it locked.
    """
    if not password_lockout.register_failure(typed_user_id):
        return False
    user = User.objects.filter(username__iexact=typed_user_id).first()
    _user_lock(user=user, factor="password", actor_label=typed_user_id, request=request)
    return True


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
    second_factor_lockout.unlock(str(user.pk))
    user.locked_until = None
    user.save(update_fields=["locked_until"])
    audit_event_record(
        action=AuditAction.UNLOCK, actor=actor, target=user, request=request
    )


def user_id_reminder_send(*, email: str, request: HttpRequest) -> None:
    """Email the user IDs on file for an address; never say whether there are any."""
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


def email_confirmation_resend(*, email: str, request: HttpRequest) -> None:
    """Send a new confirmation link to an unconfirmed address, if there is one."""
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
