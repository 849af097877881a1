"""Manual proofing for the person: choose it, upload documents, submit."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from harp import registration
from harp.models import User
from proofing import services
from proofing.forms import DocumentUploadForm, SubmitCaseForm
from proofing.models import ManualProofingCase, ProofingDocument
from proofing.registration import ProofingStep
from proofing.services.manual import missing
from proofing.views.no_store import NoStoreMixin


class ManualChooseView(NoStoreMixin, View):
    """Choose documents instead of questions, during registration or later."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("proofing:manual")
        data = registration.get_data(request)
        pending = registration.first_incomplete(data)
        if pending is None or pending.key != ProofingStep.key:
            return redirect("harp:register")
        data.setdefault(ProofingStep.key, {}).update(done=True, manual=True)
        registration.set_data(request, data)
        return redirect("harp:register")


class ManualCaseView(NoStoreMixin, LoginRequiredMixin, View):
    template_name = "proofing/manual.html"

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.is_identity_proofed:
            return render(request, "proofing/proofed.html")
        return super().dispatch(request, *args, **kwargs)

    def case(self) -> ManualProofingCase:
        user: User = self.request.user  # type: ignore[assignment]
        return services.manual_case_for_user(user=user, request=self.request)

    def render_page(self, case: ManualProofingCase, **context: object) -> HttpResponse:
        context.setdefault("upload_form", DocumentUploadForm())
        context.setdefault("submit_form", SubmitCaseForm())
        return render(
            self.request,
            self.template_name,
            {
                "case": case,
                "documents": list(case.documents.all()),
                "missing": missing(case),
                "editable": case.status
                in (
                    ManualProofingCase.Status.COLLECTING,
                    ManualProofingCase.Status.MORE_INFO,
                ),
                **context,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(self.case())

    def post(self, request: HttpRequest) -> HttpResponse:
        case = self.case()
        action = request.POST.get("action")
        if action == "upload":
            return self.upload(case)
        try:
            if action == "remove":
                document_id = _uuid(request.POST.get("document", ""))
                document = (
                    ProofingDocument.objects.filter(
                        case=case, public_id=document_id
                    ).first()
                    if document_id
                    else None
                )
                if document is None:
                    messages.error(request, "That document was not found.")
                else:
                    services.manual_document_remove(
                        case=case, document=document, request=request
                    )
                    messages.success(request, "The document was removed.")
            elif action == "submit":
                form = SubmitCaseForm(request.POST)
                if not form.is_valid():
                    return self.render_page(case, submit_form=form)
                services.manual_case_submit(
                    case=case, ssn_last4=form.cleaned_data["ssn_last4"], request=request
                )
                messages.success(
                    request, "Your documents are with the help desk. We will email you."
                )
        except services.ProofingError as error:
            messages.error(request, str(error))
        return redirect("proofing:manual")

    def upload(self, case: ManualProofingCase) -> HttpResponse:
        if case.status not in (
            ManualProofingCase.Status.COLLECTING,
            ManualProofingCase.Status.MORE_INFO,
        ):
            messages.error(
                self.request,
                "The help desk is reviewing your documents; you can't change them now.",
            )
            return redirect("proofing:manual")
        form = DocumentUploadForm(self.request.POST, self.request.FILES)
        if form.is_valid():
            try:
                services.manual_document_add(
                    case=case,
                    kind=form.cleaned_data["kind"],
                    id_type=form.cleaned_data["id_type"],
                    upload=form.cleaned_data["file"],
                    request=self.request,
                )
            except services.ProofingError as error:
                form.add_error("file", str(error))
            else:
                messages.success(self.request, "The document was added.")
                return redirect("proofing:manual")
        return self.render_page(case, upload_form=form)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
