"""The annual profile review page: employment type and provider/survey types."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from harp.models import User
from qsep.forms import EmploymentForm
from qsep.middleware import PROFILE_REVIEW_SESSION_KEY
from qsep.models import LearnerProfile
from qsep.selectors.profile_review import (
    learner_employment_get,
    learner_profile_review_due,
)
from qsep.services.profile_review import ProfileReviewError, learner_employment_update


class EmploymentUpdateView(LoginRequiredMixin, View):
    """Learners and HARP users see and change their employment profile; saving it,
    changed or not, is the yearly confirmation surveyors are asked for."""

    def render_page(
        self, form: EmploymentForm, profile: LearnerProfile | None = None
    ) -> HttpResponse:
        user: User = self.request.user  # type: ignore[assignment]
        due = learner_profile_review_due(user=user)
        if not due:
            # Confirmed meanwhile, in another session: nothing left to ask.
            self.request.session.pop(PROFILE_REVIEW_SESSION_KEY, None)
        return render(
            self.request,
            "qsep/employment_update.html",
            {
                "form": form,
                "profile": profile or learner_employment_get(user=user),
                "due": due,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        profile = learner_employment_get(user=request.user)  # type: ignore[arg-type]
        initial: dict[str, object] = {}
        if profile is not None:
            initial = {
                "employment_type": profile.employment_type or None,
                "survey_types": list(profile.survey_types.all()),
            }
        return self.render_page(EmploymentForm(initial=initial), profile)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EmploymentForm(request.POST)
        if form.is_valid():
            try:
                learner_employment_update(
                    user=request.user,  # type: ignore[arg-type]
                    employment_type=form.cleaned_data["employment_type"],
                    survey_types=form.cleaned_data["survey_types"],
                    request=request,
                )
            except ProfileReviewError as error:
                form.add_error(None, str(error))
            else:
                request.session.pop(PROFILE_REVIEW_SESSION_KEY, None)
                messages.success(
                    request, "Saved. Your employment and survey types are confirmed."
                )
                return redirect("harp:profile")
        return self.render_page(form)
