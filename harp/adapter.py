"""django-allauth, the HARP way: lockout, one failure message, a second-factor stage."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from harp import services
from harp.audit import AuditAction
from harp.lockout import known_device_remember, known_device_token
from harp.services.accounts import user_known_device_signed_in, user_sign_in_refusal

SIGN_IN_FAILED_MESSAGE = (
    "The user ID or password is incorrect, or sign-in is locked after too many "
    "failed attempts. After {failures} failures sign-in is locked for {minutes} "
    "minutes; the help desk can unlock it sooner."
)
SIGN_IN_DELAYED_MESSAGE = (
    "Too many failed sign-in attempts for this user ID. Wait {seconds} seconds, "
    "then try again."
)


class AccountAdapter(DefaultAccountAdapter):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        # One message for a wrong password, an unknown user ID and a locked account,
        # so that sign-in never tells which of them it was.
        self.error_messages: dict[str, Any] = {
            **self.error_messages,
            "username_password_mismatch": SIGN_IN_FAILED_MESSAGE.format(
                failures=settings.LOCKOUT_FAILURES,
                minutes=settings.LOCKOUT_DURATION // 60,
            ),
        }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by the registration steps at /register/.
        return False

    def get_login_stages(self) -> list[str]:
        return [*super().get_login_stages(), "harp.stages.TwoFactorStage"]

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        typed = str(credentials.get("username") or "")
        refusal = user_sign_in_refusal(typed_user_id=typed, request=request)
        if refusal is None:
            return
        services.audit_event_record(
            action=AuditAction.SIGN_IN_FAILED,
            actor_label=typed,
            request=request,
            details={"reason": "locked" if refusal.locked else "waiting"},
        )
        if refusal.locked:
            raise self.validation_error("username_password_mismatch")
        # The wait depends only on what was typed, never on whether it exists.
        raise forms.ValidationError(
            SIGN_IN_DELAYED_MESSAGE.format(seconds=refusal.wait_seconds),
            code="sign_in_delayed",
        )

    def authenticate(
        self, request: HttpRequest, **credentials: Any
    ) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is not None and known_device_token(request, user=user) is not None:
            user_known_device_signed_in(user=user, request=request)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        services.user_sign_in_failed(
            typed_user_id=str(credentials.get("username") or ""), request=request
        )

    def post_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponseBase:
        response: HttpResponseBase = super().post_login(request, user, **kwargs)
        # Signed in with both factors: this browser is now a known device.
        if getattr(user, "otp_device", None) is not None:
            known_device_remember(request, response, user=user)
        return response

    def send_password_reset_mail(
        self, user: Any, email: str, context: dict[str, Any]
    ) -> None:
        services.audit_event_record(
            action=AuditAction.PASSWORD_RESET_REQUESTED,
            actor=user,
            target=user,
            request=self.request,
        )
        super().send_password_reset_mail(user, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return settings.LOGIN_REDIRECT_URL
