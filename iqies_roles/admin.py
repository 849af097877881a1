from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
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


@admin.register(RoleRequest)
class RoleRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "requester", "role", "organization", "status")
    list_filter = ("status", "role", "organization__kind", "organization__state")
    search_fields = ("requester__username", "organization__name", "organization__ccn")
    list_select_related = ("requester", "role", "organization")
    raw_id_fields = ("requester", "organization", "decided_by")
    readonly_fields = ("created_at", "decided_at", "last_reminded_at")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organization", "granted_at", "revoked_at")
    list_filter = (
        ("revoked_at", admin.EmptyFieldListFilter),
        "role",
        "organization__kind",
        "organization__state",
    )
    search_fields = ("user__username", "organization__name", "organization__ccn")
    list_select_related = ("user", "role", "organization")
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
