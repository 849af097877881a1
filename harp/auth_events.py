"""Audit events for what django.contrib.auth and django-allauth announce by signal.

These are framework hooks, not domain logic: the sign-in itself belongs to Django and
allauth, and harp only records that it happened.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as allauth_signals
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from harp import services
from harp.audit import AuditAction
from harp.models import User


def _signed_in(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    services.audit_event_record(
        action=AuditAction.SIGN_IN, actor=user, target=user, request=request
    )


def _signed_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:
        return
    services.audit_event_record(
        action=AuditAction.SIGN_OUT, actor=user, target=user, request=request
    )


def _sign_in_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # Record what was typed, never which account it matched: the log must not
    # become a way to learn whether a user ID exists.
    typed = credentials.get("username") or credentials.get("email") or ""
    services.audit_event_record(
        action=AuditAction.SIGN_IN_FAILED, actor_label=str(typed), request=request
    )


def _email_confirmed(
    sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any
) -> None:
    services.audit_event_record(
        action=AuditAction.EMAIL_CONFIRMED,
        actor=email_address.user,
        target=email_address.user,
        request=request,
        details={"email": email_address.email},
    )


def _password_reset(
    sender: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    services.audit_event_record(
        action=AuditAction.PASSWORD_RESET, actor=user, target=user, request=request
    )


def _password_changed(
    sender: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    services.audit_event_record(
        action=AuditAction.PASSWORD_CHANGED, actor=user, target=user, request=request
    )


def connect() -> None:
    auth_signals.user_logged_in.connect(_signed_in, dispatch_uid="harp.audit.sign_in")
    auth_signals.user_logged_out.connect(
        _signed_out, dispatch_uid="harp.audit.sign_out"
    )
    auth_signals.user_login_failed.connect(
        _sign_in_failed, dispatch_uid="harp.audit.sign_in_failed"
    )
    allauth_signals.email_confirmed.connect(
        _email_confirmed, dispatch_uid="harp.audit.email_confirmed"
    )
    allauth_signals.password_reset.connect(
        _password_reset, dispatch_uid="harp.audit.password_reset"
    )
    allauth_signals.password_changed.connect(
        _password_changed, dispatch_uid="harp.audit.password_changed"
    )
