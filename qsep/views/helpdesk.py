"""The help desk's transfers: find a learner, move them to another State Agency."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from harp.forms import HelpDeskFindForm
from harp.models import User
from harp.views.helpdesk import HelpDeskPageMixin
from qsep.forms import LearnerTransferForm
from qsep.selectors import transfers as selectors
from qsep.services.transfers import TransferError, learner_transfer


class TransferListView(HelpDeskPageMixin, View):
    """The newest transfers, and a look-up of a learner by user ID or email."""

    permission_required = "qsep.transfer_learner"

    def get(self, request: HttpRequest) -> HttpResponse:
        searching = "q" in request.GET
        form = HelpDeskFindForm(request.GET if searching else None)
        context: dict[str, Any] = {"form": form, "searching": searching}
        if searching:
            context["found"] = (
                selectors.transfer_learner_find(text=form.cleaned_data["q"])
                if form.is_valid()
                else []
            )
        context["transfers"] = selectors.learner_transfer_list_recent()
        return render(request, "qsep/helpdesk/transfer_list.html", context)


class TransferView(HelpDeskPageMixin, View):
    """One learner: their State Agency now, and the form that moves them."""

    permission_required = "qsep.transfer_learner"

    def render_page(
        self, user_id: int, form: LearnerTransferForm | None = None
    ) -> HttpResponse:
        found = selectors.transfer_learner_get(user_id=user_id)
        if found is None:
            raise Http404("No such learner.")
        learner, profile = found
        return render(
            self.request,
            "qsep/helpdesk/transfer.html",
            {
                "learner": learner,
                "profile": profile,
                "myself": learner.pk == self.request.user.pk,
                "form": form or LearnerTransferForm(),
            },
        )

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        return self.render_page(user_id)

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        learner = User.objects.filter(pk=user_id).first()
        if learner is None:
            raise Http404("No such learner.")
        form = LearnerTransferForm(request.POST)
        if not form.is_valid():
            return self.render_page(user_id, form)
        try:
            transfer = learner_transfer(
                learner=learner,
                to_agency=form.cleaned_data["to_agency"],
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
                request=request,
            )
        except TransferError as error:
            form.add_error(None, str(error))
            return self.render_page(user_id, form)
        messages.success(
            request,
            f"{learner.username} moved to {transfer.to_agency.name}. They and the "
            "training coordinators of both State Agencies are told.",
        )
        return redirect("helpdesk:transfers")
