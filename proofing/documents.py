"""Proofing documents: where they are kept and what content is accepted.

Files live under `PRIVATE_MEDIA_ROOT`, outside `MEDIA_ROOT`, so no web server serves
them; only the audited help-desk view reads them. A file is accepted by its content
(the first bytes of a PDF, JPEG or PNG), never by its name or the browser's claim,
and is stored under a random name.
"""

from __future__ import annotations

import os
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


def detect_content_type(upload: UploadedFile) -> str:
    """The document's type from its first bytes; DocumentRejected if not allowed."""
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
    """A private document for the browser to show, never to cache or re-type."""
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
