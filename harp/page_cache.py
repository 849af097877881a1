"""Whole public pages, cached for anonymous visitors.

The home page, the status page, the catalog, a course page and a certificate's
verification page are the same for every visitor who is not signed in, so the
rendered page is kept in the cache (Redis in production, shared by every web
process) and served from there.

Only what is truly shared is cached or served:
- a request with a session cookie or a messages cookie is never served a cached
  page and never stores one: a signed-in person, or anyone with a message waiting
  ("You have signed out."), gets the page rendered for them;
- a page that used a CSRF token, set a cookie, changed the session or is not a
  200 is not stored, so no form token is ever handed to someone else.

Keys carry a generation that `public_pages_invalidate` replaces whenever what
such a page shows changes: the apps connect it to their models' signals (harp
for the status components, qsep for courses, plans, categories, provider types,
modules and questions), and a verification page also carries its certificate's
own version (`certificate_page_invalidate`). Both are replaced at the change and
again after it commits, so a page rendered from the old rows meanwhile is stored
under a key nobody reads again. Every entry also expires by itself.

With the cache down, pages are rendered as if nothing were cached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import zlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse

from harp.generational_cache import (
    generation_new,
    generation_read,
    now_and_after_commit,
)

logger = logging.getLogger(__name__)

GENERATION_KEY = "harp:public-pages:generation"
PAGE_TIMEOUT = 10 * 60  # seconds; a backstop, since changes invalidate at once

View = Callable[..., HttpResponseBase]


def _generation() -> str:
    return generation_read(GENERATION_KEY)


def _certificate_version_key(code: str) -> str:
    return f"harp:public-pages:certificate:{code}"


def _certificate_version(code: str) -> str:
    return generation_read(_certificate_version_key(code), PAGE_TIMEOUT * 2)


def public_pages_invalidate(**_: Any) -> None:
    """Forget every cached public page (now, and again once the change commits).

    Takes and ignores signal arguments, so it can be connected as a receiver.
    """
    now_and_after_commit(lambda: generation_new(generation_key=GENERATION_KEY))


def certificate_page_invalidate(*, code: str) -> None:
    """Forget the cached verification page of one certificate."""
    now_and_after_commit(
        lambda: generation_new(
            generation_key=_certificate_version_key(code), timeout=PAGE_TIMEOUT * 2
        )
    )


def _shareable(request: HttpRequest, params: frozenset[str]) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if not params.issuperset(request.GET):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    session = getattr(request, "session", None)
    return (
        isinstance(response, HttpResponse)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and "Cache-Control" not in response
    )


def _key(request: HttpRequest, version: str) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"harp:public-page:{version}:{digest}"


def anonymous_template(
    request: HttpRequest,
    *,
    name: str,
    params: tuple[str, ...],
    render: Callable[[], str],
) -> str | None:
    """A page the same for every anonymous visitor but for stand-ins the caller
    replaces on each request (a CSRF token): its HTML from the cache, rendered by
    `render` when missing; None when this request must render a page of its own
    (someone signed in, a message waiting, other query parameters, the cache
    down). `render` must not use the request's CSRF token or session: a page
    that did is returned but not kept."""
    if not _shareable(request, frozenset(params)):
        return None
    try:
        key = f"harp:public-template:{_generation()}:{name}"
        cached = cache.get(key)
    except Exception:
        logger.warning("The public page cache is unavailable", exc_info=True)
        return None
    if cached is not None:
        return zlib.decompress(cached).decode()
    html = render()
    session = getattr(request, "session", None)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or (
        session is not None and session.modified
    ):
        return html
    try:
        cache.set(key, zlib.compress(html.encode(), 6), timeout=PAGE_TIMEOUT)
    except Exception:
        logger.warning("Could not store a public page", exc_info=True)
    return html


def anonymous_page(
    *, params: tuple[str, ...] = (), per_certificate: bool = False
) -> Callable[[View], View]:
    """Serve the view's page from the cache to anonymous visitors.

    Only addresses whose query holds nothing but `params` are cached, so that
    made-up parameters cannot fill the cache. With `per_certificate`, the page
    also expires when the certificate named by the `code` URL argument changes.
    """
    allowed = frozenset(params)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not _shareable(request, allowed):
                return view(request, *args, **kwargs)
            try:
                version = _generation()
                if per_certificate:
                    code = str(kwargs.get("code", "")).strip().upper()
                    version = f"{version}:{_certificate_version(code)}"
                key = _key(request, version)
                cached = cache.get(key)
            except Exception:
                logger.warning("The public page cache is unavailable", exc_info=True)
                return view(request, *args, **kwargs)
            if cached is not None:
                content_type, body = cached
                return HttpResponse(zlib.decompress(body), content_type=content_type)
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                # Rendered here, not later by the handler, so that what the
                # template used (a CSRF token, the session) is known before
                # the page is stored.
                response.render()
            if isinstance(response, HttpResponse) and _storable(request, response):
                entry = (response["Content-Type"], zlib.compress(response.content, 6))
                try:
                    cache.set(key, entry, timeout=PAGE_TIMEOUT)
                except Exception:
                    logger.warning("Could not store a public page", exc_info=True)
            return response

        return wrapper

    return decorate
