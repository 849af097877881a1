"""Emails harp writes itself; each goes through the outbox like any other."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_templated_email(
    *, to: str, subject: str, template: str, context: dict[str, Any]
) -> None:
    context = {
        "portal_name": settings.PORTAL_NAME,
        "help_desk_email": settings.HELP_DESK_EMAIL,
        "help_desk_phone": settings.HELP_DESK_PHONE,
        **context,
    }
    send_mail(
        subject=f"[{settings.PORTAL_NAME}] {subject}",
        message=render_to_string(template, context),
        from_email=None,
        recipient_list=[to],
    )


def send_user_id_reminder(*, to: str, user_ids: list[str], sign_in_url: str) -> None:
    send_templated_email(
        to=to,
        subject="Your user ID",
        template="harp/email/user_id_reminder.txt",
        context={"user_ids": user_ids, "sign_in_url": sign_in_url},
    )


def send_lockout_notice(*, to: str, user_id: str, minutes: int) -> None:
    send_templated_email(
        to=to,
        subject="Sign-in locked after failed attempts",
        template="harp/email/lockout.txt",
        context={"user_id": user_id, "minutes": minutes},
    )


def send_identity_corrected(
    *, to: str, user_id: str, details: list[str], prove_again: bool
) -> None:
    send_templated_email(
        to=to,
        subject="Your identity details were corrected",
        template="harp/email/identity_corrected.txt",
        context={"user_id": user_id, "details": details, "prove_again": prove_again},
    )


def send_registration_email_taken(
    *, to: str, sign_in_url: str, forgot_user_id_url: str, reset_password_url: str
) -> None:
    send_templated_email(
        to=to,
        subject="Someone tried to register with your email address",
        template="harp/email/registration_email_taken.txt",
        context={
            "sign_in_url": sign_in_url,
            "forgot_user_id_url": forgot_user_id_url,
            "reset_password_url": reset_password_url,
        },
    )


def send_password_reset_stopped(*, to: str, user_id: str, hours: int) -> None:
    """A reset link ended after wrong challenge answers (`hours`: all links stop)."""
    send_templated_email(
        to=to,
        subject="A password reset link was stopped",
        template="harp/email/password_reset_stopped.txt",
        context={"user_id": user_id, "hours": hours},
    )


def send_two_factor_changed(*, to: str, user_id: str, change: str) -> None:
    """Tell the person about a change to their second factors (`change` says what)."""
    send_templated_email(
        to=to,
        subject="Your two-factor authentication changed",
        template="harp/email/two_factor_changed.txt",
        context={"user_id": user_id, "change": change},
    )


def send_account_activated(*, to: str, user_id: str, sign_in_url: str) -> None:
    """The help desk confirmed the address by hand: the person can sign in now."""
    send_templated_email(
        to=to,
        subject="Your account is activated",
        template="harp/email/account_activated.txt",
        context={"user_id": user_id, "sign_in_url": sign_in_url},
    )
