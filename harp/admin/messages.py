"""My Dashboard messages in the admin: broadcasts are written here, nothing is edited.

Superusers and holders of `harp.broadcast_message` list, read and add broadcasts
to any audience the apps offer; adding goes through `dashboard_broadcast_create`
(one row, audited). Personal messages are written by the portal when something
happens to a person and are read-only here; no message is changed or deleted,
since people have already read them. Read states are not in the admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.text import unescape_string_literal

from harp.admin.scale import BigTableAdmin
from harp.dashboard import audience_choices, audience_label
from harp.forms import submission_key_field
from harp.models import DashboardMessage, User
from harp.services import dashboard_broadcast_create
from harp.services.messages import message_link_validate


class DashboardBroadcastAdminForm(forms.ModelForm):
    audience = forms.ChoiceField(label="Send to", choices=())
    submission = submission_key_field()

    class Meta:
        model = DashboardMessage
        fields = ("audience", "subject", "body", "link")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "audience" in self.fields:  # read-only pages of saved messages have none
            self.fields["audience"].choices = audience_choices()  # type: ignore[attr-defined]

    def clean_link(self) -> str:
        try:
            return message_link_validate(self.cleaned_data.get("link") or "")
        except ValidationError as error:
            raise ValidationError(error.message_dict["link"]) from error


@admin.register(DashboardMessage)
class DashboardMessageAdmin(BigTableAdmin, admin.ModelAdmin):
    form = DashboardBroadcastAdminForm
    list_display = ("written_at", "subject", "recipient", "audience", "created_by")
    list_select_related = ("recipient", "created_by")
    raw_id_fields = ("recipient",)
    # Exact matches only: an audience's key or the recipient's user ID (see
    # get_search_results); the subject and body are not indexed.
    search_fields = ("=audience", "=recipient__username")
    # Newest first by id, which follows the time of writing: no index serves
    # created_at over a million messages (0.5 s to sort them for one page).
    ordering = ("-pk",)
    sortable_by = ("written_at",)

    @admin.display(description="created at", ordering="pk")
    def written_at(self, obj: DashboardMessage) -> Any:
        return obj.created_at

    def get_search_results(
        self,
        request: HttpRequest,
        queryset: QuerySet[DashboardMessage],
        search_term: str,
    ) -> tuple[QuerySet[DashboardMessage], bool]:
        """What `search_fields` finds, each through its own index.

        Django's search joins the recipient and ORs across both tables, which
        reads every message. Here the recipient is looked up first (one query,
        harp_user's trigram index answers the equality) and the messages by the
        two indexed columns of their own table.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        if term[0] in "\"'" and term[0] == term[-1]:
            term = unescape_string_literal(term)
        audiences = [
            key for key, _ in audience_choices() if key.lower() == term.lower()
        ]
        recipients = list(
            User.objects.filter(username__iexact=term).values_list("pk", flat=True)
        )
        found = queryset.filter(
            Q(audience__in=audiences) | Q(recipient_id__in=recipients)
        )
        return found, False

    def _may_broadcast(self, request: HttpRequest) -> bool:
        return request.user.has_perm("harp.broadcast_message")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_broadcast(request) or super().has_module_permission(request)

    def has_view_permission(
        self, request: HttpRequest, obj: DashboardMessage | None = None
    ) -> bool:
        return self._may_broadcast(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_broadcast(request)

    def has_change_permission(
        self, request: HttpRequest, obj: DashboardMessage | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: DashboardMessage | None = None
    ) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("audience", "subject", "body", "link", "submission")
        return (
            "created_at",
            "created_by",
            "recipient",
            "audience",
            "sent_to",
            "subject",
            "body",
            "link",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return self.get_fields(request, obj)

    @admin.display(description="Sent to")
    def sent_to(self, obj: DashboardMessage) -> str:
        if obj.recipient_id is not None:
            return f"{obj.recipient} (a personal message)"
        return audience_label(obj.audience)

    def save_model(
        self,
        request: HttpRequest,
        obj: DashboardMessage,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        if change:
            raise PermissionDenied
        message = dashboard_broadcast_create(
            audience=form.cleaned_data["audience"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            link=form.cleaned_data["link"],
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            submission_key=form.cleaned_data.get("submission") or "",
        )
        obj.pk = message.pk
        obj.created_at = message.created_at
        obj.created_by = message.created_by

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
