"""Certificates and transcripts as PDFs, rendered by WeasyPrint from their HTML.

WeasyPrint fetches what the page links to. Given the request's host as its base
URL it would fetch the portal's stylesheet over HTTP from the portal itself: under
gunicorn every sync worker busy rendering a PDF waits on a request to itself that
no worker is free to answer. `StaticFilesFetcher` reads the portal's static files
from disk instead (through Django's static files storage, or its finders when
DEBUG serves unhashed names) and refuses every other URL but inline `data:`
ones, so no request leaves the process.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Where relative links in the document resolve; nothing is ever fetched from it.
PDF_BASE_URL = "https://portal.invalid/"


class StaticFilesFetcher(URLFetcher):
    """Serves `<STATIC_URL>...` from the static files on disk; refuses the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        path = unquote(parts.path)
        if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL or not path.startswith(
            settings.STATIC_URL
        ):
            raise ValueError(f"A PDF loads only the portal's static files, not {url}")
        name = path.removeprefix(settings.STATIC_URL)
        found = _static_file(name)
        if found is None:
            raise ValueError(f"No static file {name!r} for the PDF")
        with open(found, "rb") as file:
            body = file.read()
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def _static_file(name: str) -> str | None:
    """The file on disk for a static name, hashed (collected) or not (DEBUG)."""
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    try:
        if staticfiles_storage.exists(name):
            return str(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        return None
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return found if isinstance(found, str) else None


def pdf_from_html(html: str) -> bytes:
    """The PDF of a document rendered by the portal's templates."""
    return HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesFetcher()
    ).write_pdf()
