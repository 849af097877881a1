"""Accounts: who may change what, unlocking, and the identity-correction page."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.admin import sensitive_post_parameters_m
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from harp import services
from harp.admin.scale import BigTableAdmin
from harp.models import (
    User,
)
from harp.models.users import zip_validator
from harp.services.accounts import IDENTITY_FIELDS, identity_field_labels


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


# Shown to every admin but changed only by a superuser: they grant rights, or are
# the credentials and address someone else's account is reached through.
SUPERUSER_ONLY_FIELDS = (
    "email",
    "kind",
    "two_factor_required",
    "challenge_question",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
)


class IdentityCorrectionForm(forms.ModelForm):
    """The details a person proved. A correction replaces a detail; it never
    erases one the account has."""

    zip_code = forms.CharField(label="ZIP code", validators=[zip_validator])
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit record: what the person asked for and what you "
        "checked, such as a ticket number or the document you saw.",
    )

    class Meta:
        model = User
        fields = IDENTITY_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "address_line1": forms.TextInput,
            "address_line2": forms.TextInput,
            "city": forms.TextInput,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in IDENTITY_FIELDS:
            self.fields[name].required = bool(getattr(self.instance, name))

    def clean_date_of_birth(self) -> datetime.date | None:
        born = self.cleaned_data["date_of_birth"]
        if born is not None and (born > timezone.localdate() or born.year < 1900):
            raise forms.ValidationError("Enter a date of birth between 1900 and today.")
        return born


@admin.register(User)
class UserAdmin(BigTableAdmin, DjangoUserAdmin):
    """Accounts. Who may change what is the rule of issue 10's first finding:

    - Only superusers add accounts, use the password form, and change the fields in
      `SUPERUSER_ONLY_FIELDS` (staff status, groups, permissions, email...); nobody
      but a superuser changes or deletes a superuser's account.
    - The user ID never changes; legal name, date of birth and home address change
      only on the "Correct identity details" page (`harp.correct_identity`), which
      sends a proofed person back through identity proofing.
    - The help desk (`harp.view_user` and `harp.unlock_user`) reads accounts and
      unlocks them; it holds no change permission at all.
    """

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
    # Trigram indexes serve each column's "contains" (harp migrations 0006).
    search_fields = ("username", "email", "first_name", "last_name")
    # Newest accounts first. In user ID order a search for a common name reads
    # every account before the first match (user IDs are made from names: 87,000
    # rows and 1.7 s for "smith" at a million accounts), and each filter has an
    # index ending in the id (harp migration 0008). The user ID column still sorts.
    ordering = ("-pk",)
    sortable_by = ("username", "locked_until")
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

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # Not even the hash, nor the link to the password form.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f != "password"],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str]:
        readonly = ["locked_until", "identity_proofed_at", "last_login", "date_joined"]
        if obj is None:
            return readonly
        readonly += ["username", *IDENTITY_FIELDS]
        if not request.user.is_superuser:
            readonly += ["password", *SUPERUSER_ONLY_FIELDS]
        return readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An account is made by registering, or by a superuser (who sets its rights).
        return bool(request.user.is_superuser)

    def has_change_permission(
        self, request: HttpRequest, obj: User | None = None
    ) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: User | None = None
    ) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("harp.unlock_user"))

    def has_correct_identity_permission(
        self, request: HttpRequest, obj: User | None = None
    ) -> bool:
        actor = request.user
        if not actor.has_perm("harp.correct_identity"):
            return False
        if obj is None or actor.is_superuser:
            return True
        # Nobody corrects their own identity, nor, short of a superuser, a superuser's.
        return not obj.is_superuser and obj.pk != actor.pk

    @sensitive_post_parameters_m
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Setting someone's password is taking over their account: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/identity/",
                self.admin_site.admin_view(self.identity_correct_view),
                name="harp_user_identity",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_correct_identity": obj is not None
            and self.has_correct_identity_permission(request, obj),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def identity_correct_view(
        self, request: HttpRequest, object_id: str
    ) -> HttpResponse:
        """The help desk's page for a legal name, date of birth or home address."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such account.")
        if not self.has_correct_identity_permission(request, user):
            raise PermissionDenied
        was_proofed = user.is_identity_proofed
        form = IdentityCorrectionForm(request.POST or None, instance=user)
        if request.method == "POST" and form.is_valid():
            changed = services.user_identity_correct(
                user=user,
                actor=request.user,  # type: ignore[arg-type]
                changes={field: form.cleaned_data[field] for field in IDENTITY_FIELDS},
                reason=form.cleaned_data["reason"],
                request=request,
            )
            if not changed:
                self.message_user(
                    request,
                    "Nothing was changed: the details are the same as before.",
                    messages.WARNING,
                )
            else:
                labels = ", ".join(identity_field_labels(changed))
                again = (
                    f" {user.username} must prove their identity again."
                    if was_proofed
                    else ""
                )
                self.message_user(
                    request,
                    f"Corrected {labels}.{again} They were emailed about the change.",
                    messages.SUCCESS,
                )
            return redirect(reverse("admin:harp_user_change", args=[quote(user.pk)]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Correct identity details: {user.username}",
            "opts": self.opts,
            "original": user,
            "form": form,
            "was_proofed": was_proofed,
        }
        return TemplateResponse(
            request, "admin/harp/user/identity_correct.html", context
        )

    @admin.action(
        description="Unlock sign-in for the selected accounts",
        permissions=["unlock"],
    )
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        skipped = 0
        count = 0
        for user in queryset:
            if user.is_superuser and not request.user.is_superuser:
                skipped += 1
                continue
            services.user_unlock(user=user, actor=request.user, request=request)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, f"Unlocked {count} account(s).")
        if skipped:
            self.message_user(
                request,
                f"Left {skipped} superuser account(s) locked: only a superuser "
                "unlocks a superuser.",
                messages.WARNING,
            )
