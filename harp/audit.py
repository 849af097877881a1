"""The vocabulary of audit events and how a request's origin is read for them."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


class AuditAction:
    """Dotted action names recorded by harp. Other apps keep their own beside them."""

    SIGN_IN = "harp.sign_in"
    SIGN_IN_FAILED = "harp.sign_in_failed"
    SIGN_OUT = "harp.sign_out"
    LOCKOUT = "harp.lockout"
    UNLOCK = "harp.unlock"
    MFA_DEVICE_ADDED = "harp.mfa_device_added"
    MFA_DEVICE_REMOVED = "harp.mfa_device_removed"
    MFA_BACKUP_CODE_USED = "harp.mfa_backup_code_used"
    PASSWORD_RESET_REQUESTED = "harp.password_reset_requested"
    PASSWORD_RESET = "harp.password_reset"
    PASSWORD_CHANGED = "harp.password_changed"
    USER_ID_RECOVERY = "harp.user_id_recovery"
    EMAIL_CONFIRMED = "harp.email_confirmed"
    REGISTERED = "harp.registered"
    SECOND_FACTOR_VERIFIED = "harp.second_factor_verified"
    SECOND_FACTOR_FAILED = "harp.second_factor_failed"
    BACKUP_CODES_GENERATED = "harp.backup_codes_generated"
    CODE_SEND_LIMIT_REACHED = "harp.code_send_limit_reached"
    IDENTITY_CORRECTED = "harp.identity_corrected"
    REAUTHENTICATED = "harp.reauthenticated"
    REAUTHENTICATION_FAILED = "harp.reauthentication_failed"
    CHALLENGE_ANSWER_FAILED = "harp.challenge_answer_failed"
    PASSWORD_RESET_LINK_ENDED = "harp.password_reset_link_ended"
    PASSWORD_RESET_LOCKED = "harp.password_reset_locked"
    REGISTRATION_EMAIL_TAKEN = "harp.registration_email_taken"
    RECOVERY_RATE_LIMITED = "harp.recovery_rate_limited"
    KNOWN_DEVICE_PASSED_LOCK = "harp.known_device_passed_lock"
    MESSAGE_BROADCAST = "harp.message_broadcast"
    USER_ACTIVATED = "harp.user_activated"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting only the last `NUM_PROXIES` forwarding hops.

    Each proxy appends the address it received the request from, so with N trusted
    proxies the client is the Nth entry from the right; entries further left are
    whatever the client chose to send.
    """
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return _valid_ip(forwarded[-proxies])
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]
