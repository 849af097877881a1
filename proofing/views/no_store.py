"""Proofing pages carry personal data: no browser or proxy may keep a copy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMixin:
    """Every response of the view, redirects and refusals included, is `no-store`.

    First in a view's bases, so that it wraps whatever the other mixins answer.
    """

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
            request, *args, **kwargs
        )
        add_never_cache_headers(response)
        return response
