"""Keyset pages: where the next page of a list ordered by (date, id) starts,
written into its link and read back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Self

MAX_PK = 2**63 - 1


def url_pk(value: object) -> int | None:
    """A row id from a URL or a form, or None if it cannot be one."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_PK else None


@dataclass(frozen=True)
class DateIdCursor:
    """Just past the row with this date and id."""

    created_at: datetime.datetime
    pk: int

    def encode(self) -> str:
        return f"{int(self.created_at.timestamp() * 1_000_000)}-{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Self | None:
        """A cursor from a URL; None if it is missing or malformed."""
        stamp, _, pk = (value or "").partition("-")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 17):
            return None
        key = url_pk(pk)
        if key is None:
            return None
        try:
            moment = datetime.datetime.fromtimestamp(
                int(stamp) / 1_000_000, tz=datetime.UTC
            )
        except (OverflowError, OSError, ValueError):
            return None
        return cls(created_at=moment, pk=key)
