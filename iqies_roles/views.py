"""Role request wizard, security officials' approvals, and revocation."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views import View

from harp.models import User
from harp.row_dates import short_date
from iqies_roles import selectors, services
from iqies_roles.forms import (
    CategoryForm,
    CcnForm,
    DecisionForm,
    OrganizationChoiceForm,
    RevokeForm,
    RoleChoiceForm,
)
from iqies_roles.models import (
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
    RoleRequest,
    UserCategory,
)

SESSION_KEY = "iqies_role_request"
STEPS = [
    ("category", "User category"),
    ("role", "User role"),
    ("organizations", "Organizations"),
    ("review", "Review and submit"),
]
CCN_CATEGORIES = (UserCategory.PROVIDER, UserCategory.VENDOR)


class RequestWizardMixin(LoginRequiredMixin, View):
    step = ""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.user: User = request.user
        problems = services.requester_problems(self.user)
        if problems:
            return render(
                request, "iqies_roles/request_blocked.html", {"problems": problems}
            )
        self.state: dict[str, Any] = dict(request.session.get(SESSION_KEY, {}))
        role_id = self.state.get("role")
        self.role = Role.objects.filter(pk=role_id).first() if role_id else None
        needed = self.first_missing()
        order = [key for key, _ in STEPS]
        if needed is not None and order.index(needed) < order.index(self.step):
            return redirect(f"roles:request-{needed}")
        return super().dispatch(request, *args, **kwargs)

    def first_missing(self) -> str | None:
        if not self.state.get("category"):
            return "category"
        if self.role is None:
            return "role"
        if not self.state.get("organizations"):
            return "organizations"
        return None

    def save(self) -> None:
        self.request.session[SESSION_KEY] = self.state

    def organizations(self) -> list[Organization]:
        ids = self.state.get("organizations", [])
        found = {org.pk: org for org in Organization.objects.filter(pk__in=ids)}
        return [found[pk] for pk in ids if pk in found]

    def render_step(self, template: str, **context: Any) -> HttpResponse:
        return render(
            self.request,
            template,
            {
                "steps": STEPS,
                "current": self.step,
                "index": [key for key, _ in STEPS].index(self.step),
                "category_label": UserCategory(self.state["category"]).label
                if self.state.get("category")
                else "",
                "role": self.role,
                **context,
            },
        )


class CategoryStepView(RequestWizardMixin):
    step = "category"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CategoryForm(initial={"category": self.state.get("category")})
        return self.render_step("iqies_roles/request_category.html", form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CategoryForm(request.POST)
        if not form.is_valid():
            return self.render_step("iqies_roles/request_category.html", form=form)
        if form.cleaned_data["category"] != self.state.get("category"):
            self.state = {"category": form.cleaned_data["category"]}
        self.save()
        return redirect("roles:request-role")


class RoleStepView(RequestWizardMixin):
    step = "role"

    def form(self, data: Any = None) -> RoleChoiceForm:
        roles = selectors.roles_for_category(self.state["category"])
        initial = {"role": str(self.role.pk)} if self.role else None
        return RoleChoiceForm(data, roles=roles, initial=initial)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_step("iqies_roles/request_role.html", form=self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_step("iqies_roles/request_role.html", form=form)
        role = form.cleaned_data["role"]
        if self.role is None or role.pk != self.role.pk:
            self.state.update(role=role.pk, organizations=[])
        self.save()
        return redirect("roles:request-organizations")


class OrganizationsStepView(RequestWizardMixin):
    step = "organizations"

    def uses_ccn(self) -> bool:
        return self.state["category"] in CCN_CATEGORIES

    def render_page(self, **context: Any) -> HttpResponse:
        if self.uses_ccn():
            context.setdefault("ccn_form", CcnForm())
        elif self.role and self.role.organization_kind != OrganizationKind.CMS:
            context.setdefault(
                "choice_form", OrganizationChoiceForm(kind=self.role.organization_kind)
            )
        return self.render_step(
            "iqies_roles/request_organizations.html",
            chosen=self.organizations(),
            **context,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.role is None:
            return redirect("roles:request-role")
        action = request.POST.get("action")
        chosen = list(self.state.get("organizations", []))
        if action == "add" and self.uses_ccn():
            form = CcnForm(request.POST)
            if not form.is_valid():
                return self.render_page(ccn_form=form)
            organization = form.cleaned_data["ccn"]
            if organization.pk not in chosen:
                chosen.append(organization.pk)
            self.state["organizations"] = chosen
            self.save()
            return redirect("roles:request-organizations")
        if action == "remove":
            self.state["organizations"] = [
                pk for pk in chosen if str(pk) != request.POST.get("organization")
            ]
            self.save()
            return redirect("roles:request-organizations")
        if not self.uses_ccn():
            choice = OrganizationChoiceForm(
                request.POST, kind=self.role.organization_kind
            )
            if self.role.organization_kind == OrganizationKind.CMS:
                cms = Organization.objects.filter(kind=OrganizationKind.CMS).first()
                chosen = [cms.pk] if cms else []
            elif not choice.is_valid():
                return self.render_page(choice_form=choice)
            else:
                chosen = [choice.cleaned_data["organization"].pk]
            self.state["organizations"] = chosen
            self.save()
        if not self.state.get("organizations"):
            messages.error(request, "Add at least one organization.")
            return redirect("roles:request-organizations")
        return redirect("roles:request-review")


class ReviewStepView(RequestWizardMixin):
    step = "review"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_step(
            "iqies_roles/request_review.html", organizations=self.organizations()
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.role is None:
            return redirect("roles:request-role")
        try:
            services.role_request_submit(
                requester=self.user,
                category=self.state["category"],
                role=self.role,
                organizations=self.organizations(),
                request=request,
            )
        except services.RoleRuleError as error:
            return self.render_step(
                "iqies_roles/request_review.html",
                organizations=self.organizations(),
                error=str(error),
            )
        request.session.pop(SESSION_KEY, None)
        messages.success(request, "Role request submitted.")
        return redirect("harp:profile")


CATEGORY_LABELS = {str(value): str(label) for value, label in UserCategory.choices}


def _address(name: str) -> tuple[str, str]:
    """The address of `name` for one id, around the id, escaped: one reverse()
    for a page of links instead of one per row."""
    before, _, after = reverse(name, args=[987_654_321]).partition("987654321")
    return escape(before), escape(after)


# The rows of the approvals page, as HTML built in one pass (as qsep.table_rows
# does for My Training): by the template engine each row cost a `{% url %}`, a
# date filter and a dozen look-ups, most of the page's time. Every value is
# escaped (`html.escape`, quotes too, as the template's autoescape does); the
# HTML is the template's, without its indentation.
def request_rows(requests: Iterable[RoleRequest]) -> SafeString:
    decision, after = _address("roles:decision")
    rows = []
    for rr in requests:
        requester = rr.requester
        proofed = "Proofed" if requester.identity_proofed_at else "Not proofed"
        rows.append(
            "<tr>"
            f'<th scope="row" data-label="Requester"><a href="{decision}'
            f'{int(rr.pk)}{after}">{escape(requester.last_name)}, '
            f"{escape(requester.first_name)}</a></th>"
            f'<td data-label="User ID">{escape(requester.get_username())}</td>'
            f'<td data-label="Category">'
            f"{escape(CATEGORY_LABELS.get(rr.category, rr.category))}</td>"
            f'<td data-label="Role">{escape(rr.role.name)}</td>'
            f'<td data-label="Organization">{escape(str(rr.organization))}</td>'
            f'<td data-label="Identity">{proofed}</td>'
            f'<td data-label="Requested">{short_date(rr.created_at)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


def assignment_rows(assignments: Iterable[RoleAssignment], me: int) -> SafeString:
    revoke, after = _address("roles:revoke")
    rows = []
    for assignment in assignments:
        user, role = assignment.user, escape(assignment.role.name)
        username = escape(user.get_username())
        action = (
            f'<a href="{revoke}{int(assignment.pk)}{after}">Revoke '
            f'<span class="usa-sr-only">{role} of {username}</span></a>'
            if assignment.user_id != me
            else ""
        )
        rows.append(
            "<tr>"
            f'<th scope="row" data-label="Person">{escape(user.full_name)} '
            f"({username})</th>"
            f'<td data-label="Role">{role}</td>'
            f'<td data-label="Organization">{escape(str(assignment.organization))}</td>'
            f'<td data-label="Actions">{action}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


class ApprovalsView(LoginRequiredMixin, View):
    """A security official's queue: their organizations' pending requests only."""

    def get(self, request: HttpRequest) -> HttpResponse:
        official: User = request.user  # type: ignore[assignment]
        after = selectors.RequestCursor.decode(request.GET.get("after"))
        page = selectors.role_request_page_pending(official=official, after=after)
        assignments = list(selectors.official_assignment_list(official=official)[:200])
        return render(
            request,
            "iqies_roles/approvals.html",
            {
                "page": page,
                "after": after,
                "short": selectors.organizations_short_of_officials(official=official),
                "request_rows": request_rows(page.requests),
                "assignments": assignments,
                "assignment_rows": assignment_rows(assignments, official.pk),
            },
        )


class DecisionView(LoginRequiredMixin, View):
    """One request. Anyone who may not decide it gets 404, not a hint it exists."""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated:
            found = selectors.role_request_get_pending(
                official=request.user,
                pk=kwargs["pk"],
            )
            if found is None:
                raise Http404("No such request.")
            self.role_request = found
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: DecisionForm) -> HttpResponse:
        return render(
            self.request,
            "iqies_roles/decision.html",
            {"role_request": self.role_request, "form": form},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(DecisionForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.role_request_decide(
                role_request=self.role_request,
                approver=request.user,  # type: ignore[arg-type]
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.RoleRuleError as error:
            form.add_error(None, str(error))
            return self.render_page(form)
        messages.success(request, "The decision is saved and the requester is emailed.")
        return redirect("roles:approvals")


class RevokeView(LoginRequiredMixin, View):
    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated:
            # Admins may revoke any role; a security official, their organizations'.
            scope = (
                RoleAssignment.objects.active()
                if request.user.is_superuser
                else selectors.official_assignment_list(official=request.user)
            )
            found = scope.filter(pk=kwargs["pk"]).first()
            if found is None:
                raise Http404("No such role.")
            self.assignment = found
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: RevokeForm) -> HttpResponse:
        return render(
            self.request,
            "iqies_roles/revoke.html",
            {"assignment": self.assignment, "form": form},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(RevokeForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = RevokeForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.role_assignment_revoke(
                assignment=self.assignment,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.RoleRuleError as error:
            form.add_error(None, str(error))
            return self.render_page(form)
        messages.success(request, "The role was revoked and the person is emailed.")
        return redirect("roles:approvals")
