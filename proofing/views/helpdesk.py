"""The help desk's manual-proofing queue: claim, view documents, decide."""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Iterable
from html import escape
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.views import View

from harp.helpdesk import count_display
from harp.models import User
from harp.row_dates import short_date_time
from proofing import selectors, services
from proofing.documents import private_file_response
from proofing.forms import DecisionForm, QueueFilterForm
from proofing.models import ManualProofingCase, ProofingDocument
from proofing.views.no_store import NoStoreMixin

_NO_CASE = uuid.UUID(int=0)


class _Unit:
    """One of timesince's units in the portal's one language (en-us), as plain
    strings: the lazy translations cost more than the arithmetic."""

    def __init__(self, name: str) -> None:
        self.one, self.many = f"%d {name}", f"%d {name}s"

    def __mod__(self, args: dict[str, int]) -> str:
        return (self.one if args["num"] == 1 else self.many) % args["num"]


# timesince only applies `%` to each (its stubs say str).
_TIME_STRINGS = cast(
    dict[str, str],
    {name: _Unit(name) for name in ("year", "month", "week", "day", "hour", "minute")},
)


def _queue_rows_html(
    cases: Iterable[selectors.QueueCase], case_prefix: str, now: datetime.datetime
) -> SafeString:
    """The queue's rows as the template wrote them, built in one pass.

    Rendered by the template engine, 50 rows were half the page's time (a dozen
    look-ups, two date filters and timesince each). Here: the same HTML, every
    value escaped (`html.escape`, quotes too), the times in the portal's time
    zone as `date:'c'`, `date:"M j, Y g:i A"` and `timesince:now` show them.
    """
    zone = timezone.get_current_timezone()
    rows = []
    for case in cases:
        local = case.submitted_at.astimezone(zone)
        shown = short_date_time(local, zone)
        status = escape(case.status_label)
        if case.claimed_by:
            status = f"{status}: {escape(case.claimed_by)}"
        rows.append(
            "<tr>"
            f'<th scope="row" data-label="Person"><a href="{case_prefix}'
            f'{case.public_id}/">{escape(case.last_name)}, '
            f"{escape(case.first_name)}</a> ({escape(case.username)})</th>"
            f'<td data-label="State">{escape(case.state) or "—"}</td>'
            f'<td data-label="Waiting since"><time datetime="{local.isoformat()}">'
            f"{shown}</time> "
            f"({timesince(case.submitted_at, now, time_strings=_TIME_STRINGS)})</td>"
            f'<td data-label="Documents">{case.document_count}</td>'
            f'<td data-label="Status">{status}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


@functools.cache
def _filter_fields(state: str) -> str:
    """The filter's fields with `state` chosen: the same HTML on every page, and
    a select of 57 options costs more to render than the rest of the form, so
    each worker renders each choice once."""
    return render_to_string(
        "harp/partials/form_fields.html", {"form": QueueFilterForm({"state": state})}
    )


class HelpDeskMixin(NoStoreMixin, LoginRequiredMixin, PermissionRequiredMixin):
    """Help-desk staff only: others signed in get 403; visitors go to sign in."""

    permission_required = "proofing.work_proofing_queue"


class QueueView(HelpDeskMixin, View):
    """Cases waiting for or in review, oldest first, 50 a page by keyset."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = QueueFilterForm(request.GET)
        valid = form.is_valid()
        state = form.cleaned_data["state"] if valid else ""
        after = selectors.QueueCursor.parse(request.GET.get("after", ""))
        before = (
            selectors.QueueCursor.parse(request.GET.get("before", ""))
            if after is None
            else None
        )
        page = selectors.manual_case_queue_page(state=state, after=after, before=before)
        # Each row links to /helpdesk/proofing/<public id>/: one reverse() for
        # the page instead of one per row.
        case_prefix = reverse("helpdesk:case", args=[_NO_CASE])[: -len(f"{_NO_CASE}/")]
        return render(
            request,
            "proofing/helpdesk/queue.html",
            {
                "page": page,
                "count": count_display(page.count)
                + (" case" if page.count == 1 else " cases"),
                "rows": _queue_rows_html(page.cases, case_prefix, timezone.now()),
                "form": form,
                "filter_fields": _filter_fields(state) if valid else "",
                "query": f"state={state}" if state else "",
            },
        )


class CaseView(HelpDeskMixin, View):
    def case(self, public_id: Any) -> ManualProofingCase:
        return get_object_or_404(
            ManualProofingCase.objects.select_related("user", "claimed_by"),
            public_id=public_id,
        )

    def render_page(
        self,
        case: ManualProofingCase,
        form: DecisionForm | None = None,
        matches: list[selectors.PersonMatch] | None = None,
    ) -> HttpResponse:
        mine = case.claimed_by_id == self.request.user.pk
        if matches is None:
            matches = selectors.manual_case_matches(case=case)
        if form is None:
            form = DecisionForm(matches=any(match.proofed for match in matches))
        return render(
            self.request,
            "proofing/helpdesk/case.html",
            {
                "case": case,
                "person": case.user,
                "documents": list(case.documents.all()),
                "documents_open": mine
                and case.status == ManualProofingCase.Status.IN_REVIEW,
                "matches": matches,
                "form": form,
                "mine": mine,
            },
        )

    def get(self, request: HttpRequest, public_id: Any) -> HttpResponse:
        return self.render_page(self.case(public_id))

    def post(self, request: HttpRequest, public_id: Any) -> HttpResponse:
        case = self.case(public_id)
        agent: User = request.user  # type: ignore[assignment]
        if request.POST.get("action") == "claim":
            if services.manual_case_claim(case=case, agent=agent, request=request):
                messages.success(request, "You have claimed this case.")
            else:
                messages.error(request, "Someone else is already working this case.")
            return redirect("helpdesk:case", public_id=case.public_id)
        matches = selectors.manual_case_matches(case=case)
        form = DecisionForm(
            request.POST, matches=any(match.proofed for match in matches)
        )
        if not form.is_valid():
            return self.render_page(case, form, matches)
        try:
            services.manual_case_decide(
                case=case,
                agent=agent,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                matches_confirmed=form.cleaned_data.get(
                    "confirm_different_person", False
                ),
                request=request,
            )
        except services.ProofingError as error:
            if case.claimed_by_id != agent.pk:
                messages.error(request, str(error))
                return redirect("helpdesk:case", public_id=case.public_id)
            form.add_error(None, str(error))
            return self.render_page(case, form, matches)
        messages.success(request, "The decision is saved and the person is emailed.")
        return redirect("helpdesk:queue")


class DocumentView(HelpDeskMixin, View):
    """One document, to the agent reviewing its case only; each viewing is audited.

    A case nobody has submitted, one waiting in the queue, one claimed by another
    agent and one already decided show no documents: 404, as for a wrong address.
    """

    def get(self, request: HttpRequest, public_id: Any) -> HttpResponseBase:
        document = get_object_or_404(
            ProofingDocument.objects.select_related("case"),
            public_id=public_id,
            case__status=ManualProofingCase.Status.IN_REVIEW,
            case__claimed_by=request.user,
        )
        services.manual_document_record_view(
            document=document,
            agent=request.user,  # type: ignore[arg-type]
            request=request,
        )
        return private_file_response(document.file, document.content_type)
