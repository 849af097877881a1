"""Every write identity proofing makes, remote and manual."""

from proofing.services.manual import (
    manual_case_claim,
    manual_case_decide,
    manual_case_for_user,
    manual_case_submit,
    manual_document_add,
    manual_document_record_view,
    manual_document_remove,
    proofing_documents_delete_expired,
)
from proofing.services.remote import (
    ProofingError,
    identity_key,
    mark_proofed,
    proofing_registration_complete,
    remote_proofing_answer,
    remote_proofing_reference,
    remote_proofing_start,
    ssn_digits,
    ssn_fingerprint,
)

__all__ = [
    "ProofingError",
    "identity_key",
    "manual_case_claim",
    "manual_case_decide",
    "manual_case_for_user",
    "manual_case_submit",
    "manual_document_add",
    "manual_document_record_view",
    "manual_document_remove",
    "mark_proofed",
    "proofing_documents_delete_expired",
    "proofing_registration_complete",
    "remote_proofing_answer",
    "remote_proofing_reference",
    "remote_proofing_start",
    "ssn_digits",
    "ssn_fingerprint",
]
