from django.contrib import admin
from django.http import HttpRequest

from harp.admin.scale import BigTableAdmin
from proofing.models import (
    ManualProofingCase,
    ProofingDocument,
    ProofingRecord,
    RemoteProofingAttempt,
)


@admin.register(ProofingRecord)
class ProofingRecordAdmin(BigTableAdmin, admin.ModelAdmin):
    """Evidence of how a person proved their identity, to read only.

    Remote proofing, a phone reference number or a help-desk decision on manual
    proofing writes the record; nobody adds or edits one by hand, superusers
    included. A superuser may still delete one (the audit events stay).
    """

    list_display = ("user", "method", "proofed_at")
    list_filter = ("method",)
    search_fields = ("user__username", "user__last_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "ssn_fingerprint", "method", "proofed_at", "created_at")
    exclude = ("ssn_last4",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ProofingRecord | None = None
    ) -> bool:
        return False


@admin.register(RemoteProofingAttempt)
class RemoteProofingAttemptAdmin(BigTableAdmin, admin.ModelAdmin):
    """What happened at each attempt; answers are never stored."""

    list_display = ("started_at", "user", "status", "vendor")
    list_filter = ("status", "vendor")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    exclude = ("session_ref", "ssn_last4", "ssn_fingerprint", "identity_key")
    readonly_fields = (
        "user",
        "registration_key",
        "vendor",
        "questions",
        "failed_question_ids",
        "status",
        "started_at",
        "expires_at",
        "finished_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ProofingDocumentInline(admin.TabularInline):
    """What was uploaded, never the file: private storage has no URL, and a
    document is shown only in the help-desk console, to the agent reviewing the
    case, where each viewing is audited."""

    model = ProofingDocument
    fields = ("kind", "id_type", "original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ManualProofingCase)
class ManualProofingCaseAdmin(BigTableAdmin, admin.ModelAdmin):
    """Decisions are made in the help-desk console, where viewings are audited."""

    list_display = ("user", "status", "submitted_at", "claimed_by", "decided_at")
    list_filter = ("status", "user__state")
    list_select_related = ("user", "claimed_by")
    search_fields = ("user__username", "user__last_name")
    inlines = [ProofingDocumentInline]
    readonly_fields = (
        "user",
        "status",
        "submitted_at",
        "claimed_by",
        "claimed_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "documents_deleted_at",
        "created_at",
    )
    exclude = ("ssn_last4",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
