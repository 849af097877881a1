"""Certificate and transcript PDFs read the portal's static files from disk.

WeasyPrint once fetched the stylesheet over HTTP from the portal itself, so under
gunicorn a worker rendering a PDF waited on a request no worker was free to
answer. These tests hold that no request leaves the process, that the stylesheet
is applied all the same, and that nothing but the portal's static files and inline
data is read.
"""

from __future__ import annotations

import io
import re
import socket
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from qsep.pdf import PDF_BASE_URL, StaticFilesFetcher, pdf_from_html
from tests.qsep.test_training import completed, learner

__all__ = ["learner"]  # the fixture, shared with test_training

pytestmark = pytest.mark.django_db

PORTAL_CSS = Path(settings.BASE_DIR) / "static" / "css" / "portal.css"


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection fails the test: the PDF must not reach out."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"the PDF tried to connect to {address}")

    def refuse_open(url, *args, **kwargs):
        attempts.append(url)
        raise AssertionError(f"the PDF tried to open {url}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_open)
    # WeasyPrint's own fetcher opens URLs with urllib.request.urlopen.
    monkeypatch.setattr(urllib.request, "urlopen", refuse_open)
    return attempts


def test_the_fetcher_reads_the_stylesheet_from_disk():
    response = StaticFilesFetcher().fetch(f"{PDF_BASE_URL}static/css/portal.css")
    assert response.read() == PORTAL_CSS.read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/static/css/portal.css",
        f"{PDF_BASE_URL}verify/ABC/",
        f"{PDF_BASE_URL}static/../config/settings.py",
        f"{PDF_BASE_URL}static/%2e%2e/config/settings.py",
        f"{PDF_BASE_URL}static//etc/passwd",
        "file:///etc/passwd",
        f"{PDF_BASE_URL}static/css/missing.css",
    ],
)
def test_the_fetcher_refuses_anything_else(url):
    with pytest.raises(ValueError):
        StaticFilesFetcher().fetch(url)


def test_inline_data_still_loads():
    response = StaticFilesFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_the_certificate_pdf_applies_the_stylesheet_without_a_request(
    client, learner, no_network
):
    certificate = completed(learner)
    response = client.get(reverse("qsep:certificate-pdf", args=[certificate.code]))
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert certificate.code in text
    assert no_network == []

    # The same document without its stylesheet comes out different: the styles
    # were read and applied, not silently dropped.
    html = render_to_string(
        "qsep/certificate_document.html",
        client.get(reverse("qsep:certificate", args=[certificate.code]))
        .context[0]
        .flatten(),
    )
    refused = HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=_RefuseAll()
    ).write_pdf()
    styled = pdf_from_html(html)
    assert _fonts(styled) != _fonts(refused) or _layout(styled) != _layout(refused)
    # portal.css colours the certificate's border and kicker #005ea2: the PDF
    # paints with it, and without the stylesheet it does not.
    assert PORTAL_BLUE in _colours(response.content)
    assert PORTAL_BLUE in _colours(styled)
    assert PORTAL_BLUE not in _colours(refused)
    assert no_network == []


def test_portal_css_is_where_the_certificate_colour_comes_from():
    # The colour the test above looks for is portal.css's, not the template's.
    css = PORTAL_CSS.read_text()
    assert re.search(r"\.portal-certificate \{[^}]*#005ea2", css)
    assert (
        "#005ea2"
        not in (
            Path(settings.BASE_DIR) / "templates" / "qsep" / "certificate_document.html"
        ).read_text()
    )


def test_the_transcript_pdf_needs_no_request(client, learner, no_network):
    completed(learner)
    response = client.get(reverse("qsep:transcript-pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert no_network == []


class _RefuseAll(StaticFilesFetcher):
    def fetch(self, url, headers=None):
        raise ValueError(url)


def _fonts(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"].get_object().get("/Font", {})
    return {str(font.get_object()["/BaseFont"]) for font in fonts.values()}


# #005ea2 as PDF colour components, rounded: what `r g b rg` / `RG` paint with.
PORTAL_BLUE = (0.0, round(0x5E / 255, 3), round(0xA2 / 255, 3))


def _colours(pdf: bytes) -> set[tuple[float, ...]]:
    """Every RGB fill and stroke colour the first page sets."""
    content = _layout(pdf).decode("latin-1")
    return {
        tuple(round(float(part), 3) for part in match.groups())
        for match in re.finditer(
            r"([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(?:rg|RG)\b", content
        )
    }


def _layout(pdf: bytes) -> bytes:
    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
