from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from harp import services, tasks
from harp.models import OutboxMessage
from tests.conftest import broker_url_or_skip, celery_config
from tests.harp.factories import UserFactory

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _send_welcome(to: str = "pat@example.org") -> None:
    send_mail("Welcome", "Hello Pat.", None, [to])


def _make_due(message: OutboxMessage) -> None:
    """Move the retry time into the past, as if a minute had gone by."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_email_sent_in_a_transaction_is_delivered_once_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send_welcome()
        message = OutboxMessage.objects.get()
        assert message.status == OutboxMessage.Status.PENDING
        assert mail.outbox == []

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Welcome", ["pat@example.org"])
    ]


def test_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _send_welcome()
        raise RuntimeError("the sign-up failed after the email was written")

    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _send_welcome()
    message = OutboxMessage.objects.get()

    first = tasks.outbox_send_task.apply(args=[message.pk]).get()
    second = tasks.outbox_send_task.apply(args=[message.pk]).get()

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1


def test_broker_down_keeps_the_email_and_the_resend_task_sends_it_once(
    django_capture_on_commit_callbacks, caplog
):
    with (
        # broker_write_url: CELERY_BROKER_URL in the environment beats broker_url.
        celery_config(task_always_eager=False, broker_write_url=UNREACHABLE_BROKER),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        _send_welcome()

    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert mail.outbox == []
    assert "Could not queue outbox email" in caplog.text

    # The worker comes back; a minute later the beat task finds the email.
    _make_due(message)
    assert tasks.outbox_resend_pending_task.apply().get() == 1
    assert tasks.outbox_resend_pending_task.apply().get() == 0
    assert tasks.outbox_send_task.apply(args=[message.pk]).get() is False

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_resend_task_leaves_fresh_emails_to_their_own_task(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        _send_welcome()

    assert services.outbox_message_resend_pending() == 0
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING


def test_resend_task_recovers_an_email_claimed_by_a_worker_that_died(settings):
    with transaction.atomic():
        _send_welcome()
    message = OutboxMessage.objects.get()
    mail.outbox.clear()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING,
        claimed_at=timezone.now()
        - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT + 5),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )

    assert services.outbox_message_resend_pending() == 1
    assert len(mail.outbox) == 1


def test_a_claim_in_progress_is_not_taken_over(settings):
    with transaction.atomic():
        _send_welcome()
    mail.outbox.clear()
    OutboxMessage.objects.update(
        status=OutboxMessage.Status.SENDING,
        claimed_at=timezone.now(),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )

    assert services.outbox_message_resend_pending() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_email_send_it_once():
    from django.db import connection

    if connection.vendor == "sqlite":
        # The in-memory test database is shared between threads through SQLite's
        # shared cache, which refuses a locked table at once instead of waiting.
        pytest.skip("The race needs a server database; CI runs it on PostgreSQL.")
    with transaction.atomic():
        message = services.outbox_message_create(
            from_email="", to=["pat@example.org"], subject="Race", body="."
        )
    # The on-commit send already ran; put the row back to pending to race for it.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.PENDING
    )
    mail.outbox.clear()
    start = threading.Barrier(4)

    def worker() -> bool:
        start.wait(timeout=10)
        try:
            return services.outbox_message_send(message_id=message.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: worker(), range(4)))

    assert sorted(results) == [False, False, False, True]
    assert len(mail.outbox) == 1


class _FailingBackend:
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        raise ConnectionRefusedError("mail server is down")


def test_delivery_failure_keeps_the_email_pending_then_gives_up(
    settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_DELIVERY_BACKEND = f"{__name__}._FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send_welcome()
    message = OutboxMessage.objects.get()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "mail server is down" in message.last_error
    assert message.next_attempt_at > timezone.now()

    for _ in range(2):
        _make_due(message)
        services.outbox_message_resend_pending()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 3

    _make_due(message)
    assert services.outbox_message_resend_pending() == 0
    message.refresh_from_db()
    assert message.attempts == 3


def test_requeue_sends_a_failed_email_again(
    settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_DELIVERY_BACKEND = f"{__name__}._FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send_welcome()
    message = OutboxMessage.objects.get()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED

    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_message_requeue(message_ids=[message.pk]) == 1

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


def test_html_alternative_attachments_and_message_id_survive_the_outbox(
    django_capture_on_commit_callbacks,
):
    email = EmailMultiAlternatives(
        "Certificate",
        "Plain text.",
        "hub@example.org",
        ["pat@example.org"],
        cc=["so@example.org"],
        reply_to=["helpdesk@example.org"],
    )
    email.attach_alternative("<p>HTML</p>", "text/html")
    email.attach("certificate.pdf", b"%PDF-1.7 binary \x00\xff", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email.send()

    row = OutboxMessage.objects.get()
    delivered = mail.outbox[0]
    assert delivered.subject == "Certificate"
    assert delivered.cc == ["so@example.org"]
    assert delivered.reply_to == ["helpdesk@example.org"]
    assert delivered.alternatives[0][0] == "<p>HTML</p>"
    assert delivered.attachments[0][1] == b"%PDF-1.7 binary \x00\xff"
    assert delivered.extra_headers["Message-ID"] == row.headers["Message-ID"]


def test_allauth_mail_goes_through_the_outbox(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="forgetful", email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": "forgetful@example.org"}
        )
    assert response.status_code == 302
    row = OutboxMessage.objects.get()
    assert row.to == ["forgetful@example.org"]
    assert row.status == OutboxMessage.Status.SENT
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_real_broker_and_worker_deliver_once():
    """Runs against the Redis in CELERY_BROKER_URL (CI sets it); needs no mocks."""
    broker_url = broker_url_or_skip()
    from celery.contrib.testing.worker import start_worker

    with celery_config(task_always_eager=False, broker_url=broker_url):
        celery_app.control.purge()
        with start_worker(celery_app, pool="solo", perform_ping_check=False):
            with transaction.atomic():
                _send_welcome("worker@example.org")
            message = OutboxMessage.objects.get()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                message.refresh_from_db()
                if message.status == OutboxMessage.Status.SENT:
                    break
                time.sleep(0.1)

    assert message.status == OutboxMessage.Status.SENT
    assert [m.to for m in mail.outbox] == [["worker@example.org"]]
