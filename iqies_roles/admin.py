from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from harp.admin.scale import BigTableAdmin
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest


@admin.register(Organization)
class OrganizationAdmin(BigTableAdmin, admin.ModelAdmin):
    list_display = ("name", "kind", "ccn", "state", "city", "zip_code", "is_active")
    list_filter = ("kind", "state", "is_active")
    search_fields = ("name", "ccn", "city", "zip_code")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """The catalogue is loaded by a migration; admins edit the wording only."""

    list_display = ("name", "application", "organization_kind", "is_security_official")
    list_filter = ("application", "organization_kind", "is_security_official")
    search_fields = ("name", "description")
    fields = (
        "name",
        "code",
        "application",
        "user_categories",
        "organization_kind",
        "is_security_official",
        "approver",
        "description",
        "allows",
    )
    readonly_fields = (
        "code",
        "application",
        "user_categories",
        "organization_kind",
        "is_security_official",
        "approver",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Role | None = None
    ) -> bool:
        return False


REQUEST_FIELDS = (
    "requester",
    "category",
    "role",
    "organization",
    "status",
    "created_at",
    "decided_by",
    "decided_at",
    "decision_reason",
    "last_reminded_at",
)


@admin.register(RoleRequest)
class RoleRequestAdmin(BigTableAdmin, admin.ModelAdmin):
    """Role requests, to read: nobody adds, edits or decides one here.

    A decision is made on the Role approvals page (/roles/approvals/) through
    `role_request_decide`, which lets only the organization's security officials
    decide (a CMS approver for an organization's first security official, another
    AO security official for the AO User role, never the requester), creates the
    role assignment, records the decision in the audit events and emails the
    requester. Setting a status here would skip all of that, so no admin right,
    `change_rolerequest` included, changes a request.
    """

    list_display = ("created_at", "requester", "role", "organization", "status")
    list_filter = ("status", "role", "organization__kind", "organization__state")
    search_fields = ("requester__username", "organization__name", "organization__ccn")
    list_select_related = ("requester", "role", "organization")
    raw_id_fields = ("requester", "organization", "decided_by")
    fieldsets = (
        (
            None,
            {
                "fields": REQUEST_FIELDS,
                "description": (
                    "Requests are decided on the Role approvals page by the "
                    "organization's security officials, or by a CMS approver for an "
                    "organization's first security official. That page applies the "
                    "approval rules, grants the role, emails the requester and "
                    "records the decision in the audit events. Nothing about a "
                    "request is changed here."
                ),
            },
        ),
    )
    readonly_fields = REQUEST_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RoleRequest | None = None
    ) -> bool:
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(BigTableAdmin, admin.ModelAdmin):
    list_display = ("user", "role", "organization", "granted_at", "revoked_at")
    list_filter = (
        ("revoked_at", admin.EmptyFieldListFilter),
        "role",
        "organization__kind",
        "organization__state",
    )
    search_fields = ("user__username", "organization__name", "organization__ccn")
    list_select_related = ("user", "role", "organization")
    raw_id_fields = ("user", "organization", "request", "granted_by", "revoked_by")
    # Revoking goes through the portal's page, which checks the last-official rule,
    # emails the person and records the reason; here the history is read-only.
    readonly_fields = (
        "user",
        "role",
        "organization",
        "request",
        "granted_at",
        "granted_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "revoke_link",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Revoke")
    def revoke_link(self, obj: RoleAssignment) -> str:
        if not obj.is_active:
            return "Revoked"
        return format_html(
            '<a href="{}">Revoke this role, with a reason</a>',
            reverse("roles:revoke", args=[obj.pk]),
        )
