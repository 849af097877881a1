"""The help-desk console's home, manual activation and sign-in unlocks.

These are the help desk's own pages: they confirm an email address or lift a lock,
and never change anybody's rights or credentials (that is the admin's, and only a
superuser's).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views import View

from harp import helpdesk
from harp.forms import HelpDeskFindForm, HelpDeskReasonForm
from harp.models import User
from harp.services import user_unlock
from harp.services.accounts import user_is_locked
from harp.services.helpdesk import HelpDeskError, user_activate


class HelpDeskPageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Signed-in holders of the permission only (others 403, visitors sign in);
    the pages show personal data, so no browser or proxy keeps a copy."""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class HelpDeskHomeView(HelpDeskPageMixin, View):
    """The queues this person may work, each with its count."""

    def has_permission(self) -> bool:
        return helpdesk.helpdesk_may_open(user=self.request.user)  # type: ignore[arg-type]

    def get(self, request: HttpRequest) -> HttpResponse:
        cards = helpdesk.helpdesk_cards(user=request.user)  # type: ignore[arg-type]
        return render(request, "harp/helpdesk/home.html", {"cards": cards})


def _positive_int(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


class ActivationListView(HelpDeskPageMixin, View):
    """Accounts that never confirmed their email address: newest, or one found."""

    permission_required = "harp.activate_user"

    def get(self, request: HttpRequest) -> HttpResponse:
        searching = "q" in request.GET
        form = HelpDeskFindForm(request.GET if searching else None)
        context: dict[str, Any] = {"form": form, "searching": searching}
        if searching:
            context["addresses"] = (
                helpdesk.activation_request_search(text=form.cleaned_data["q"])
                if form.is_valid()
                else []
            )
        else:
            before = _positive_int(request.GET.get("before"))
            size = helpdesk.ACTIVATION_PAGE_SIZE
            rows = helpdesk.activation_request_list(before=before, size=size)
            context["addresses"] = rows[:size]
            context["next_before"] = rows[size - 1].pk if len(rows) > size else None
            context["paged"] = before is not None
        return render(request, "harp/helpdesk/activation_list.html", context)


class ActivationConfirmView(HelpDeskPageMixin, View):
    """One account: confirm its email address, with a reason."""

    permission_required = "harp.activate_user"

    def render_page(
        self, user_id: int, form: HelpDeskReasonForm | None = None
    ) -> HttpResponse:
        found = helpdesk.activation_user_get(user_id=user_id)
        if found is None:
            raise Http404("No such account.")
        person, address = found
        actor = self.request.user
        return render(
            self.request,
            "harp/helpdesk/activation_confirm.html",
            {
                "person": person,
                "address": address,
                "superuser_only": person.is_superuser and not actor.is_superuser,
                "form": form or HelpDeskReasonForm(),
            },
        )

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        return self.render_page(user_id)

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        person = get_object_or_404(User, pk=user_id)
        form = HelpDeskReasonForm(request.POST)
        if not form.is_valid():
            return self.render_page(user_id, form)
        try:
            user_activate(
                user=person,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except HelpDeskError as error:
            messages.error(request, str(error))
            return redirect("helpdesk:activation-confirm", user_id=person.pk)
        messages.success(
            request,
            f"{person.username} is activated: their email address is confirmed and "
            "they are emailed that they can sign in.",
        )
        return redirect("helpdesk:activation")


class UnlockListView(HelpDeskPageMixin, View):
    """Accounts locked now after failed sign-ins or codes, the soonest ending first."""

    permission_required = "harp.unlock_user"

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(
            helpdesk.locked_user_list(), helpdesk.UNLOCK_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        return render(request, "harp/helpdesk/unlock_list.html", {"page": page})


class UnlockView(HelpDeskPageMixin, View):
    """Lift the lock on one account (POST only), as the admin's unlock action does."""

    permission_required = "harp.unlock_user"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        person = get_object_or_404(User, pk=user_id)
        actor: User = request.user  # type: ignore[assignment]
        if person.is_superuser and not actor.is_superuser:
            messages.error(
                request,
                f"Only a superuser unlocks a superuser's account: {person.username} "
                "stays locked.",
            )
        elif not (person.is_locked or user_is_locked(typed_user_id=person.username)):
            messages.info(
                request, f"{person.username} is not locked: there is nothing to unlock."
            )
        else:
            user_unlock(user=person, actor=actor, request=request)
            messages.success(request, f"{person.username} can sign in again.")
        return redirect("helpdesk:unlocks")
