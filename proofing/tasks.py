"""Celery tasks for proofing. Each calls a service; no logic here."""

from celery import shared_task

from proofing import services


@shared_task(ignore_result=True)
def proofing_documents_delete_expired_task() -> int:
    return services.proofing_documents_delete_expired()


@shared_task(ignore_result=True)
def proofing_cases_purge_idle_task() -> int:
    return services.proofing_cases_purge_idle()
