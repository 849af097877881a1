"""My Dashboard: a person's messages, marking them read, coordinators' broadcasts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from harp.messages import (
    SHOW_CHOICES,
    Cursor,
    dashboard_message_page,
    dashboard_unread_count,
    unread_label,
)
from harp.models import User
from harp.services import dashboard_message_mark
from qsep.forms import DashboardBroadcastForm
from qsep.selectors import coordinator_states
from qsep.services.dashboard import coordinator_broadcast_create

FILTERS = (("all", "Show all"), ("unread", "Show unread"), ("read", "Show read"))


def _show(value: str | None) -> str:
    return value if value in SHOW_CHOICES else "all"


def _dashboard_url(*, show: str, before: str = "", after: str = "") -> str:
    """The dashboard with a filter and a page; only well-formed values are kept."""
    query: dict[str, str] = {}
    if show != "all":
        query["show"] = show
    if Cursor.decode(before) is not None:
        query["before"] = before
    elif Cursor.decode(after) is not None:
        query["after"] = after
    url = reverse("qsep:dashboard")
    return f"{url}?{urlencode(query)}" if query else url


def _error_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


class DashboardView(LoginRequiredMixin, View):
    """Learners and HARP users alike: their own messages and the broadcasts meant
    for them, newest first, a keyset page at a time."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        show = _show(request.GET.get("show"))
        before = Cursor.decode(request.GET.get("before"))
        after = None if before else Cursor.decode(request.GET.get("after"))
        page = dashboard_message_page(user=user, show=show, before=before, after=after)
        return render(
            request,
            "qsep/dashboard.html",
            {
                "page": page,
                "show": show,
                "filters": [
                    (key, label, _dashboard_url(show=key)) for key, label in FILTERS
                ],
                "before": before.encode() if before else "",
                "after": after.encode() if after else "",
                "older_url": _dashboard_url(show=show, before=page.older.encode())
                if page.older
                else "",
                "newer_url": _dashboard_url(show=show, after=page.newer.encode())
                if page.newer
                else "",
                "newest_url": _dashboard_url(show=show)
                if (before or after) and not page.newer
                else "",
            },
        )


class DashboardMarkView(LoginRequiredMixin, View):
    """Mark one message read ("read" = "1") or unread (anything else).

    The page's script asks for JSON and gets the new unread count; without
    JavaScript the row's form posts here and is sent back to the same filter and
    page. A message the person may not see is a 404 either way.
    """

    def post(self, request: HttpRequest, message_id: str) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        read = request.POST.get("read") == "1"
        if not dashboard_message_mark(user=user, message_id=message_id, read=read):
            raise Http404("No such message on your dashboard.")
        if "application/json" in request.headers.get("Accept", ""):
            count = dashboard_unread_count(user=user)
            return JsonResponse(
                {"read": read, "unread": count, "unread_label": unread_label(count)}
            )
        messages.success(
            request, "Message marked read." if read else "Message marked unread."
        )
        return redirect(
            _dashboard_url(
                show=_show(request.POST.get("show")),
                before=request.POST.get("before", ""),
                after=request.POST.get("after", ""),
            )
        )


class DashboardBroadcastView(LoginRequiredMixin, View):
    """State Training Coordinators broadcast to the learners of one of their states
    (own State Agency or a proxy in force); superusers to any state. Admins
    broadcast to any audience in the admin."""

    def _states(self, request: HttpRequest) -> set[str] | None:
        user: User = request.user  # type: ignore[assignment]
        states = coordinator_states(coordinator=user)
        if states is not None and not states:
            raise PermissionDenied("Only State Training Coordinators broadcast here.")
        return states

    def get(self, request: HttpRequest) -> HttpResponse:
        states = self._states(request)
        return self._render(request, DashboardBroadcastForm(states=states), states)

    def post(self, request: HttpRequest) -> HttpResponse:
        states = self._states(request)
        form = DashboardBroadcastForm(request.POST, states=states)
        if form.is_valid():
            try:
                message = coordinator_broadcast_create(
                    coordinator=request.user,  # type: ignore[arg-type]
                    state=form.cleaned_data["state"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    link=form.cleaned_data["link"],
                    request=request,
                    submission_key=form.cleaned_data["submission"],
                )
            except ValidationError as error:
                for field, errors in _error_dict(error).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                choices = form.fields["state"].choices  # type: ignore[attr-defined]
                label = dict(choices)[form.cleaned_data["state"]]
                messages.success(
                    request,
                    f"Sent “{message.subject}” to the learners of the {label}.",
                )
                return redirect("qsep:dashboard-broadcast")
        return self._render(request, form, states)

    def _render(
        self,
        request: HttpRequest,
        form: DashboardBroadcastForm,
        states: set[str] | None,
    ) -> HttpResponse:
        return render(
            request,
            "qsep/dashboard_broadcast.html",
            {"form": form, "every_state": states is None},
        )
