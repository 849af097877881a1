"""Groups, second-factor devices and email addresses: written by superusers only."""

from __future__ import annotations

from typing import Any

# Importing the third-party admins registers them, so they can be replaced below.
from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_email.admin import EmailDeviceAdmin as OTPEmailDeviceAdmin
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OTPTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.admin.scale import BigTableAdmin
from harp.models import BackupCodeDevice, PhoneDevice

# Searched through the account: the user's columns have trigram indexes
# (harp migration 0006); an OR with a column of the device's own table would read
# every device.
USER_SEARCH_FIELDS = ("user__username", "user__email")


class SuperuserWritesOnly:
    """Only a superuser adds, changes or deletes; staff with view permission read."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return bool(request.user.is_superuser)


admin.site.unregister([Group, TOTPDevice, EmailDevice, EmailAddress])


@admin.register(Group)
class GroupAdmin(SuperuserWritesOnly, DjangoGroupAdmin):
    """A group carries permissions: making or changing one is granting rights."""


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BigTableAdmin, SuperuserWritesOnly, OTPTOTPDeviceAdmin):
    """An authenticator app's key is its owner's secret: no page shows it again."""

    list_select_related = ("user",)
    search_fields = USER_SEARCH_FIELDS

    def get_list_display(self, request: HttpRequest) -> Any:
        return [f for f in super().get_list_display(request) if f != "qrcode_link"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        hidden = {"key", "qrcode_link"}
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for name, opts in fieldsets
            if [f for f in opts["fields"] if f not in hidden]
        ]

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied


@admin.register(EmailDevice)
class EmailDeviceAdmin(BigTableAdmin, SuperuserWritesOnly, OTPEmailDeviceAdmin):
    list_select_related = ("user",)
    search_fields = USER_SEARCH_FIELDS


@admin.register(EmailAddress)
class EmailAddressAdmin(BigTableAdmin, SuperuserWritesOnly, AllauthEmailAddressAdmin):
    """Marking an address verified skips its confirmation: a superuser's action."""

    list_select_related = ("user",)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("make_verified", None)
        return actions


@admin.register(PhoneDevice)
class PhoneDeviceAdmin(BigTableAdmin, SuperuserWritesOnly, admin.ModelAdmin):
    list_display = ("user", "name", "method", "confirmed")
    list_filter = ("method", "confirmed")
    list_select_related = ("user",)
    search_fields = USER_SEARCH_FIELDS
    raw_id_fields = ("user",)
    exclude = ("token",)


@admin.register(BackupCodeDevice)
class BackupCodeDeviceAdmin(BigTableAdmin, SuperuserWritesOnly, admin.ModelAdmin):
    """Shows that a user has backup codes; the codes themselves exist only hashed."""

    list_display = ("user", "name", "created_at")
    list_select_related = ("user",)
    search_fields = USER_SEARCH_FIELDS
    raw_id_fields = ("user",)
