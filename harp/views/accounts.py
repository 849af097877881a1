"""Registration and account recovery pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from harp import registration, services
from harp.forms import ForgotUserIdForm, ResendConfirmationForm


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
        self.step.save(form, self.data)
        registration.set_data(request, self.data)
        pending = registration.first_incomplete(self.data)
        if pending is not None:
            return redirect(pending.url())
        response = _finish(request, self.data, form=form)
        return response if response is not None else self.render_step(form)


def _finish(
    request: HttpRequest, data: dict[str, Any], form: Any
) -> HttpResponse | None:
    """Create the account; if that fails, put the reason on the form (or a message)."""
    try:
        user = registration.finish(request, data)
    except ValidationError as error:
        # Someone took the user ID or email address since the step was checked.
        problems = [p for ps in error.message_dict.values() for p in ps]
        if form is None:
            for problem in problems:
                messages.error(request, problem)
            data.pop("credentials", None)
            registration.set_data(request, data)
            return redirect("harp:register")
        for problem in problems:
            form.add_error(None, problem)
        return None
    request.session["harp_registered_email"] = user.email
    request.session["harp_registered_manual"] = not user.is_identity_proofed
    return redirect("harp:register-done")


class RegisterDoneView(TemplateView):
    template_name = "harp/register_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.session.get("harp_registered_email", "")
        context["manual"] = self.request.session.get("harp_registered_manual", False)
        return context


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

    def act(self, email: str) -> None:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        self.act(form.cleaned_data["email"])
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

    def act(self, email: str) -> None:
        services.user_id_reminder_send(email=email, request=self.request)


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

    def act(self, email: str) -> None:
        services.email_confirmation_resend(email=email, request=self.request)
