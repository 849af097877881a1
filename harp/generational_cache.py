"""Values every page reads and few requests change, kept in the cache.

An entry is stored as (generation, value) beside a generation key. Reading it is
one round trip (`get_many` of both keys); forgetting one entry deletes its key;
forgetting a whole family (every person's permissions after a group changes)
writes a new generation, which every entry is checked against. A generation is
a random token, never a counter: if the generation key is evicted, a new one is
made rather than starting again at a value that old entries still carry.

The cache going down never fails a page: the value is computed from the
database, and the failure is logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

logger = logging.getLogger(__name__)


def generation_cached(
    *, key: str, generation_key: str, compute: Callable[[], T], timeout: int
) -> T:
    """The value under `key` if it was kept in this generation, else `compute()`
    kept for `timeout` seconds."""
    try:
        found = cache.get_many([generation_key, key])
    except Exception:
        logger.warning("Cache unavailable: %s read from the database.", key)
        return compute()
    generation = found.get(generation_key)
    entry = found.get(key)
    if (
        generation is not None
        and isinstance(entry, tuple)
        and len(entry) == 2
        and entry[0] == generation
    ):
        return entry[1]
    value = compute()
    try:
        if generation is None:
            generation = generation_read(generation_key)
        cache.set(key, (generation, value), timeout)
    except Exception:
        logger.warning("Cache unavailable: %s not kept.", key)
    return value


def generation_read(generation_key: str, timeout: int | None = None) -> str:
    """A family's current generation, made now if it has none (or it expired).
    Raises when the cache is down: the caller decides what that means."""
    value = cache.get(generation_key)
    if value is None:
        cache.add(generation_key, secrets.token_hex(8), timeout)
        value = cache.get(generation_key)
    return str(value)


def now_and_after_commit(change: Callable[[], None]) -> None:
    """Forget now, so the change's own transaction never reads the old value, and
    again once it commits: a request that read the old rows in between would
    otherwise keep them."""
    change()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(change)


def generation_forget(*, key: str) -> None:
    """Forget one entry: the next read computes it again."""
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Cache unavailable: %s not forgotten.", key)


def generation_new(*, generation_key: str, timeout: int | None = None) -> None:
    """Forget every entry of a family at once."""
    try:
        cache.set(generation_key, secrets.token_hex(8), timeout)
    except Exception:
        logger.warning("Cache unavailable: %s not renewed.", generation_key)
