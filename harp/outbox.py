"""The email outbox: Django's mail API writes rows here instead of sending.

`EMAIL_BACKEND` points at `OutboxEmailBackend`, so every email the portal sends,
django-allauth's and the admin's included, becomes an `OutboxMessage` row in the
caller's transaction. When that transaction commits, a Celery task is queued to hand
the row to the real backend (`OUTBOX_DELIVERY_BACKEND`); a rolled-back transaction
leaves no row and so sends nothing. If the broker cannot be reached the row waits
for the beat task `outbox_resend_pending_task`.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from email.mime.base import MIMEBase
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from harp.models import OutboxMessage

logger = logging.getLogger(__name__)


class OutboxEmailBackend(BaseEmailBackend):
    """Queues messages in the outbox; the delivery backend sends them later."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from harp import services

        for message in email_messages:
            services.outbox_message_create(**message_to_fields(message))
        return len(email_messages)


def message_to_fields(message: EmailMessage) -> dict[str, Any]:
    html_body = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html_body = str(content)
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            raise ValueError("The outbox stores (filename, content, mimetype) only.")
        filename, content, mimetype = attachment
        raw = content.encode() if isinstance(content, str) else content
        attachments.append(
            {
                "filename": filename,
                "content": base64.b64encode(raw).decode("ascii"),
                "mimetype": mimetype,
            }
        )
    return {
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "subject": message.subject,
        "body": message.body,
        "html_body": html_body,
        "headers": dict(message.extra_headers),
        "attachments": attachments,
    }


def fields_to_message(row: OutboxMessage) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email,
        to=row.to,
        cc=row.cc,
        bcc=row.bcc,
        reply_to=row.reply_to,
        headers=row.headers,
    )
    if row.html_body:
        message.attach_alternative(row.html_body, "text/html")
    for attachment in row.attachments:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
    return message
