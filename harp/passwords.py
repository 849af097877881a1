"""Password rules after NIST SP 800-63B: length and known-bad lists, no composition."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

# Words a password for this portal should not be built on.
CONTEXT_WORDS = {
    "harp",
    "qsep",
    "iqies",
    "cms",
    "medicare",
    "medicaid",
    "portal",
    "hub",
}
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
)


@cache
def _common() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def _is_repetitive(password: str) -> bool:
    """One character, or one short chunk, repeated: 'aaaaaaaaaaaa', 'abcabcabcabc'."""
    for size in range(1, 5):
        chunk = password[:size]
        if chunk * (len(password) // size) + chunk[: len(password) % size] == password:
            return True
    return False


def _is_sequential(password: str) -> bool:
    lowered = password.lower()
    for sequence in SEQUENCES:
        for forward in (sequence, sequence[::-1]):
            if lowered in forward or lowered in forward * 2:
                return True
    return False


class BreachedPatternValidator:
    """Refuse passwords that breach corpora show attackers try first.

    Beyond Django's list of 20,000 common passwords: a common password or a
    portal word with digits and symbols around it ('Password2024!', 'harp-harp-1'),
    repeated characters or chunks, and keyboard or alphabet runs.
    """

    def validate(self, password: str, user: Any = None) -> None:
        core = re.sub(r"[^a-z]", "", password.lower())
        if (
            _is_repetitive(password)
            or _is_sequential(password)
            or core in _common()
            or (core and not re.sub("|".join(CONTEXT_WORDS), "", core))
        ):
            raise ValidationError(
                "This password is too easy to guess: it is a common password, or a "
                "common word or pattern with numbers or symbols added. Try a phrase "
                "of several unrelated words.",
                code="password_breached_pattern",
            )

    def get_help_text(self) -> str:
        return "It can't be a common password or a common word with numbers added."


class MaximumLengthValidator:
    """Long passphrases are welcome; a megabyte of text is not a password."""

    max_length = 256

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Use at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"At most {self.max_length} characters."
