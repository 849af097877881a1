"""The email outbox: writing, sending once, re-sending what is pending."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from harp import tasks
from harp.models import OutboxMessage
from harp.outbox import fields_to_message

logger = logging.getLogger(__name__)


@transaction.atomic
def outbox_message_create(
    *,
    from_email: str,
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    reply_to: list[str] | None = None,
    html_body: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """Write an email to the outbox and queue its sending once the caller commits.

    The row carries its own Message-ID, so a message that is retried after an
    uncertain SMTP failure can be recognised as one message by the receiver.
    """
    headers = dict(headers or {})
    headers.setdefault("Message-ID", make_msgid())
    message = OutboxMessage(
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc or [],
        bcc=bcc or [],
        reply_to=reply_to or [],
        subject=subject,
        body=body,
        html_body=html_body,
        headers=headers,
        attachments=attachments or [],
        next_attempt_at=timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_AFTER),
    )
    message.full_clean()
    message.save()
    transaction.on_commit(partial(outbox_message_enqueue, message_id=message.pk))
    return message


@transaction.atomic
def outbox_messages_create_bulk(*, messages: Sequence[Mapping[str, Any]]) -> int:
    """Write many emails to the outbox in one INSERT; queue one task for them all.

    Each mapping holds the keyword arguments of `outbox_message_create`. Every row
    gets its own Message-ID and retry time like a single one; once the caller
    commits, one Celery task sends the batch (each send still claims its row, so
    it is at most once), and the beat task re-sends any the broker never got.
    Returns how many were written.
    """
    retry_at = timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_AFTER)
    rows = []
    for fields in messages:
        headers = dict(fields.get("headers") or {})
        # With the cached host name: asking the resolver for each email is slow.
        headers.setdefault("Message-ID", make_msgid(domain=DNS_NAME))
        from_email = fields.get("from_email") or settings.DEFAULT_FROM_EMAIL
        to = list(fields["to"])
        # The checks full_clean() would make that can fail here, without its cost
        # per row: a million emails are written this way.
        if not to or len(fields["subject"]) > 998 or len(from_email) > 320:
            raise ValidationError(
                f"An outbox email needs a recipient, a subject of at most 998 "
                f"characters and a sender of at most 320 (to {to!r})."
            )
        row = OutboxMessage(
            from_email=from_email,
            to=to,
            cc=list(fields.get("cc") or []),
            bcc=list(fields.get("bcc") or []),
            reply_to=list(fields.get("reply_to") or []),
            subject=fields["subject"],
            body=fields["body"],
            html_body=fields.get("html_body", ""),
            headers=headers,
            attachments=list(fields.get("attachments") or []),
            next_attempt_at=retry_at,
        )
        rows.append(row)
    if not rows:
        return 0
    created = OutboxMessage.objects.bulk_create(rows)
    message_ids = [row.pk for row in created]
    if None in message_ids:  # a database that returns no keys from a bulk INSERT
        raise RuntimeError("The database returned no ids for the outbox rows.")
    transaction.on_commit(partial(outbox_messages_enqueue, message_ids=message_ids))
    return len(rows)


def outbox_messages_enqueue(*, message_ids: list[int]) -> None:
    """Hand a batch to the broker as one task; if that fails the beat task re-sends."""
    try:
        tasks.outbox_send_batch_task.apply_async(
            args=(message_ids,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0.2},
        )
    except Exception:
        logger.warning(
            "Could not queue %s outbox emails; the re-send task will pick them up.",
            len(message_ids),
            exc_info=True,
        )


def outbox_message_enqueue(*, message_id: int) -> None:
    """Hand a message to the broker; if that fails the beat task re-sends it later."""
    try:
        tasks.outbox_send_task.apply_async(
            args=(message_id,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0.2},
        )
    except Exception:
        logger.warning(
            "Could not queue outbox email %s; the re-send task will pick it up.",
            message_id,
            exc_info=True,
        )


def outbox_message_send(*, message_id: int) -> bool:
    """Send one outbox email, at most once however many workers try at the same time.

    A conditional UPDATE claims the row (pending -> sending) and commits before the
    email leaves, so a second runner finds nothing to claim. Returns whether this
    call sent it. Deliberately not atomic: the claim must be visible to other
    workers while the delivery backend talks to the mail server.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(
        status=OutboxMessage.Status.SENDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        connection = get_connection(settings.OUTBOX_DELIVERY_BACKEND)
        if not connection.send_messages([fields_to_message(message)]):
            raise RuntimeError("The delivery backend accepted no message.")
    except Exception as exc:
        _outbox_message_record_failure(message=message, error=exc)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _outbox_message_record_failure(*, message: OutboxMessage, error: Exception) -> None:
    gave_up = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    # Back off: one retry interval after the first failure, doubling up to an hour.
    delay = min(settings.OUTBOX_RETRY_AFTER * 2 ** (message.attempts - 1), 3600)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED if gave_up else OutboxMessage.Status.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    logger.warning(
        "Outbox email %s failed (attempt %s)%s.",
        message.pk,
        message.attempts,
        "; giving up" if gave_up else "",
        exc_info=error,
    )


def outbox_message_resend_pending(*, limit: int = 200) -> int:
    """Send what is due: pending past its retry time, or claimed by a worker that died.

    Returns how many emails this run sent.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=stale
    ).update(status=OutboxMessage.Status.PENDING)
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_message_send(message_id=pk) for pk in due)


def outbox_message_requeue(*, message_ids: list[int]) -> int:
    """Put failed emails back in the queue, to be sent at once."""
    ids = list(
        OutboxMessage.objects.filter(
            pk__in=message_ids, status=OutboxMessage.Status.FAILED
        ).values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(outbox_message_enqueue, message_id=pk))
    return len(ids)
