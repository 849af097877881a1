"""Proofing documents: where they are kept and what content is accepted.

Files live under `PRIVATE_MEDIA_ROOT`, outside `MEDIA_ROOT`, so no web server serves
them; only the audited help-desk view reads them. A file is accepted by its content
(the first bytes of a PDF, JPEG or PNG, and that type's whole structure: trailer,
end marker), never by its name or the browser's claim, and is stored under a random
name. It is served sandboxed, and a PDF as a download.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class DocumentRejected(Exception):
    """The upload is not a document the help desk can take; the message says why."""


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, read from settings at each use, with no URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Proofing documents have no public URL.")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


def document_path(instance: Any, filename: str) -> str:
    extension = EXTENSIONS.get(getattr(instance, "content_type", ""), "bin")
    return f"proofing/{uuid.uuid4().hex}.{extension}"


PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
PDF_TRAILER = re.compile(
    rb"startxref\s+\d+\s+%%EOF\s*\Z|trailer\s*<<.*%%EOF\s*\Z", re.S
)
PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# How far from the end a PDF's trailer may start, and the trailing bytes ignored.
TAIL_BYTES = 4096
TRAILING = b"\x00\r\n\t "


def _well_formed(content_type: str, upload: UploadedFile) -> bool:
    """The whole structure of the type, not only its first bytes.

    PDF: a version header, at least one object and a trailer ending in %%EOF.
    JPEG: start-of-image then a segment marker, and an end-of-image marker last.
    PNG: the signature, an IHDR chunk first and an IEND chunk last.
    """
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    body = content.rstrip(TRAILING)
    if content_type == "application/pdf":
        return bool(
            PDF_HEADER.match(content)
            and PDF_OBJECT.search(content)
            and b"endobj" in content
            and PDF_TRAILER.search(body[-TAIL_BYTES:])
        )
    if content_type == "image/jpeg":
        return content[3:4] != b"" and body.endswith(b"\xff\xd9")
    if content_type == "image/png":
        return content[12:16] == b"IHDR" and body.endswith(PNG_IEND)
    return False


def detect_content_type(upload: UploadedFile) -> str:
    """The document's type from its content; DocumentRejected if not allowed."""
    limit = settings.PROOFING_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DocumentRejected(
            f"That file is larger than {limit // (1024 * 1024)} MB. Scan it at a lower "
            "resolution, or photograph it, and upload it again."
        )
    if upload.size == 0:
        raise DocumentRejected("That file is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            if not _well_formed(content_type, upload):
                name = EXTENSIONS[content_type].upper()
                raise DocumentRejected(
                    f"That file starts like a {name} but is not a complete one. Save "
                    "or scan it again and upload the new file."
                )
            return content_type
    raise DocumentRejected(
        "That file is not a PDF, JPEG or PNG. Upload a scan or photo in one of those "
        "formats."
    )


def store_checked_upload(record: Any, upload: UploadedFile) -> None:
    """Save a record (with `file` and `content_type` fields) and its upload.

    The type comes from the file's first bytes (DocumentRejected if not allowed);
    if the file or the row is refused, neither is left behind.
    """
    record.content_type = detect_content_type(upload)
    record.file.save("upload", upload, save=False)
    try:
        record.full_clean(exclude=["file"])
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise


def display_name(filename: str) -> str:
    """The name to show: no folders, no control characters, not too long."""
    base = os.path.basename(filename.replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip() or "document"
    return cleaned[-120:]


def private_file_response(file: FieldFile, content_type: str) -> FileResponse:
    """A private document for the browser, never to cache, re-type or run.

    `Content-Security-Policy: sandbox` keeps any script in the file from running
    with the portal's origin; PDFs are downloaded rather than shown in the page.
    """
    response = FileResponse(file.open("rb"), content_type=content_type)
    if content_type == "application/pdf":
        response["Content-Disposition"] = 'attachment; filename="document.pdf"'
    else:
        response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
