"""How often a code may be sent by email, text message or voice call.

Every send costs money and lands on someone's phone or inbox, so each is counted
before it happens, at set-up and at the sign-in step alike:

- per account: one send every `CODE_SEND_COOLDOWN` seconds and at most
  `CODE_SEND_DAILY_LIMIT` sends in `CODE_SEND_WINDOW` seconds;
- per phone number (its digits), whoever asks: one send every
  `CODE_SEND_NUMBER_COOLDOWN` seconds and at most `CODE_SEND_NUMBER_DAILY_LIMIT`
  in the same window.

Counts live in the cache (Redis in production, so every web process sees them), under
hashed keys, like `harp.lockout`. A cool-down is taken with `cache.add`, which only
one of two requests at the same moment wins, so a burst of parallel sends gets one
code through per cool-down, and the day's count cannot run past its cap by more than
that.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import dateformat, timezone

UNAVAILABLE = "We could not send the code. Try again, or choose another method."


class CodeSendRefused(Exception):
    """No code was sent; the message says why and when the person may ask again."""

    def __init__(self, message: str, *, cap_reached: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.cap_reached = cap_reached


@dataclass(frozen=True)
class _Scope:
    kind: str
    identifier: str
    cooldown: int
    daily_limit: int

    def key(self, part: str) -> str:
        digest = hashlib.sha256(self.identifier.encode()).hexdigest()
        return f"code-limit:{self.kind}:{part}:{digest}"


@dataclass(frozen=True)
class CodeSendReservation:
    """A send that was counted; `release` gives back its cool-downs if it failed."""

    cooldown_keys: tuple[str, ...]

    def release(self) -> None:
        # The day's count stays: a failing provider must not let anyone send
        # without limit, but the person may try again straight away.
        # If the cache went away, the cool-downs simply run out on their own.
        with contextlib.suppress(Exception):
            cache.delete_many(list(self.cooldown_keys))


def number_digits(number: str) -> str:
    """A phone number's digits, the last ten of them: (410) 555-0142 and
    +1 410 555 0142 are one number."""
    return "".join(ch for ch in number if ch.isdigit())[-10:]


def _scopes(*, user_pk: int, number: str | None) -> list[_Scope]:
    scopes = [
        _Scope(
            "account",
            str(user_pk),
            settings.CODE_SEND_COOLDOWN,
            settings.CODE_SEND_DAILY_LIMIT,
        )
    ]
    if number:
        scopes.append(
            _Scope(
                "number",
                number_digits(number),
                settings.CODE_SEND_NUMBER_COOLDOWN,
                settings.CODE_SEND_NUMBER_DAILY_LIMIT,
            )
        )
    return scopes


def _cap_message(reset_at: float) -> str:
    # Up to the next whole minute, so that "after 3:15 PM" is true to the second.
    reset_at = math.ceil(reset_at / 60) * 60
    moment = timezone.localtime(
        datetime.fromtimestamp(reset_at, tz=timezone.get_current_timezone())
    )
    when = dateformat.format(moment, "g:i A")
    if moment.date() != timezone.localdate():
        when = f"{when} tomorrow"
    return (
        "You have asked for the most codes allowed in a day. Try again after "
        f"{when}, use another method, or call the help desk at "
        f"{settings.HELP_DESK_PHONE}."
    )


def _cooldown_message(seconds: int) -> str:
    seconds = max(1, seconds)
    unit = "second" if seconds == 1 else "seconds"
    return f"You can ask for another code in {seconds} {unit}."


def code_send_reserve(
    *, user_pk: int, number: str | None = None
) -> CodeSendReservation:
    """Count one code about to be sent, or raise `CodeSendRefused` and count nothing.

    `number` is the phone number a text or call goes to; email codes pass None and
    are limited per account only (the address is the account's own).
    """
    try:
        return _reserve(_scopes(user_pk=user_pk, number=number))
    except CodeSendRefused:
        raise
    except Exception as exc:
        # The cache is down: without a count there is no limit, so send nothing.
        raise CodeSendRefused(UNAVAILABLE) from exc


def _reserve(scopes: list[_Scope]) -> CodeSendReservation:
    now = time.time()
    # A day's cap first: its message is the one that tells the whole story.
    for scope in scopes:
        count = cache.get(scope.key("count")) or 0
        if count >= scope.daily_limit:
            started = cache.get(scope.key("start")) or now
            raise CodeSendRefused(
                _cap_message(started + settings.CODE_SEND_WINDOW), cap_reached=True
            )
    taken: list[str] = []
    for scope in scopes:
        if scope.cooldown <= 0:
            continue
        key = scope.key("cooldown")
        if not cache.add(key, now + scope.cooldown, timeout=scope.cooldown):
            cache.delete_many(taken)
            until = cache.get(key) or now + scope.cooldown
            raise CodeSendRefused(_cooldown_message(int(until - now + 0.999)))
        taken.append(key)
    for scope in scopes:
        cache.add(scope.key("start"), now, timeout=settings.CODE_SEND_WINDOW)
        cache.add(scope.key("count"), 0, timeout=settings.CODE_SEND_WINDOW)
        try:
            cache.incr(scope.key("count"))
        except ValueError:
            # The window ended between add and incr: this send starts a new one.
            cache.set(scope.key("start"), now, timeout=settings.CODE_SEND_WINDOW)
            cache.set(scope.key("count"), 1, timeout=settings.CODE_SEND_WINDOW)
    return CodeSendReservation(cooldown_keys=tuple(taken))
