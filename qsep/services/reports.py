"""Audit events of the coordinators' reports: who looked at whom, who exported what.

Reports change nothing, but a look at a learner's record and an export of a list
of learners are disclosures of personal data, so each is recorded.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from harp.models import User
from harp.services import audit_event_record
from qsep.services import TrainingAction


@transaction.atomic
def report_learner_view_record(
    *, coordinator: User, learner: User, request: HttpRequest | None = None
) -> None:
    """One event per opening of a learner's detail page (actor: the coordinator;
    target: the learner)."""
    audit_event_record(
        action=TrainingAction.LEARNER_VIEWED,
        actor=coordinator,
        target=learner,
        target_label=learner.get_username(),
        request=request,
    )


@transaction.atomic
def report_export_record(
    *,
    coordinator: User,
    report: str,
    filters: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    """One event per CSV export: which report and with which filters, never the
    rows (the export itself is the disclosure, the event says who made it)."""
    audit_event_record(
        action=TrainingAction.REPORT_EXPORTED,
        actor=coordinator,
        target_label=report,
        request=request,
        details={"report": report, "filters": filters},
    )
