"""Counting failures and locking, for passwords and second-factor codes alike.

Failures are counted in the cache (Redis in production, so every web process sees
the same count) within `LOCKOUT_WINDOW` seconds; the `LOCKOUT_FAILURES`th locks the
identifier for `LOCKOUT_DURATION` seconds. Identifiers are hashed so that the cache
holds no user IDs, and user IDs that do not exist are counted and locked exactly as
real ones are, so nothing tells them apart.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


class Lockout:
    def __init__(self, scope: str) -> None:
        self.scope = scope

    def _key(self, kind: str, identifier: str) -> str:
        digest = hashlib.sha256(identifier.casefold().encode()).hexdigest()
        return f"lockout:{self.scope}:{kind}:{digest}"

    def is_locked(self, identifier: str) -> bool:
        return cache.get(self._key("locked", identifier)) is not None

    def register_failure(self, identifier: str) -> bool:
        """Count one failure; return True when this one locks the identifier."""
        count_key = self._key("count", identifier)
        cache.add(count_key, 0, timeout=settings.LOCKOUT_WINDOW)
        try:
            count = cache.incr(count_key)
        except ValueError:
            # The window expired between add and incr: this failure starts a new one.
            cache.set(count_key, 1, timeout=settings.LOCKOUT_WINDOW)
            count = 1
        if count >= settings.LOCKOUT_FAILURES:
            cache.set(
                self._key("locked", identifier), 1, timeout=settings.LOCKOUT_DURATION
            )
            cache.delete(count_key)
            return True
        return False

    def reset(self, identifier: str) -> None:
        """Forget failures after a success; a lock stays until it ends or is lifted."""
        cache.delete(self._key("count", identifier))

    def unlock(self, identifier: str) -> None:
        cache.delete_many(
            [self._key("count", identifier), self._key("locked", identifier)]
        )


password_lockout = Lockout("password")
second_factor_lockout = Lockout("second-factor")
