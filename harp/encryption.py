"""Encryption at rest for personal data, with key rotation.

`FIELD_ENCRYPTION_KEY` holds one or more Fernet keys separated by commas. The first
encrypts; every key decrypts, so a new key is put first, `manage.py
rotate_field_encryption` re-encrypts every row with it, and then the old key can be
removed.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(value: str) -> str:
    try:
        return fernet().decrypt(value.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError(
            "A value could not be decrypted with any key in FIELD_ENCRYPTION_KEY."
        ) from exc


class EncryptedCharField(models.TextField):
    """Text stored as a Fernet token; read back as plain text. Cannot be searched."""

    def from_db_value(self, value: str | None, *args: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class EncryptedDateField(models.DateField):
    """A date stored as a Fernet token of its ISO form."""

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def from_db_value(self, value: str | None, *args: Any) -> datetime.date | None:
        if value is None or value == "":
            return None
        return datetime.date.fromisoformat(decrypt(value))

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value.isoformat())

    def get_db_prep_value(
        self, value: Any, connection: Any, prepared: bool = False
    ) -> Any:
        return value if prepared else self.get_prep_value(value)
