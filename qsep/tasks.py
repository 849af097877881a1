"""Celery tasks for training. Each calls a service; no logic here."""

from celery import shared_task

from qsep.services.profile_review import profile_review_emails_queue


@shared_task(ignore_result=True)
def profile_review_emails_task() -> int:
    return profile_review_emails_queue()
