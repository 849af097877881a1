from collections.abc import Callable

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from harp.selectors import health_check


class HealthCheckMiddleware:
    """Answers `/healthz` before host checks, sessions and the HTTPS redirect.

    Load balancers probe by IP address over plain HTTP; they need a 200 when the
    database and cache answer and a 503 otherwise, not a 400 for an unknown host.
    """

    path = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") != self.path:
            return self.get_response(request)
        results = health_check()
        healthy = all(value == "ok" for value in results.values())
        response = JsonResponse(
            {"status": "ok" if healthy else "unavailable", **results},
            status=200 if healthy else 503,
        )
        response["Cache-Control"] = "no-store"
        return response


class TwoFactorRequiredMiddleware:
    """Keeps a signed-in user who needs a second factor on the set-up pages.

    A HARP user signs in with two factors every time (harp.stages), but the very
    first sign-in has no device to ask for; until one is set up, every page but
    set-up, sign-out and the public status pages sends them to set-up ("finish
    setting up your account"). A session that is signed in but not verified while
    devices exist is not trusted at all: it is signed out.
    """

    setup_prefix = "/account/two-factor/setup/"
    always_allowed = (
        "/logout/",
        "/static/",
        "/status/",
        "/healthz",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "two_factor_required", False)
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path_info.startswith(self.always_allowed)
        ):
            # The set-up pages are open only to someone with no device yet: a
            # password alone must never add a second factor to an account that has
            # one.
            if any(django_otp.devices_for_user(user, confirmed=True)):
                logout(request)
                messages.info(request, "Sign in again with your second factor.")
                return redirect(settings.LOGIN_URL)
            if not request.path_info.startswith(self.setup_prefix):
                return redirect("harp:two-factor-setup")
        return self.get_response(request)
