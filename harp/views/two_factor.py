"""Second-factor pages: the sign-in check, set-up of each method, managing devices."""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import segno
from allauth.account.stages import LoginStageController
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View
from django_otp.models import Device
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp import selectors, services
from harp.forms import CodeForm, DeviceRenameForm, PhoneDeviceForm
from harp.models import BackupCodeDevice, PhoneDevice, User
from harp.services.two_factor import CodeNotSent, DeviceError
from harp.stages import TwoFactorStage
from harp.views.reauth import FirstDeviceExemptMixin, RecentReauthRequiredMixin

WRONG_CODE = (
    "That code is not right, or it has expired. After {failures} wrong codes, "
    "sign-in is locked for {minutes} minutes."
)
NEW_CODES_SESSION_KEY = "harp_new_backup_codes"
# The authenticator-app key the set-up page last showed: only that one can be confirmed.
PENDING_TOTP_SESSION_KEY = "harp_pending_totp_device"


def _wrong_code() -> str:
    return WRONG_CODE.format(
        failures=settings.LOCKOUT_FAILURES, minutes=settings.LOCKOUT_DURATION // 60
    )


class TwoFactorVerifyView(View):
    """The second step of sign-in: a code from one of the user's devices."""

    template_name = "harp/two_factor_verify.html"

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        stage = LoginStageController.enter(request, TwoFactorStage.key)
        if stage is None:
            messages.info(request, "Your sign-in timed out. Sign in again.")
            return redirect(settings.LOGIN_URL)
        self.stage: TwoFactorStage = stage
        self.user: User = stage.login.user
        self.devices = selectors.device_list(user=self.user)
        self.device = selectors.device_choose(
            user=self.user,
            devices=self.devices,
            persistent_id=request.POST.get("device") or request.GET.get("device", ""),
        )
        if self.device is None:
            messages.error(request, "Choose one of your own two-factor methods.")
            return redirect("harp:two-factor-verify")
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: CodeForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                **selectors.device_choice_context(
                    device=self.device, devices=self.devices
                ),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "send":
            try:
                sent = services.second_factor_challenge(
                    user=self.user, device=self.device, request=request
                )
            except CodeNotSent as refused:
                messages.error(request, refused.message)
            else:
                if sent:
                    messages.info(request, sent)
            return self.render_page(CodeForm())
        form = CodeForm(request.POST)
        if form.is_valid() and services.second_factor_verify(
            user=self.user,
            device=self.device,
            token=form.cleaned_data["token"],
            request=request,
        ):
            return self.stage.complete(self.device)
        if form.is_valid():
            form.add_error("token", _wrong_code())
        return self.render_page(form)


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Choose a method; for a new account, "finish setting up your account"."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "harp/two_factor_setup.html",
            {"has_devices": bool(selectors.device_list(user=request.user))},  # type: ignore[arg-type]
        )


def _after_first_device(request: HttpRequest, device: Device) -> HttpResponse:
    """Bind the session to the new device; show backup codes once if there are none."""
    django_otp.login(request, device)
    user = request.user
    if not BackupCodeDevice.objects.filter(user=user).exists():
        request.session[NEW_CODES_SESSION_KEY] = services.backup_codes_generate(
            user=user,  # type: ignore[arg-type]
            request=request,
        )
        return redirect("harp:two-factor-backup-codes")
    messages.success(request, f"{device.name} is set up.")
    return redirect("harp:two-factor-manage")


class TotpSetupView(LoginRequiredMixin, FirstDeviceExemptMixin, View):
    """Each visit shows a fresh key; a code confirms only the key this session saw."""

    template_name = "harp/two_factor_setup_app.html"

    def pending(self) -> TOTPDevice | None:
        device = selectors.device_get_pending(
            user=self.request.user,  # type: ignore[arg-type]
            persistent_id=self.request.session.get(PENDING_TOTP_SESSION_KEY, ""),
        )
        return device if isinstance(device, TOTPDevice) else None

    def render_page(self, device: TOTPDevice, form: CodeForm) -> HttpResponse:
        secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
        qr = segno.make(device.config_url, error="m")
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                "qr_svg": qr.svg_data_uri(scale=5, border=2),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        device = services.totp_device_start(user=request.user)  # type: ignore[arg-type]
        request.session[PENDING_TOTP_SESSION_KEY] = device.persistent_id
        return self.render_page(device, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        device = self.pending()
        if device is None:
            messages.error(
                request,
                "That key is no longer valid. Scan the new QR code below and "
                "enter the code the app shows for it.",
            )
            return redirect(request.path)
        form = CodeForm(request.POST)
        if form.is_valid() and services.device_confirm(
            user=request.user,  # type: ignore[arg-type]
            device=device,
            token=form.cleaned_data["token"],
            request=request,
        ):
            request.session.pop(PENDING_TOTP_SESSION_KEY, None)
            return _after_first_device(request, device)
        if form.is_valid():
            form.add_error("token", _wrong_code())
        return self.render_page(device, form)


class SideChannelSetupView(LoginRequiredMixin, FirstDeviceExemptMixin, View):
    """Email, text message or voice call: send a code, then type it back."""

    method = "email"

    def pending(self) -> EmailDevice | PhoneDevice | None:
        model = EmailDevice if self.method == "email" else PhoneDevice
        return model.objects.filter(user=self.request.user, confirmed=False).first()

    def render_page(self, **context: Any) -> HttpResponse:
        pending = context.setdefault("pending", self.pending())
        context.setdefault("code_form", CodeForm())
        if self.method != "email":
            # "Send a new code" goes where the last one went, unless changed here.
            initial = (
                {"number": pending.number, "method": pending.method}
                if isinstance(pending, PhoneDevice)
                else {"number": self.request.user.phone}  # type: ignore[union-attr]
            )
            context.setdefault("phone_form", PhoneDeviceForm(initial=initial))
        context["method"] = self.method
        return render(self.request, "harp/two_factor_setup_side_channel.html", context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page()

    def send(self, user: User) -> HttpResponse:
        """Send a first code to a new device, within the code limits."""
        request = self.request
        try:
            if self.method == "email":
                services.email_device_start(user=user, request=request)
                messages.info(
                    request,
                    f"We emailed a code to {user.email}. "
                    "It can take a minute to arrive.",
                )
                return redirect(request.path)
            phone_form = PhoneDeviceForm(request.POST)
            if not phone_form.is_valid():
                return self.render_page(phone_form=phone_form)
            device = services.phone_device_start(
                user=user,
                number=phone_form.cleaned_data["number"],
                method=phone_form.cleaned_data["method"],
                request=request,
            )
        except CodeNotSent as refused:
            messages.error(request, refused.message)
            if self.method == "email":
                return redirect(request.path)
            return self.render_page(phone_form=phone_form)
        messages.info(request, device.sent_message)
        return redirect(request.path)

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        if request.POST.get("action") == "send":
            return self.send(user)
        device = self.pending()
        form = CodeForm(request.POST)
        if device is None:
            messages.error(request, "Ask for a code first.")
            return redirect(request.path)
        if form.is_valid() and services.device_confirm(
            user=user, device=device, token=form.cleaned_data["token"], request=request
        ):
            return _after_first_device(request, device)
        if form.is_valid():
            form.add_error("token", _wrong_code())
        return self.render_page(code_form=form)


class BackupCodesView(LoginRequiredMixin, RecentReauthRequiredMixin, View):
    """New backup codes, shown once; a POST replaces the old set with a new one."""

    reauth_methods = ("POST",)

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
        if not codes:
            messages.info(
                request,
                "Backup codes are shown only once. Make a new set to see codes again.",
            )
            return redirect("harp:two-factor-manage")
        return render(request, "harp/two_factor_backup_codes.html", {"codes": codes})

    def post(self, request: HttpRequest) -> HttpResponse:
        request.session[NEW_CODES_SESSION_KEY] = services.backup_codes_generate(
            user=request.user,  # type: ignore[arg-type]
            request=request,
        )
        return redirect("harp:two-factor-backup-codes")


class TwoFactorManageView(LoginRequiredMixin, RecentReauthRequiredMixin, View):
    """Two-factor methods: add, rename and remove; make new backup codes."""

    reauth_methods = ("POST",)

    def get(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        devices = selectors.device_list(user=user)
        return render(
            request,
            "harp/two_factor_manage.html",
            {
                "devices": [
                    (
                        device,
                        selectors.device_method(device),
                        DeviceRenameForm(initial={"name": device.name}),
                    )
                    for device in devices
                ],
                "backup": next(
                    (d for d in devices if isinstance(d, BackupCodeDevice)), None
                ),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        device = selectors.device_get(
            user=user, persistent_id=request.POST.get("device", "")
        )
        if device is None:
            messages.error(request, "That two-factor method was not found.")
            return redirect("harp:two-factor-manage")
        try:
            if request.POST.get("action") == "remove":
                services.device_remove(user=user, device=device, request=request)
                messages.success(request, f"{device.name} was removed.")
            else:
                form = DeviceRenameForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "Enter a name of at most 64 characters.")
                else:
                    services.device_rename(
                        user=user, device=device, name=form.cleaned_data["name"]
                    )
                    messages.success(request, "The name was saved.")
        except DeviceError as error:
            messages.error(request, str(error))
        return redirect("harp:two-factor-manage")
