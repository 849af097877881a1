"""Confirming it's you again before a security change.

Changing the email address, the password or the two-factor methods needs a recent
re-authentication in this session: the password and a current code from one of the
person's confirmed two-factor methods (the password alone for an account with none,
such as a learner's). It stamps the session with the time; `REAUTH_WINDOW` seconds
later the stamp no longer counts. django-allauth's own re-authentication page asks
only the password, so it is not mounted; this one replaces it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View

from harp import selectors, services
from harp.audit import AuditAction
from harp.forms import ReauthenticateForm
from harp.models import User
from harp.services.accounts import user_is_locked, user_sign_in_failed
from harp.services.two_factor import CodeNotSent

SESSION_KEY = "harp_reauthenticated"
LOCKED = (
    "Sign-in to your account is locked after too many failed attempts, so this "
    "change can't be confirmed now. Try again after the lock ends, or contact the "
    "help desk."
)


def recently_reauthenticated(request: HttpRequest) -> bool:
    stamp = request.session.get(SESSION_KEY)
    return (
        isinstance(stamp, dict)
        and stamp.get("user") == request.user.pk
        and time.time() - float(stamp.get("at", 0)) < settings.REAUTH_WINDOW
    )


def reauthentication_redirect(request: HttpRequest) -> HttpResponse:
    """Off to the confirmation page, coming back to this page afterwards."""
    messages.info(
        request,
        "For your security, confirm it's you before changing your email address, "
        "password or two-factor methods.",
    )
    url = reverse("harp:reauthenticate")
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


class RecentReauthRequiredMixin:
    """Sends a signed-in person to re-authenticate first, unless they did recently.

    `reauth_methods` limits the check to some HTTP methods (None: all of them);
    `reauth_needed()` can exempt a request, such as setting up the very first
    two-factor method, which has no code to give yet. Put it after
    LoginRequiredMixin in the bases.
    """

    reauth_methods: tuple[str, ...] | None = None

    def reauth_needed(self, request: HttpRequest) -> bool:
        return True

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if (
            request.user.is_authenticated
            and (self.reauth_methods is None or request.method in self.reauth_methods)
            and self.reauth_needed(request)
            and not recently_reauthenticated(request)
        ):
            return reauthentication_redirect(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class FirstDeviceExemptMixin(RecentReauthRequiredMixin):
    """Set-up pages: the first two-factor method of an account needs no code."""

    def reauth_needed(self, request: HttpRequest) -> bool:
        return any(django_otp.devices_for_user(request.user, confirmed=True))


def reauthentication_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """The same rule for a function view (django-allauth's email and password pages)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not recently_reauthenticated(request):
            return reauthentication_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


class ReauthenticateView(LoginRequiredMixin, View):
    """/account/confirm/: the password and a current code, then back to the change."""

    template_name = "harp/reauthenticate.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.next_url = self._safe_next(
            request.POST.get("next") or request.GET.get("next") or ""
        )

    def _safe_next(self, url: str) -> str:
        if url and url_has_allowed_host_and_scheme(
            url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return url
        return reverse("harp:profile")

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated:
            self.user: User = request.user
            self.devices = selectors.device_list(user=self.user)
            chosen = request.POST.get("device") or request.GET.get("device", "")
            self.device = selectors.device_choose(
                user=self.user, devices=self.devices, persistent_id=chosen
            )
            if chosen and self.device is None:
                messages.error(request, "Choose one of your own two-factor methods.")
                return redirect(
                    f"{reverse('harp:reauthenticate')}?"
                    f"{urlencode({'next': self.next_url})}"
                )
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: ReauthenticateForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                **selectors.device_choice_context(
                    device=self.device, devices=self.devices
                ),
                "next": self.next_url,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(ReauthenticateForm(needs_code=self.device is not None))

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "send" and self.device is not None:
            try:
                sent = services.second_factor_challenge(
                    user=self.user, device=self.device, request=request
                )
            except CodeNotSent as refused:
                messages.error(request, refused.message)
            else:
                if sent:
                    messages.info(request, sent)
            return self.render_page(ReauthenticateForm(needs_code=True))
        form = ReauthenticateForm(request.POST, needs_code=self.device is not None)
        if not form.is_valid():
            return self.render_page(form)
        if user_is_locked(typed_user_id=self.user.username):
            form.add_error(None, LOCKED)
            return self.render_page(form)
        if not self.user.check_password(form.cleaned_data["password"]):
            self._failed("password", request)
            form.add_error("password", "That password is not right.")
            return self.render_page(form)
        if self.device is not None and not services.second_factor_verify(
            user=self.user,
            device=self.device,
            token=form.cleaned_data["token"],
            request=request,
        ):
            self._failed("second factor", request)
            form.add_error(
                "token",
                "That code is not right, or it has expired. Too many wrong codes "
                "lock sign-in to your account.",
            )
            return self.render_page(form)
        request.session[SESSION_KEY] = {"user": self.user.pk, "at": time.time()}
        services.audit_event_record(
            action=AuditAction.REAUTHENTICATED,
            actor=self.user,
            target=self.user,
            request=request,
        )
        return redirect(self.next_url)

    def _failed(self, factor: str, request: HttpRequest) -> None:
        services.audit_event_record(
            action=AuditAction.REAUTHENTICATION_FAILED,
            actor=self.user,
            target=self.user,
            request=request,
            details={"factor": factor},
        )
        if factor == "password":
            # A wrong password here counts toward the sign-in lock like any other.
            user_sign_in_failed(typed_user_id=self.user.username, request=request)
