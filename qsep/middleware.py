"""Keeps a surveyor due for the annual profile review on the review page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Set at sign-in for a surveyor due for the review (see qsep.apps); cleared when
# they confirm. The middleware reads only the session: no query per request.
PROFILE_REVIEW_SESSION_KEY = "qsep_profile_review_due"

PROFILE_REVIEW_MESSAGE = (
    "Once a year, surveyors confirm their employment and the provider/survey types "
    "they survey. Review them to go on."
)


class ProfileReviewRequiredMiddleware:
    """Sends a signed-in surveyor due for the review to the review page first.

    Runs after `harp.middleware.TwoFactorRequiredMiddleware`, so a HARP user still
    finishes the second factor first: its pages, sign-in and sign-out, static
    files and the public status pages stay open. Every other page, whatever the
    method, redirects to the review page until it is saved.
    """

    always_allowed = (
        "/login/",
        "/logout/",
        "/account/two-factor/",
        "/static/",
        "/status/",
        "/healthz",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.session.get(PROFILE_REVIEW_SESSION_KEY)
            and request.user.is_authenticated
            and not request.path_info.startswith(self.always_allowed)
            and request.path_info != reverse("qsep:employment")
        ):
            messages.info(request, PROFILE_REVIEW_MESSAGE)
            return redirect("qsep:employment")
        return self.get_response(request)
