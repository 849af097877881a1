"""Remote proofing pages, for a signed-in user or for a registration in progress.

Who is being proofed (the subject) is the signed-in user, or, during registration,
the registration whose profile and credentials steps are done; its attempts are tied
together by a random key until the account exists. The identity proofed is always the
subject's profile: the person types only the SSN.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from harp import registration
from harp.models import User
from harp.services.accounts import IDENTITY_FIELDS
from proofing import selectors, services
from proofing.forms import IdentityForm, QuestionsForm, ReferenceNumberForm
from proofing.models import RemoteProofingAttempt
from proofing.registration import ProofingStep, registration_key
from proofing.vendors import get_vendor
from proofing.vendors.base import Identity
from proofing.views.no_store import NoStoreMixin

Status = RemoteProofingAttempt.Status
# The identity the help desk corrects, and the phone the vendor checks with it.
PROFILE_FIELDS = [*IDENTITY_FIELDS, "phone"]


@dataclass
class Subject:
    user: User | None
    registration_key: str
    # The profile: where the identity proofed comes from, and shown read-only.
    profile: dict[str, Any]
    identity: Identity | None

    @property
    def registering(self) -> bool:
        return self.user is None

    @property
    def identity_digest(self) -> str:
        return services.identity_digest(self.identity) if self.identity else ""


def _subject(request: HttpRequest) -> Subject | None:
    if request.user.is_authenticated:
        user: User = request.user
        profile = {field: getattr(user, field) for field in PROFILE_FIELDS}
        return Subject(
            user=user,
            registration_key="",
            profile=profile,
            identity=services.profile_identity(profile),
        )
    data = registration.get_data(request)
    pending = registration.first_incomplete(data)
    if pending is None or pending.key != ProofingStep.key:
        return None
    key = registration_key(data)
    registration.set_data(request, data)
    profile = registration.profile_data(data)
    identity = services.profile_identity(profile)
    if identity is not None:
        profile["date_of_birth"] = identity.date_of_birth
    return Subject(user=None, registration_key=key, profile=profile, identity=identity)


class SubjectMixin(NoStoreMixin, View):
    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        subject = _subject(request)
        if subject is None:
            return redirect("harp:register")
        self.subject = subject
        if subject.user is not None and subject.user.is_identity_proofed:
            return render(request, "proofing/proofed.html")
        self.attempt = selectors.remote_proofing_current(
            user=subject.user,
            registration_key=subject.registration_key,
            identity_digest=subject.identity_digest,
        )
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, template: str, **context: Any) -> HttpResponse:
        context.update(
            subject=self.subject,
            attempt=self.attempt,
            vendor=get_vendor(),
            steps=registration.steps() if self.subject.registering else None,
            current_key=ProofingStep.key,
        )
        return render(self.request, template, context)


@method_decorator(sensitive_post_parameters("ssn"), name="dispatch")
class ProofingStartView(SubjectMixin):
    """The SSN form beside the profile's name, date of birth and address.

    The identity sent to the vendor is the profile's; only the SSN is typed, fresh
    every time, and never written back into the page.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.attempt is not None and self.attempt.status == Status.OPEN:
            return redirect("proofing:questions")
        return self.render_page("proofing/start.html", form=IdentityForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IdentityForm(request.POST)
        if self.subject.identity is None or not form.is_valid():
            return self.render_page("proofing/start.html", form=form)
        identity = replace(self.subject.identity, ssn=form.cleaned_data["ssn"])
        try:
            attempt = services.remote_proofing_start(
                identity=identity,
                request=request,
                user=self.subject.user,
                registration_key=self.subject.registration_key,
            )
        except services.ProofingError as error:
            form.add_error(None, str(error))
            return self.render_page("proofing/start.html", form=form, refused=True)
        if attempt.status == Status.OPEN:
            return redirect("proofing:questions")
        return redirect("proofing:result")


class ProofingQuestionsView(SubjectMixin):
    """Five questions; answers left idle past the time limit expire the set."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.attempt is None or self.attempt.status != Status.OPEN:
            return redirect("proofing:start")
        if self.attempt.is_expired:
            services.remote_proofing_answer(
                attempt=self.attempt, answers={}, request=request
            )
            return redirect("proofing:result")
        return self._render(QuestionsForm(questions=self.attempt.questions))

    def _render(self, form: QuestionsForm) -> HttpResponse:
        return self.render_page(
            "proofing/questions.html",
            form=form,
            minutes=settings.PROOFING_QUESTION_TIMEOUT // 60,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.attempt is None or self.attempt.status != Status.OPEN:
            return redirect("proofing:start")
        form = QuestionsForm(request.POST, questions=self.attempt.questions)
        if not form.is_valid() and not self.attempt.is_expired:
            return self._render(form)
        answers = form.cleaned_data if form.is_valid() else {}
        attempt = services.remote_proofing_answer(
            attempt=self.attempt, answers=answers, request=request
        )
        if attempt.status == Status.PASSED and self.subject.registering:
            return _registration_proofed(request)
        return redirect("proofing:result")


def _registration_proofed(request: HttpRequest) -> HttpResponse:
    data = registration.get_data(request)
    data.setdefault(ProofingStep.key, {})["done"] = True
    registration.set_data(request, data)
    return redirect("harp:register")


class ProofingResultView(SubjectMixin):
    """What happened, and the ways on: retry, phone reference number, documents."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.attempt is None:
            return redirect("proofing:start")
        return self.render_page("proofing/result.html")


class ProofingReferenceView(SubjectMixin):
    """After a failed set: call the vendor, then type the reference number it gives."""

    def usable(self) -> bool:
        return self.attempt is not None and bool(self.attempt.session_ref)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not self.usable():
            messages.info(request, "Answer a set of questions first.")
            return redirect("proofing:start")
        return self.render_page("proofing/reference.html", form=ReferenceNumberForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.attempt is None or not self.usable():
            return redirect("proofing:start")
        form = ReferenceNumberForm(request.POST)
        if form.is_valid():
            try:
                ok = services.remote_proofing_reference(
                    attempt=self.attempt,
                    reference_number=form.cleaned_data["reference_number"],
                    request=request,
                )
            except services.ProofingError as error:
                form.add_error(None, str(error))
                ok = False
            else:
                if not ok:
                    form.add_error(
                        "reference_number",
                        "That reference number was not accepted. Check it with the "
                        "vendor and type it again.",
                    )
            if ok:
                if self.subject.registering:
                    return _registration_proofed(request)
                messages.success(request, "Your identity is proofed.")
                return redirect(reverse("harp:profile"))
        return self.render_page("proofing/reference.html", form=form)
