"""Registration and account recovery pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from harp import registration, services
from harp.forms import ForgotUserIdForm, ResendConfirmationForm
from harp.services.accounts import registration_email_taken_notify, user_email_taken


class RegisterStartView(View):
    """/register/: on to the first step not yet done."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            messages.info(request, "You already have an account and are signed in.")
            return redirect("harp:profile")
        data = registration.get_data(request)
        step = registration.first_incomplete(data)
        if step is not None:
            return redirect(step.url())
        if not data:
            return redirect(registration.steps()[0].url())
        # Every step is done, the last one on pages of its own: create the account.
        return _finish(request, data, form=None) or redirect("harp:register")


class RegisterStepView(View):
    """One registration step. Later steps wait until earlier ones are done."""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect("harp:profile")
        self.steps = registration.steps()
        keys = [step.key for step in self.steps]
        if kwargs["key"] not in keys:
            raise Http404("No such registration step.")
        self.index = keys.index(kwargs["key"])
        self.step = self.steps[self.index]
        self.data = registration.get_data(request)
        pending = registration.first_incomplete(self.data)
        if pending is not None and keys.index(pending.key) < self.index:
            return redirect(pending.url())
        return super().dispatch(request, *args, **kwargs)

    def render_step(self, form: Any) -> HttpResponse:
        return render(
            self.request,
            self.step.template_name,
            {
                "form": form,
                "step": self.step,
                "steps": self.steps,
                "index": self.index,
                "previous": self.steps[self.index - 1] if self.index else None,
                "is_last": self.index == len(self.steps) - 1,
            },
        )

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.render_step(
            self.step.form_class(**self.step.form_kwargs(self.data))
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        form = self.step.form_class(
            data=request.POST, **self.step.form_kwargs(self.data)
        )
        if not form.is_valid():
            return self.render_step(form)
        for note in registration.step_save(self.step, form, self.data):
            messages.warning(request, note)
        registration.set_data(request, self.data)
        pending = registration.first_incomplete(self.data)
        if pending is not None:
            return redirect(pending.url())
        response = _finish(request, self.data, form=form)
        return response if response is not None else self.render_step(form)


def _finish(
    request: HttpRequest, data: dict[str, Any], form: Any
) -> HttpResponse | None:
    """Create the account; if that fails, put the reason on the form (or a message).

    An email address that already has an account creates nothing: its owner is
    emailed, and this person sees the same "check your email" page as for a new
    account, whether the address was taken before or during registration.
    """
    email = str(data.get("profile", {}).get("email", ""))
    if email and user_email_taken(email=email):
        return _email_taken(request, data, email)
    try:
        user = registration.finish(request, data)
    except (ValidationError, IntegrityError) as error:
        if email and user_email_taken(email=email):
            return _email_taken(request, data, email)
        # Someone took the user ID since the step was checked.
        problems = (
            [p for ps in error.message_dict.values() for p in ps]
            if isinstance(error, ValidationError) and hasattr(error, "error_dict")
            else ["That user ID is taken. Choose another."]
        )
        if form is None:
            for problem in problems:
                messages.error(request, problem)
            data.pop("credentials", None)
            registration.set_data(request, data)
            return redirect("harp:register")
        for problem in problems:
            form.add_error(None, problem)
        return None
    return _registration_done(request, user.email, data)


def _chose_manual_proofing(data: dict[str, Any]) -> bool:
    """Whether a step recorded that the person chose manual (document) proofing."""
    return any(
        isinstance(state, dict) and bool(state.get("manual")) for state in data.values()
    )


def _registration_done(
    request: HttpRequest, email: str, data: dict[str, Any]
) -> HttpResponse:
    request.session["harp_registered_email"] = email
    request.session["harp_registered_manual"] = _chose_manual_proofing(data)
    return redirect("harp:register-done")


def _email_taken(
    request: HttpRequest, data: dict[str, Any], email: str
) -> HttpResponse:
    registration_email_taken_notify(email=email, request=request)
    request.session.pop(registration.SESSION_KEY, None)
    return _registration_done(request, email, data)


class RegisterDoneView(TemplateView):
    template_name = "harp/register_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.session.get("harp_registered_email", "")
        context["manual"] = self.request.session.get("harp_registered_manual", False)
        return context


RECOVERY_LIMITED = (
    "We have sent as many of these emails as we can for now. If an account uses "
    "that address, check its inbox and spam folder for the earlier email, or try "
    "again later."
)


class _SameAnswerFormView(FormView):
    """A recovery form that answers the same whether or not an account matched.

    Subclasses name the service to call with the address and the message to show,
    so that the page never tells a stranger which addresses have accounts.
    """

    template_name = "harp/simple_form.html"
    page_title: str
    page_intro: str
    submit_label: str
    done_message: str

    def act(self, email: str) -> bool:
        """Send what the page promises; False when the email limits refuse it."""
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        if not self.act(form.cleaned_data["email"]):
            # Counted for the typed address and the client alike, whether or not an
            # account uses the address: the refusal tells nothing about accounts.
            form.add_error(None, RECOVERY_LIMITED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        messages.success(self.request, self.done_message)
        return redirect(reverse("account_login"))


class ForgotUserIdView(_SameAnswerFormView):
    form_class = ForgotUserIdForm
    page_title = "Forgot user ID"
    page_intro = (
        "Enter the email address on your account and we'll email you your user ID."
    )
    submit_label = "Email my user ID"
    done_message = (
        "If an account uses that email address, we have emailed its user ID there. "
        "It can take a few minutes to arrive."
    )

    def act(self, email: str) -> bool:
        return services.user_id_reminder_send(email=email, request=self.request)


class ResendConfirmationView(_SameAnswerFormView):
    form_class = ResendConfirmationForm
    page_title = "Resend the confirmation link"
    page_intro = (
        "An account can be used only after its email address is confirmed. Enter "
        "the address you registered with and we'll send a new link."
    )
    submit_label = "Send a new link"
    done_message = (
        "If an unconfirmed account uses that email address, we have sent a new "
        "confirmation link to it. Open the link within 3 days."
    )

    def act(self, email: str) -> bool:
        return services.email_confirmation_resend(email=email, request=self.request)
