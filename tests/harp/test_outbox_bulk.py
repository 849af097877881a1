"""Many outbox emails at once: one INSERT, one Celery task per batch."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from harp import services, tasks
from harp.models import OutboxMessage
from tests.conftest import celery_config

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _messages(count: int) -> list[dict[str, object]]:
    return [
        {"to": [f"person{n}@example.org"], "subject": f"Hello {n}", "body": f"Hi {n}."}
        for n in range(count)
    ]


def test_bulk_writes_rows_and_sends_them_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert services.outbox_messages_create_bulk(messages=_messages(3)) == 3
        assert OutboxMessage.objects.filter(status="pending").count() == 3
        assert mail.outbox == []

    assert sorted(m.to[0] for m in mail.outbox) == [
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_bulk_queues_one_task_per_batch(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.outbox_send_batch_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        services.outbox_messages_create_bulk(messages=_messages(5))
        services.outbox_messages_create_bulk(messages=_messages(2))

    assert len(callbacks) == 2
    assert send.call_count == 2
    batches = [call.kwargs["args"][0] for call in send.call_args_list]
    assert [len(batch) for batch in batches] == [5, 2]
    assert sorted(batches[0] + batches[1]) == sorted(
        OutboxMessage.objects.values_list("pk", flat=True)
    )


def test_each_bulk_row_has_its_own_message_id_and_retry_time():
    services.outbox_messages_create_bulk(
        messages=[
            *_messages(2),
            {
                "to": ["kept@example.org"],
                "subject": "Kept",
                "body": "x",
                "headers": {"Message-ID": "<fixed@example.org>"},
            },
        ]
    )
    rows = list(OutboxMessage.objects.order_by("pk"))
    ids = [row.headers["Message-ID"] for row in rows]
    assert len(set(ids)) == 3
    assert ids[2] == "<fixed@example.org>"
    assert all(row.next_attempt_at > row.created_at for row in rows)
    assert all(row.from_email == "no-reply@example.org" for row in rows)


def test_empty_bulk_writes_and_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.outbox_messages_create_bulk(messages=[]) == 0
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0


def test_one_bad_message_writes_none_of_the_batch(django_capture_on_commit_callbacks):
    bad = {"to": ["x@example.org"], "subject": "s" * 999, "body": "too long a subject"}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.outbox_messages_create_bulk(messages=[*_messages(2), bad])
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0


def test_batch_task_run_twice_sends_each_email_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        services.outbox_messages_create_bulk(messages=_messages(3))
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))

    assert tasks.outbox_send_batch_task.apply(args=[ids]).get() == 3
    assert tasks.outbox_send_batch_task.apply(args=[ids]).get() == 0
    assert len(mail.outbox) == 3


def test_broker_down_keeps_the_batch_for_the_resend_task(
    django_capture_on_commit_callbacks, caplog
):
    with (
        celery_config(task_always_eager=False, broker_write_url=UNREACHABLE_BROKER),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        services.outbox_messages_create_bulk(messages=_messages(2))

    assert mail.outbox == []
    assert "Could not queue 2 outbox emails" in caplog.text
    OutboxMessage.objects.update(
        next_attempt_at=OutboxMessage.objects.first().created_at
    )
    assert services.outbox_message_resend_pending() == 2
    assert len(mail.outbox) == 2
