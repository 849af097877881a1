"""Fixtures every test shares: mail through the real outbox, Celery in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _outbox_delivers_to_locmem(settings):
    # pytest-django swaps EMAIL_BACKEND for locmem; put the outbox back in front of
    # it so every test exercises the path production mail takes.
    settings.EMAIL_BACKEND = "harp.outbox.OutboxEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # With REDIS_URL set (as in CI) the cache outlives a test and a run; rate limits
    # and lockouts kept there must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings):
    # With REDIS_URL set (as in CI) production reads sessions from the cache
    # (cached_db); tests count queries exactly, so they count the same with and
    # without Redis. The cache's own pages are tested where they matter.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings, tmp_path):
    # Uploaded and generated files never land in the working tree.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tests/harp/test_settings.py checks it);
    # tests that hash hundreds of passwords use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def celery_config(**changes: object) -> Iterator[None]:
    """Change the Celery app's configuration for a block, then put it back.

    The app caches its broker connection and producer pools, so they are dropped
    both ways: otherwise a changed broker URL would go unused.
    """
    saved = {key: celery_app.conf[key] for key in changes}
    celery_app.conf.update(changes)
    _drop_broker_pools()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _drop_broker_pools()


def _drop_broker_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    # With CELERY_BROKER_URL set (as in CI) tasks would otherwise wait in Redis for a
    # worker the test does not run; tests that need the broker say so.
    with celery_config(task_always_eager=True, task_eager_propagates=True):
        yield


def broker_url_or_skip() -> str:
    """CELERY_BROKER_URL for tests that need a real broker.

    The embedded default has none, so such a test skips there; CI sets one, and a CI
    run without it fails rather than passing on a skip.
    """
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL: this test needs a real broker.")
        pytest.skip("CELERY_BROKER_URL is not set; the embedded default has no broker.")
    return url
