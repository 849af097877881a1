"""Second factors: adding, confirming, renaming and removing devices; verifying codes.

Devices are django-otp's TOTP and email devices and harp's phone and backup-code
devices. A new device starts unconfirmed and counts only once the person has typed
a code from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp import emails
from harp.audit import AuditAction
from harp.code_limits import (
    UNAVAILABLE,
    CodeSendRefused,
    code_send_reserve,
    number_digits,
)
from harp.gateways import GatewayError
from harp.lockout import second_factor_lockout
from harp.models import BackupCode, BackupCodeDevice, PhoneDevice, User
from harp.models.devices import backup_code_hash
from harp.services.accounts import user_second_factor_failed
from harp.services.audit import audit_event_record

T = TypeVar("T")

BACKUP_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


NOT_SENT = UNAVAILABLE


class DeviceError(Exception):
    """A device change that the rules refuse, with a message for the person."""


class CodeNotSent(Exception):
    """No code went out (a limit, or the provider failed); the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _describe(device: Device) -> dict[str, str]:
    return {"device": device.persistent_id, "name": device.name}


def _code_send(
    *,
    user: User,
    number: str | None,
    request: HttpRequest | None,
    send: Callable[[], T],
) -> T:
    """Send one code within the limits of `harp.code_limits`, or raise `CodeNotSent`.

    `send` runs in its own transaction, so a delivery that fails keeps neither the
    new device nor the unsent code; its cool-down is given back, its count is not.
    """
    try:
        reservation = code_send_reserve(user_pk=user.pk, number=number)
    except CodeSendRefused as refused:
        if refused.cap_reached:
            audit_event_record(
                action=AuditAction.CODE_SEND_LIMIT_REACHED,
                actor=user,
                target=user,
                request=request,
                details={"number": f"***{number_digits(number)[-4:]}"}
                if number
                else {"channel": "email"},
            )
        raise CodeNotSent(refused.message) from None
    try:
        with transaction.atomic():
            return send()
    except GatewayError:
        reservation.release()
        raise CodeNotSent(NOT_SENT) from None


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator-app key, replacing unconfirmed ones.

    Every set-up page shows a fresh key; the key an earlier page showed stops
    working, so a key seen once (on a shared screen, in a photo) cannot be
    confirmed later.
    """
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )


def email_device_start(
    *, user: User, request: HttpRequest | None = None
) -> EmailDevice:
    """An unconfirmed email device for the address on file; sends its first code.

    Counts against the account's code limits; raises `CodeNotSent` over them.
    """

    def send() -> EmailDevice:
        EmailDevice.objects.filter(user=user, confirmed=False).delete()
        device = EmailDevice.objects.create(
            user=user, name="Email", email=user.email, confirmed=False
        )
        device.generate_challenge()
        return device

    return _code_send(user=user, number=None, request=request, send=send)


def phone_device_start(
    *,
    user: User,
    number: str,
    method: str,
    request: HttpRequest | None = None,
) -> PhoneDevice:
    """An unconfirmed phone device; texts or calls its first code.

    Counts against the account's and the number's code limits; raises `CodeNotSent`
    over them or when the gateway could not send, and then keeps no device.
    """

    def send() -> PhoneDevice:
        PhoneDevice.objects.filter(user=user, confirmed=False).delete()
        label = "Text message" if method == PhoneDevice.Method.SMS else "Voice call"
        device = PhoneDevice.objects.create(
            user=user,
            name=f"{label} to ***-{number[-4:]}",
            number=number,
            method=method,
            confirmed=False,
        )
        device.generate_challenge()
        return device

    return _code_send(user=user, number=number, request=request, send=send)


def device_confirm(
    *, user: User, device: Device, token: str, request: HttpRequest
) -> bool:
    """Confirm a new device with a code from it; wrong codes count toward lockout."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not _token_check(user=user, device=device, token=token, request=request):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event_record(
        action=AuditAction.MFA_DEVICE_ADDED,
        actor=user,
        target=user,
        request=request,
        details=_describe(device),
    )
    emails.send_two_factor_changed(
        to=user.email,
        user_id=user.username,
        change=f"A two-factor method was added: {device.name}.",
    )
    return True


def second_factor_challenge(
    *, user: User, device: Device, request: HttpRequest | None = None
) -> str:
    """Send a code by email, text or call; an app or backup codes need none.

    Only a confirmed device of the user's own is sent a code. Counts against the
    account's (and the number's) code limits; raises `CodeNotSent` over them or when
    nothing could be sent.
    """
    if device.user_id != user.pk or not device.confirmed:
        raise CodeNotSent("Choose one of your own two-factor methods.")
    if isinstance(device, PhoneDevice):
        return _code_send(
            user=user,
            number=device.number,
            request=request,
            send=device.generate_challenge,
        )
    if isinstance(device, EmailDevice):

        def send() -> str:
            allowed, _ = device.generate_is_allowed()
            if not allowed:
                raise GatewayError("django-otp refused to make a code")
            device.generate_challenge()
            return (
                "We emailed a code to the address on your account. "
                "It can take a minute to arrive."
            )

        return _code_send(user=user, number=None, request=request, send=send)
    return ""


def second_factor_verify(
    *, user: User, device: Device, token: str, request: HttpRequest
) -> bool:
    """Check a code against one of the user's confirmed devices, once.

    A device still being set up proves nothing, so it is refused here. django-otp
    verifies under a row lock, and a TOTP code is refused after its first use;
    backup codes are used by a conditional UPDATE. Too many wrong codes lock the
    second factor like a password.
    """
    if device.user_id != user.pk or not device.confirmed:
        return False
    return _token_check(user=user, device=device, token=token, request=request)


def _token_check(
    *, user: User, device: Device, token: str, request: HttpRequest
) -> bool:
    token = "".join(token.split())
    if second_factor_lockout.is_locked(str(user.pk)) or user.is_locked:
        return False
    verified = django_otp.verify_token(user, device.persistent_id, token)
    if verified is None:
        audit_event_record(
            action=AuditAction.SECOND_FACTOR_FAILED,
            actor=user,
            target=user,
            request=request,
            details=_describe(device),
        )
        user_second_factor_failed(user=user, request=request)
        return False
    second_factor_lockout.reset(str(user.pk))
    action = (
        AuditAction.MFA_BACKUP_CODE_USED
        if isinstance(verified, BackupCodeDevice)
        else AuditAction.SECOND_FACTOR_VERIFIED
    )
    audit_event_record(
        action=action,
        actor=user,
        target=user,
        request=request,
        details=_describe(device),
    )
    return True


@transaction.atomic
def backup_codes_generate(*, user: User, request: HttpRequest) -> list[str]:
    """Ten new single-use codes, replacing any earlier set. Shown once, kept hashed."""
    replaced, _ = BackupCodeDevice.objects.filter(user=user).delete()
    if replaced:
        emails.send_two_factor_changed(
            to=user.email,
            user_id=user.username,
            change="A new set of backup codes was made; the earlier codes no "
            "longer work.",
        )
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes")
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(10))
        for _ in range(settings.BACKUP_CODE_COUNT)
    ]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=backup_code_hash(code)) for code in codes
    )
    audit_event_record(
        action=AuditAction.BACKUP_CODES_GENERATED,
        actor=user,
        target=user,
        request=request,
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def device_rename(*, user: User, device: Device, name: str) -> None:
    if device.user_id != user.pk:
        raise DeviceError("That device is not yours.")
    device.name = name.strip()[:64] or device.name
    device.save(update_fields=["name"])


@transaction.atomic
def device_remove(*, user: User, device: Device, request: HttpRequest) -> None:
    """Remove a device, unless it is the last one that can sign in on its own.

    Backup codes are a fallback, not a way to sign in every day, so they do not
    count as a remaining device.
    """
    if device.user_id != user.pk:
        raise DeviceError("That device is not yours.")
    if not isinstance(device, BackupCodeDevice) and device.confirmed:
        others = [
            other
            for other in django_otp.devices_for_user(user, confirmed=True)
            if other.persistent_id != device.persistent_id
            and not isinstance(other, BackupCodeDevice)
        ]
        if not others:
            raise DeviceError(
                "You can't remove your only two-factor method. Add another one first."
            )
    details = _describe(device)
    device.delete()
    audit_event_record(
        action=AuditAction.MFA_DEVICE_REMOVED,
        actor=user,
        target=user,
        request=request,
        details=details,
    )
    emails.send_two_factor_changed(
        to=user.email,
        user_id=user.username,
        change=f"A two-factor method was removed: {details['name']}.",
    )
