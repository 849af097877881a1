"""Records harp keeps: the outbox, audit events, system status."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from harp import services
from harp.admin.scale import BigTableAdmin, IndexedValuesListFilter
from harp.models import (
    AuditEvent,
    OutboxMessage,
    SystemComponent,
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(BigTableAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "subject",
        "recipients",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    # Trigram indexes on both (harp migration 0008).
    search_fields = ("subject", "to")
    # No date hierarchy: its first level is a DISTINCT over every row's month
    # (0.5 s at 200,000 emails). The "created at" filter picks a period instead.
    actions = ("send_again",)
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    SECRET_FIELDS = ("body", "html_body", "attachments", "headers")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OutboxMessage | None = None
    ) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)
        if request.user.is_superuser:
            return fields
        # Bodies carry sign-in codes, confirmation and password-reset links.
        return [f for f in fields if f not in self.SECRET_FIELDS]

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
class AuditEventAdmin(BigTableAdmin, admin.ModelAdmin):
    """Read-only: audit events are searched and read, never changed or deleted."""

    list_display = (
        "created_at",
        "action",
        "actor_label",
        "target_type",
        "target_label",
        "ip_address",
    )
    list_filter = (
        ("action", IndexedValuesListFilter),
        ("target_type", IndexedValuesListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    # Trigram indexes on each (harp migration 0008): the OR is a bitmap of scans.
    search_fields = ("actor_label", "target_label", "target_id", "ip_address", "action")
    # No date hierarchy: its first level is a DISTINCT over every event's month
    # (0.9 s at a million events). The "created at" filter picks a period instead.
    sortable_by = ("created_at", "action", "actor_label")
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
