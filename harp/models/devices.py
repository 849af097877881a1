"""Second factors kept by harp beside django-otp's own TOTP and email devices."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, SideChannelDevice, ThrottlingMixin


class PhoneDevice(ThrottlingMixin, SideChannelDevice):
    """Codes sent by text message or read out by a voice call.

    The code goes through the gateway named by `SMS_GATEWAY`; harp only stores it
    until it is used or expires.
    """

    class Method(models.TextChoices):
        SMS = "sms", "Text message"
        VOICE = "voice", "Voice call"

    number = models.CharField(max_length=20)  # type: ignore[var-annotated]
    method = models.CharField(  # type: ignore[var-annotated]
        max_length=8, choices=Method.choices, default=Method.SMS
    )

    class Meta:
        verbose_name = "phone device"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_PHONE_THROTTLE_FACTOR", 1)

    def generate_challenge(self) -> str:
        """Make a new code and hand it to the gateway.

        The gateway raises `harp.gateways.GatewayError` when nothing was sent; the
        caller runs this in a transaction so that the unsent code is not kept.
        """
        from harp.gateways import get_gateway

        self.generate_token(valid_secs=settings.OTP_PHONE_TOKEN_VALIDITY)
        minutes = settings.OTP_PHONE_TOKEN_VALIDITY // 60
        gateway = get_gateway()
        if self.method == self.Method.VOICE:
            # Digits one by one, so the voice reads "4, 8, 1" and not "481".
            spoken = ", ".join(str(self.token))
            gateway.call(
                self.number,
                f"This is {settings.PORTAL_NAME}. Your code is {spoken}. "
                f"It expires in {minutes} minutes. Never share it.",
            )
            return self.sent_message
        gateway.send_sms(
            self.number,
            f"{settings.PORTAL_NAME} code: {self.token}. It expires in "
            f"{minutes} minutes. Never share it.",
        )
        return self.sent_message

    @property
    def sent_message(self) -> str:
        """What the person is told once the gateway has taken a code."""
        if self.method == self.Method.VOICE:
            return f"We are calling {self.masked_number} now to read you a code."
        return (
            f"We sent a code to {self.masked_number}. It can take a minute to arrive."
        )

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        verified = super().verify_token(token)
        if verified:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return verified

    @property
    def masked_number(self) -> str:
        digits = "".join(ch for ch in self.number if ch.isdigit())
        return f"(***) ***-{digits[-4:]}" if len(digits) >= 4 else "***"


class BackupCodeDevice(ThrottlingMixin, Device):
    """Single-use backup codes: a django-otp device whose codes are stored hashed.

    Not django-otp's StaticDevice, which keeps its tokens in plain text. Each code is
    kept as an HMAC keyed with SECRET_KEY; using one is a conditional UPDATE, so the
    same code submitted twice at once is accepted once.
    """

    created_at = models.DateTimeField(default=timezone.now)  # type: ignore[var-annotated]

    class Meta:
        verbose_name = "backup code set"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_BACKUP_CODE_THROTTLE_FACTOR", 1)

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        used = BackupCode.objects.filter(
            device=self, code_hash=backup_code_hash(token), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return bool(used)

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


def normalize_backup_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def backup_code_hash(code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"backup-code:{normalize_backup_code(code)}".encode(),
        hashlib.sha256,
    ).hexdigest()


class BackupCode(models.Model):
    device = models.ForeignKey(
        BackupCodeDevice, on_delete=models.CASCADE, related_name="codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code_hash"], name="harp_backup_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return "used" if self.used_at else "unused"
