"""Counting failures and locking, for passwords and second-factor codes alike.

Failures are counted in the cache (Redis in production, so every web process sees
the same count) within a window of seconds; the limit-th failure locks the
identifier for a lock time. Each `Lockout` names the settings it reads, so the
limits stay in settings: by default `LOCKOUT_FAILURES`, `LOCKOUT_WINDOW` and
`LOCKOUT_DURATION`. Identifiers are hashed so that the cache holds no user IDs,
addresses or keys, and user IDs that do not exist are counted and locked exactly as
real ones are, so nothing tells them apart.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase


def _digest(identifier: str) -> str:
    return hashlib.sha256(identifier.casefold().encode()).hexdigest()


def _count(key: str, *, window: int) -> int:
    """Add one to a count that starts at the first use and lasts `window` seconds."""
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:
        # The window expired between add and incr: this use starts a new one.
        cache.set(key, 1, timeout=window)
        return 1


class Lockout:
    def __init__(
        self,
        scope: str,
        *,
        failures_setting: str = "LOCKOUT_FAILURES",
        window_setting: str = "LOCKOUT_WINDOW",
        duration_setting: str = "LOCKOUT_DURATION",
    ) -> None:
        self.scope = scope
        self.failures_setting = failures_setting
        self.window_setting = window_setting
        self.duration_setting = duration_setting

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.failures_setting))

    @property
    def window(self) -> int:
        return int(getattr(settings, self.window_setting))

    @property
    def duration(self) -> int:
        return int(getattr(settings, self.duration_setting))

    def _key(self, kind: str, identifier: str) -> str:
        return f"lockout:{self.scope}:{kind}:{_digest(identifier)}"

    def is_locked(self, identifier: str) -> bool:
        return cache.get(self._key("locked", identifier)) is not None

    def record_failure(self, identifier: str) -> tuple[int, bool]:
        """Count one failure; return the count in the window and whether it locked."""
        count_key = self._key("count", identifier)
        count = _count(count_key, window=self.window)
        if count >= self.limit:
            cache.set(self._key("locked", identifier), 1, timeout=self.duration)
            cache.delete(count_key)
            return count, True
        return count, False

    def register_failure(self, identifier: str) -> bool:
        """Count one failure; return True when this one locks the identifier."""
        return self.record_failure(identifier)[1]

    def reset(self, identifier: str) -> None:
        """Forget failures after a success; a lock stays until it ends or is lifted."""
        cache.delete(self._key("count", identifier))

    def unlock(self, identifier: str) -> None:
        cache.delete_many(
            [self._key("count", identifier), self._key("locked", identifier)]
        )


class Delay:
    """A short wait imposed on an identifier, until a moment it can report."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def _key(self, identifier: str) -> str:
        return f"delay:{self.scope}:{_digest(identifier)}"

    def start(self, identifier: str, seconds: int) -> None:
        if seconds > 0:
            cache.set(self._key(identifier), time.time() + seconds, timeout=seconds)

    def remaining(self, identifier: str) -> int:
        """Whole seconds still to wait (0 when there is no wait)."""
        until = cache.get(self._key(identifier))
        if until is None:
            return 0
        return max(0, int(until - time.time() + 0.999))

    def clear(self, identifier: str) -> None:
        cache.delete(self._key(identifier))


class RateLimit:
    """At most `limit` uses per identifier in a fixed window of `window` seconds."""

    def __init__(self, scope: str, *, limit_setting: str, window_setting: str) -> None:
        self.scope = scope
        self.limit_setting = limit_setting
        self.window_setting = window_setting

    def _key(self, identifier: str) -> str:
        return f"ratelimit:{self.scope}:{_digest(identifier)}"

    def consume(self, identifier: str) -> bool:
        """Use one; False once the window's limit is reached."""
        limit = int(getattr(settings, self.limit_setting))
        window = int(getattr(settings, self.window_setting))
        return _count(self._key(identifier), window=window) <= limit


password_lockout = Lockout("password")
second_factor_lockout = Lockout("second-factor")
# Failed sign-ins from one client address, whatever user IDs it typed.
client_lockout = Lockout(
    "password-client",
    failures_setting="LOCKOUT_CLIENT_FAILURES",
    duration_setting="LOCKOUT_DURATION",
)
# A known device's own failures: past the limit it no longer passes other locks.
known_device_lockout = Lockout("known-device")
# The wait after a few failed sign-ins for one user ID, before the lock.
sign_in_delay = Delay("password")
# Wrong challenge answers on one password reset link, and for one account a day.
reset_key_lockout = Lockout(
    "reset-key",
    failures_setting="RESET_ANSWER_FAILURES",
    window_setting="RESET_KEY_WINDOW",
    duration_setting="RESET_KEY_WINDOW",
)
reset_account_lockout = Lockout(
    "reset-account",
    failures_setting="RESET_ANSWER_DAILY_FAILURES",
    window_setting="RESET_ACCOUNT_WINDOW",
    duration_setting="RESET_ACCOUNT_WINDOW",
)
# Recovery emails (forgot user ID, resend confirmation) per address and per client.
recovery_email_limit = RateLimit(
    "recovery-email",
    limit_setting="RECOVERY_EMAILS_PER_ADDRESS",
    window_setting="RECOVERY_EMAIL_WINDOW",
)
# Lockout emails to one account: someone re-locking a user ID all day must not
# flood its owner's inbox.
lockout_notice_limit = RateLimit(
    "lockout-notice",
    limit_setting="LOCKOUT_NOTICE_LIMIT",
    window_setting="LOCKOUT_NOTICE_WINDOW",
)
recovery_client_limit = RateLimit(
    "recovery-client",
    limit_setting="RECOVERY_EMAILS_PER_CLIENT",
    window_setting="RECOVERY_EMAIL_WINDOW",
)


# A browser that finished a sign-in with both factors keeps a signed cookie naming
# the account and a random token. When that account's user ID is locked or slowed
# by failures from elsewhere, this browser may still try its password (and then its
# second factor); its own failures are counted against its token.
KNOWN_DEVICE_COOKIE = "harp_known_device"
_KNOWN_DEVICE_SALT = "harp.known-device"


def _known_device_value(request: HttpRequest) -> tuple[int, str] | None:
    try:
        value = request.get_signed_cookie(
            KNOWN_DEVICE_COOKIE,
            default=None,
            salt=_KNOWN_DEVICE_SALT,
            max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
        )
    except signing.BadSignature:
        return None
    if not value:
        return None
    user_pk, _, token = str(value).partition(":")
    if not user_pk.isdigit() or not token:
        return None
    return int(user_pk), token


def known_device_token(request: HttpRequest, *, user: Any = None) -> str | None:
    """The browser's known-device token; with `user`, only if it is that account's
    and its own failures have not locked it."""
    found = _known_device_value(request)
    if found is None:
        return None
    user_pk, token = found
    if user is None:
        return token
    if user_pk != user.pk or known_device_lockout.is_locked(token):
        return None
    return token


def known_device_remember(
    request: HttpRequest, response: HttpResponseBase, *, user: Any
) -> None:
    """Mark this browser as a known device of the account it just signed in to."""
    found = _known_device_value(request)
    token = found[1] if found and found[0] == user.pk else secrets.token_urlsafe(16)
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        f"{user.pk}:{token}",
        salt=_KNOWN_DEVICE_SALT,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
