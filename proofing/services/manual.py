"""Manual proofing: the person's documents, the help desk's queue and decisions.

A case holds at most `PROOFING_MAX_DOCUMENTS_PER_CASE` documents and needs one
government photo ID, two financial statements or payroll records,
and the last four SSN digits when no SSN was given to remote proofing. The person
submits it; a help-desk agent claims it (one agent per case), views the documents
(each viewing audited) and approves, rejects with a reason, or asks for more. The
person is emailed at each decision. Documents are deleted
`PROOFING_DOCUMENT_RETENTION_DAYS` after the decision; the case and its audit trail
stay. A case never submitted and idle `PROOFING_IDLE_CASE_DAYS` is deleted with its
documents.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from harp.emails import send_templated_email
from harp.models import User
from harp.services import audit_event_record, dashboard_message_send
from proofing import selectors
from proofing.audit import ProofingAction
from proofing.documents import DocumentRejected, display_name, store_checked_upload
from proofing.models import ManualProofingCase, ProofingDocument, RemoteProofingAttempt
from proofing.services.remote import ProofingError, mark_proofed

Case = ManualProofingCase
FINANCIAL_DOCUMENTS_NEEDED = 2


def _known_last4(user: User) -> str:
    attempt = (
        RemoteProofingAttempt.objects.filter(user=user)
        .exclude(ssn_last4="")
        .order_by("-started_at")
        .first()
    )
    return attempt.ssn_last4 if attempt else ""


@transaction.atomic
def manual_case_for_user(*, user: User, request: HttpRequest) -> ManualProofingCase:
    """The person's open case, opening one if there is none."""
    case = Case.objects.filter(user=user, status__in=Case.OPEN_STATUSES).first()
    if case is not None:
        return case
    case = Case.objects.create(user=user, ssn_last4=_known_last4(user))
    audit_event_record(
        action=ProofingAction.MANUAL_OPENED, actor=user, target=case, request=request
    )
    return case


def missing(case: ManualProofingCase) -> list[str]:
    """What the case still needs before it can go to the help desk."""
    documents = list(case.documents.all())
    needs = []
    if not any(d.kind == ProofingDocument.Kind.PHOTO_ID for d in documents):
        needs.append("A government photo ID")
    financial = sum(d.kind == ProofingDocument.Kind.FINANCIAL for d in documents)
    if financial < FINANCIAL_DOCUMENTS_NEEDED:
        needed = FINANCIAL_DOCUMENTS_NEEDED - financial
        needs.append(
            f"{needed} more financial statement{'s' if needed > 1 else ''} or payroll "
            "record" + ("s" if needed > 1 else "")
        )
    if not case.ssn_last4:
        needs.append("The last four digits of your SSN")
    return needs


def _editable(case: ManualProofingCase) -> None:
    if case.status not in (Case.Status.COLLECTING, Case.Status.MORE_INFO):
        raise ProofingError(
            "The help desk is reviewing your documents; you can't change them now."
        )


@transaction.atomic
def manual_document_add(
    *,
    case: ManualProofingCase,
    kind: str,
    id_type: str,
    upload: UploadedFile,
    request: HttpRequest,
) -> ProofingDocument:
    """Keep an uploaded document, checked by content and size; nothing if refused."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _editable(case)
    limit = settings.PROOFING_MAX_DOCUMENTS_PER_CASE
    if case.documents.count() >= limit:
        raise ProofingError(
            f"Your case already has {limit} documents, the most it can hold. Remove "
            "one you do not need before adding another."
        )
    document = ProofingDocument(
        case=case,
        kind=kind,
        id_type=id_type if kind == ProofingDocument.Kind.PHOTO_ID else "",
        original_name=display_name(upload.name or ""),
        size=upload.size or 0,
    )
    try:
        store_checked_upload(document, upload)
    except DocumentRejected as error:
        raise ProofingError(str(error)) from error
    audit_event_record(
        action=ProofingAction.DOCUMENT_UPLOADED,
        actor=case.user,
        target=case,
        request=request,
        details={
            "kind": kind,
            "content_type": document.content_type,
            "size": document.size,
        },
    )
    return document


@transaction.atomic
def manual_document_remove(
    *, case: ManualProofingCase, document: ProofingDocument, request: HttpRequest
) -> None:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _editable(case)
    if document.case_id != case.pk:
        raise ProofingError("That document is not part of your case.")
    document.file.delete(save=False)
    document.delete()


@transaction.atomic
def manual_case_submit(
    *, case: ManualProofingCase, ssn_last4: str, request: HttpRequest
) -> ManualProofingCase:
    """Send a complete case to the help desk's queue."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _editable(case)
    if ssn_last4 and not case.ssn_last4:
        case.ssn_last4 = ssn_last4
    needs = missing(case)
    if needs:
        raise ProofingError("Still needed: " + "; ".join(needs) + ".")
    case.status = Case.Status.SUBMITTED
    case.submitted_at = timezone.now()
    case.claimed_by = None
    case.claimed_at = None
    case.save(
        update_fields=[
            "ssn_last4",
            "status",
            "submitted_at",
            "claimed_by",
            "claimed_at",
        ]
    )
    audit_event_record(
        action=ProofingAction.MANUAL_SUBMITTED,
        actor=case.user,
        target=case,
        request=request,
    )
    _email(case, "Documents received", "proofing/email/submitted.txt", request)
    return case


def manual_case_claim(
    *, case: ManualProofingCase, agent: User, request: HttpRequest
) -> bool:
    """Take a submitted case; a conditional UPDATE lets only one agent have it."""
    claimed = Case.objects.filter(
        pk=case.pk, status=Case.Status.SUBMITTED, claimed_by__isnull=True
    ).update(status=Case.Status.IN_REVIEW, claimed_by=agent, claimed_at=timezone.now())
    if claimed:
        audit_event_record(
            action=ProofingAction.MANUAL_CLAIMED,
            actor=agent,
            target=case,
            request=request,
        )
    return bool(claimed)


DECISIONS = {
    "approve": Case.Status.APPROVED,
    "reject": Case.Status.REJECTED,
    "more_info": Case.Status.MORE_INFO,
}


@transaction.atomic
def manual_case_decide(
    *,
    case: ManualProofingCase,
    agent: User,
    decision: str,
    note: str,
    request: HttpRequest,
    matches_confirmed: bool = False,
) -> ManualProofingCase:
    """Approve, reject with a reason, or ask for more; only the claiming agent may.

    Approving a person who matches an identity-proofed account (same SSN, or same
    name and date of birth) needs the agent's explicit confirmation; the matches
    are recorded in the audit event either way.
    """
    case = Case.objects.select_for_update().select_related("user").get(pk=case.pk)
    if case.status != Case.Status.IN_REVIEW or case.claimed_by_id != agent.pk:
        raise ProofingError("Claim this case before deciding it.")
    if case.user_id == agent.pk:
        raise ProofingError("Nobody may decide their own proofing case.")
    status = DECISIONS.get(decision)
    if status is None:
        raise ProofingError("Choose approve, reject or ask for more information.")
    if status != Case.Status.APPROVED and not note.strip():
        raise ProofingError("Say why, so the person knows what to do next.")
    matches = selectors.manual_case_matches(case=case)
    proofed = [match.user.get_username() for match in matches if match.proofed]
    if status == Case.Status.APPROVED and proofed and not matches_confirmed:
        raise ProofingError(
            "This person matches an identity-proofed account ("
            + ", ".join(proofed)
            + "). Check the matching accounts, then confirm before approving."
        )
    case.status = status
    case.decision_note = note.strip()
    case.decided_by = agent
    case.decided_at = timezone.now()
    case.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    audit_event_record(
        action=ProofingAction.MANUAL_DECIDED,
        actor=agent,
        target=case,
        request=request,
        details={
            "decision": status,
            "matches": [
                {
                    "user_id": match.user.get_username(),
                    "reasons": list(match.reasons),
                    "proofed": match.proofed,
                }
                for match in matches
            ],
            "matches_confirmed": bool(matches and matches_confirmed),
        },
    )
    if status == Case.Status.APPROVED:
        mark_proofed(
            user=case.user,
            method="manual",
            ssn_last4=case.ssn_last4,
            actor=agent,
        )
    templates = {
        Case.Status.APPROVED: (
            "Your identity is proofed",
            "proofing/email/approved.txt",
        ),
        Case.Status.REJECTED: (
            "Manual proofing was not approved",
            "proofing/email/rejected.txt",
        ),
        Case.Status.MORE_INFO: (
            "More information needed",
            "proofing/email/more_info.txt",
        ),
    }
    subject, template = templates[status]
    _email(case, subject, template, request)
    notes = {
        Case.Status.APPROVED: (
            "Your identity is proofed",
            "The help desk checked your documents and approved your manual "
            "identity proofing. With two-factor authentication set up, you may "
            "request roles from My Profile.",
        ),
        Case.Status.REJECTED: (
            "Your manual identity proofing was not approved",
            "The help desk checked your documents and did not approve them. "
            f"The reason given: {case.decision_note}",
        ),
        Case.Status.MORE_INFO: (
            "The help desk needs more information for your identity proofing",
            f"What the help desk asks for: {case.decision_note}",
        ),
    }
    note_subject, note_body = notes[status]
    dashboard_message_send(
        recipient=case.user,
        subject=note_subject,
        body=note_body,
        link=reverse("harp:profile")
        if status == Case.Status.APPROVED
        else reverse("proofing:manual"),
    )
    return case


def manual_document_record_view(
    *, document: ProofingDocument, agent: User, request: HttpRequest
) -> None:
    audit_event_record(
        action=ProofingAction.DOCUMENT_VIEWED,
        actor=agent,
        target=document.case,
        request=request,
        details={"document": str(document.public_id), "kind": document.kind},
    )


def proofing_documents_delete_expired() -> int:
    """Delete the files of cases decided more than the retention period ago."""
    cutoff = timezone.now() - datetime.timedelta(
        days=settings.PROOFING_DOCUMENT_RETENTION_DAYS
    )
    cases = Case.objects.filter(
        decided_at__lt=cutoff,
        documents_deleted_at__isnull=True,
        status__in=[Case.Status.APPROVED, Case.Status.REJECTED],
    )
    deleted = 0
    for case in cases:
        with transaction.atomic():
            for document in case.documents.all():
                document.file.delete(save=False)
                document.delete()
                deleted += 1
            case.documents_deleted_at = timezone.now()
            case.save(update_fields=["documents_deleted_at"])
            audit_event_record(action=ProofingAction.DOCUMENTS_DELETED, target=case)
    return deleted


def proofing_cases_purge_idle() -> int:
    """Delete cases never submitted and idle `PROOFING_IDLE_CASE_DAYS`, with files.

    Idle means no case opened and no document uploaded in that time. The audit
    trail stays; the person opens a new case if they come back.
    """
    cutoff = timezone.now() - datetime.timedelta(days=settings.PROOFING_IDLE_CASE_DAYS)
    idle = (
        Case.objects.filter(
            status=Case.Status.COLLECTING,
            submitted_at__isnull=True,
            created_at__lt=cutoff,
        )
        .exclude(documents__uploaded_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    purged = 0
    for pk in list(idle[:1000]):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update()
                .filter(pk=pk, status=Case.Status.COLLECTING)
                .exclude(documents__uploaded_at__gte=cutoff)
                .first()
            )
            if case is None:
                continue
            files = [document.file for document in case.documents.all()]
            audit_event_record(
                action=ProofingAction.IDLE_CASE_PURGED,
                target=case,
                details={"documents": len(files)},
            )
            case.delete()
            # The files go once the rows are gone for good.
            transaction.on_commit(partial(_delete_files, files))
            purged += 1
    return purged


def _delete_files(files: list[FieldFile]) -> None:
    for file in files:
        if file.name:
            file.storage.delete(file.name)


def _email(
    case: ManualProofingCase, subject: str, template: str, request: HttpRequest
) -> None:
    context: dict[str, Any] = {
        "case": case,
        "user": case.user,
        "case_url": request.build_absolute_uri(reverse("proofing:manual")),
    }
    send_templated_email(
        to=case.user.email, subject=subject, template=template, context=context
    )
