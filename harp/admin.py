from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from harp import services
from harp.models import (
    AuditEvent,
    BackupCodeDevice,
    OutboxMessage,
    PhoneDevice,
    SystemComponent,
    User,
)


class LockedFilter(admin.SimpleListFilter):
    title = "sign-in locked"
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Locked now")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> QuerySet[User]:
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=timezone.now())
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts. The user ID is read-only once the account exists."""

    list_display = (
        "username",
        "email",
        "last_name",
        "first_name",
        "kind",
        "state",
        "identity_proofed_at",
        "is_active",
        "locked_until",
    )
    list_filter = (
        "kind",
        "is_active",
        LockedFilter,
        ("identity_proofed_at", admin.EmptyFieldListFilter),
        "state",
        "is_staff",
        "groups",
    )
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    actions = ("unlock",)
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        (
            "Legal name and contact",
            {"fields": ("first_name", "middle_name", "last_name", "email", "phone")},
        ),
        (
            "Home address",
            {
                "fields": (
                    "date_of_birth",
                    "address_line1",
                    "address_line2",
                    "city",
                    "state",
                    "zip_code",
                )
            },
        ),
        (
            "Security",
            {
                "fields": (
                    "two_factor_required",
                    "identity_proofed_at",
                    "locked_until",
                    "challenge_question",
                )
            },
        ),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "first_name",
                    "last_name",
                    "kind",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str]:
        readonly = ["locked_until", "identity_proofed_at", "last_login", "date_joined"]
        return [*readonly, "username"] if obj is not None else readonly

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("harp.unlock_user"):
            actions.pop("unlock", None)
        return actions

    @admin.action(description="Unlock sign-in for the selected accounts")
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not request.user.has_perm("harp.unlock_user"):
            self.message_user(request, "You may not unlock accounts.", messages.ERROR)
            return
        count = 0
        for user in queryset:
            services.user_unlock(user=user, actor=request.user, request=request)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, f"Unlocked {count} account(s).")


@admin.register(PhoneDevice)
class PhoneDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "method", "confirmed")
    list_filter = ("method", "confirmed")
    search_fields = ("user__username", "name")
    raw_id_fields = ("user",)
    exclude = ("token",)


@admin.register(BackupCodeDevice)
class BackupCodeDeviceAdmin(admin.ModelAdmin):
    """Shows that a user has backup codes; the codes themselves exist only hashed."""

    list_display = ("user", "name", "created_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "subject",
        "recipients",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("subject", "to")
    date_hierarchy = "created_at"
    actions = ("send_again",)
    show_full_result_count = False
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OutboxMessage | None = None
    ) -> bool:
        return False

    @admin.display(description="To")
    def recipients(self, obj: OutboxMessage) -> str:
        return ", ".join(obj.to)

    @admin.action(description="Send selected failed emails again")
    def send_again(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> None:
        count = services.outbox_message_requeue(
            message_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            f"{count} failed email(s) queued again."
            if count
            else "Only failed emails can be sent again; none were selected.",
            messages.SUCCESS if count else messages.WARNING,
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The outbox is the record of what was sent: no bulk deletes.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are searched and read, never changed or deleted."""

    list_display = (
        "created_at",
        "action",
        "actor_label",
        "target_type",
        "target_label",
        "ip_address",
    )
    list_filter = ("action", "target_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "target_label", "target_id", "ip_address", "action")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: AuditEvent | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: AuditEvent | None = None
    ) -> bool:
        return False


@admin.register(SystemComponent)
class SystemComponentAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "message", "position", "updated_at")
    list_editable = ("state", "position")
    list_filter = ("state",)
    search_fields = ("name", "message")
