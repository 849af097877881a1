"""Celery tasks for roles. Each calls a service; no logic here."""

from celery import shared_task

from iqies_roles import services


@shared_task(ignore_result=True)
def role_requests_remind_pending_task() -> int:
    return services.role_requests_remind_pending()
