"""Celery tasks for harp. Each loads its input and calls a service; no logic here."""

from celery import shared_task

from harp import services


@shared_task(ignore_result=True)
def outbox_send_task(message_id: int) -> bool:
    return services.outbox_message_send(message_id=message_id)


@shared_task(ignore_result=True)
def outbox_send_batch_task(message_ids: list[int]) -> int:
    """Send a batch written by `outbox_messages_create_bulk`; returns how many left."""
    return sum(
        services.outbox_message_send(message_id=message_id)
        for message_id in message_ids
    )


@shared_task(ignore_result=True)
def outbox_resend_pending_task() -> int:
    return services.outbox_message_resend_pending()
