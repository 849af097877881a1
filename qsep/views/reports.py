"""Reports for State Training Coordinators: Find by Learner, a learner's record,
Training status, and their CSV exports.

Who: anyone who coordinates at least one state (their own State Agency through
the State Training Coordinator role, or a proxy state) and superusers; anyone
else signed in gets 403. What: only learners of those states; a state, learner
or page cursor outside them is a 404, in the page, the CSV and the detail view.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from harp.models import User
from qsep.models import Certificate, LearnerProfile
from qsep.report_rows import detail_prefix, learner_rows, status_rows
from qsep.reports_forms import LearnerSearchForm, TrainingStatusForm
from qsep.selectors import reports as selectors
from qsep.selectors import training_status as status_selectors
from qsep.selectors.report_scope import (
    Agency,
    ReportOutOfScope,
    ReportScope,
    report_scope,
)
from qsep.selectors.reports import DEFAULT_SORT, SORTS
from qsep.selectors.training_status import STATUS_LABELS
from qsep.services.reports import report_export_record, report_learner_view_record

LEARNER_COLUMNS = (
    ("name", "Name"),
    ("user_id", "User ID"),
    ("location", "Location"),
    ("facility", "Facility"),
    ("completed", "Courses completed"),
    ("activity", "Last activity"),
)


def _page_size() -> int:
    return settings.QSEP_REPORT_PAGE_SIZE


def _export_batch() -> int:
    return settings.QSEP_REPORT_EXPORT_BATCH


class CoordinatorReportMixin(LoginRequiredMixin, View):
    """Resolves the coordinator's scope (narrowed to the `state` parameter when
    the report takes one) before the handler runs."""

    narrows_by_state = True
    scope: ReportScope

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        state = request.GET.get("state", "") if self.narrows_by_state else ""
        try:
            scope = report_scope(
                coordinator=request.user,
                state=state.strip().upper(),
            )
        except ReportOutOfScope as error:
            raise Http404("That state is not one of yours.") from error
        if scope is None:
            raise PermissionDenied("Reports are for State Training Coordinators.")
        self.scope = scope
        try:
            return super().dispatch(request, *args, **kwargs)
        except ReportOutOfScope as error:
            raise Http404("Not in your states.") from error


def _query(params: dict[str, str], **more: str) -> str:
    return urlencode({key: value for key, value in {**params, **more}.items() if value})


def _csv_safe(value: object) -> str:
    """A cell as text, with a quote before anything a spreadsheet would run as a
    formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """The CSV in chunks of a few hundred lines, produced as the rows are read."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([_csv_safe(value) for value in row]))
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _csv_response(filename: str, lines: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _learner_name(user: User) -> str:
    return selectors.listed_name(user.last_name, user.first_name, user.middle_name)


def _location(profile: LearnerProfile) -> str:
    agency = profile.state_agency
    return f"{agency.name} ({agency.state})" if agency else ""


class ReportsIndexView(CoordinatorReportMixin):
    narrows_by_state = False

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "qsep/reports/index.html", {"scope": self.scope})


class FindByLearnerView(CoordinatorReportMixin):
    """Find by Learner: search, sort by any column both ways, page by keyset."""

    def search(self, request: HttpRequest) -> tuple[LearnerSearchForm, dict[str, str]]:
        form = LearnerSearchForm(request.GET, agencies=self.scope.choices)
        params: dict[str, str] = {}
        if form.is_valid():
            data = form.cleaned_data
            if data["q"]:
                params = {"q": data["q"], "field": data["field"]}
            if data["state"]:
                params["state"] = data["state"]
        return form, params

    @staticmethod
    def sort(request: HttpRequest) -> str:
        sort = request.GET.get("sort", DEFAULT_SORT)
        return sort if sort in SORTS else DEFAULT_SORT

    @staticmethod
    def filter(params: dict[str, str]) -> Any:
        if not params.get("q"):
            return None
        return selectors.learner_search_filter(field=params["field"], text=params["q"])

    def get(self, request: HttpRequest) -> HttpResponse:
        form, params = self.search(request)
        sort = self.sort(request)
        page = None
        if form.is_valid():
            page = selectors.learner_find(
                scope=self.scope,
                search=self.filter(params),
                sort=sort,
                cursor=request.GET.get("cursor", ""),
                per_page=_page_size(),
            )
        headers = []
        for key, label in LEARNER_COLUMNS:
            current = sort.lstrip("-") == key
            descending = sort.startswith("-")
            headers.append(
                {
                    "label": label,
                    "href": "?"
                    + _query(params, sort=f"-{key}" if sort == key else key),
                    "aria_sort": ("descending" if descending else "ascending")
                    if current
                    else "",
                    "arrow": ("▼" if descending else "▲") if current else "",
                    "next": "descending" if sort == key else "ascending",
                }
            )
        return render(
            request,
            "qsep/reports/learners.html",
            {
                "form": form,
                "page": page,
                "scope": self.scope,
                "headers": headers,
                "sort": sort,
                "query": _query(params, sort=sort),
                "csv_url": reverse("qsep:reports-learners-csv")
                + "?"
                + _query(params, sort=sort),
                # Each row links to /training/reports/learners/<user id>/; one
                # reverse() for the page instead of one per row.
                "rows_html": learner_rows(page.rows, detail_prefix()) if page else "",
            },
        )


class FindByLearnerCsvView(FindByLearnerView):
    """The whole result of the same search, streamed in keyset batches."""

    def get(self, request: HttpRequest) -> HttpResponseBase:  # type: ignore[override]
        form, params = self.search(request)
        if not form.is_valid():
            # The page shows the same form with its messages.
            return HttpResponseRedirect(
                reverse("qsep:reports-learners") + "?" + request.GET.urlencode()
            )
        sort = self.sort(request)
        report_export_record(
            coordinator=request.user,  # type: ignore[arg-type]
            report="find-by-learner",
            filters={**params, "sort": sort},
            request=request,
        )
        rows = (
            [
                row.name,
                row.username,
                row.email,
                row.agency_name or "",
                row.agency_state or "",
                row.facility_name or "",
                row.facility_ccn or "",
                row.courses_completed,
                row.last_activity_at,
            ]
            for row in selectors.learner_export(
                scope=self.scope,
                search=self.filter(params),
                sort=sort,
                batch=_export_batch(),
            )
        )
        header = [
            "Name",
            "User ID",
            "Email",
            "State Agency",
            "State",
            "Facility",
            "CCN",
            "Courses completed",
            "Last activity",
        ]
        where = params.get("state") or "all-states"
        filename = f"learners-{where}-{timezone.localdate():%Y%m%d}.csv"
        return _csv_response(filename, _csv_stream(header, rows))


class LearnerDetailView(CoordinatorReportMixin):
    """One learner's record; each look-up is audited."""

    narrows_by_state = False

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        coordinator: User = request.user  # type: ignore[assignment]
        profile = selectors.learner_get_in_scope(scope=self.scope, user_id=user_id)
        learner = profile.user
        report_learner_view_record(
            coordinator=coordinator, learner=learner, request=request
        )
        certificates = (
            Certificate.objects.filter(enrollment__learner=learner)
            .select_related("enrollment__course")
            .order_by("-issued_at", "-pk")
        )
        return render(
            request,
            "qsep/reports/learner_detail.html",
            {
                "profile": profile,
                "learner": learner,
                "name": _learner_name(learner),
                "courses": status_selectors.learner_course_statuses(learner=learner),
                "certificates": list(certificates),
            },
        )


class TrainingStatusView(CoordinatorReportMixin):
    """For a training plan and a state: who has completed, who is in progress,
    who has not started."""

    def bind(self, request: HttpRequest) -> TrainingStatusForm | None:
        if not any(key in request.GET for key in ("plan", "state", "status")):
            return None
        data = request.GET.copy()
        if not data.get("state") and len(self.scope.choices) == 1:
            data["state"] = self.scope.choices[0].state
        return TrainingStatusForm(data, agencies=self.scope.choices)

    def params(self, form: TrainingStatusForm) -> dict[str, str]:
        data = form.cleaned_data
        return {
            "plan": data["plan"].slug,
            "state": data["state"],
            "status": data["status"],
        }

    def agency(self, form: TrainingStatusForm) -> Agency:
        state = form.cleaned_data["state"]
        return next(a for a in self.scope.choices if a.state == state)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.bind(request)
        page = None
        params: dict[str, str] = {}
        if form is None:
            initial = (
                {"state": self.scope.choices[0].state}
                if len(self.scope.choices) == 1
                else {}
            )
            form = TrainingStatusForm(initial=initial, agencies=self.scope.choices)
        elif form.is_valid():
            params = self.params(form)
            page = status_selectors.training_status_page(
                agency=self.agency(form),
                plan=form.cleaned_data["plan"],
                status=params["status"],
                cursor=request.GET.get("cursor", ""),
                per_page=_page_size(),
            )
        return render(
            request,
            "qsep/reports/training_status.html",
            {
                "form": form,
                "page": page,
                "scope": self.scope,
                "plan": form.cleaned_data.get("plan") if params else None,
                "status_label": STATUS_LABELS.get(params.get("status", ""), ""),
                "rows_html": status_rows(page.rows, page.plan_size, detail_prefix())
                if page
                else "",
                "query": _query(params),
                "csv_url": reverse("qsep:reports-training-status-csv")
                + "?"
                + _query(params),
            },
        )


class TrainingStatusCsvView(TrainingStatusView):
    def get(self, request: HttpRequest) -> HttpResponseBase:  # type: ignore[override]
        form = self.bind(request)
        if form is None or not form.is_valid():
            return HttpResponseRedirect(
                reverse("qsep:reports-training-status") + "?" + request.GET.urlencode()
            )
        params = self.params(form)
        plan = form.cleaned_data["plan"]
        report_export_record(
            coordinator=request.user,  # type: ignore[arg-type]
            report="training-status",
            filters=params,
            request=request,
        )
        rows = (
            [
                _learner_name(profile.user),
                profile.user.get_username(),
                profile.user.email,
                profile.facility.name if profile.facility else "",
                (profile.facility.ccn or "") if profile.facility else "",
                profile.plan_done,  # type: ignore[attr-defined]
                STATUS_LABELS[status],
            ]
            for profile, status in status_selectors.training_status_export(
                agency=self.agency(form),
                plan=plan,
                status=params["status"],
                batch=_export_batch(),
            )
        )
        header = [
            "Name",
            "User ID",
            "Email",
            "Facility",
            "CCN",
            "Plan courses completed",
            "Status",
        ]
        filename = (
            f"training-status-{plan.slug}-{params['state']}-"
            f"{timezone.localdate():%Y%m%d}.csv"
        )
        return _csv_response(filename, _csv_stream(header, rows))
