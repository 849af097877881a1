"""Audit actions recorded by identity proofing."""


class ProofingAction:
    REMOTE_STARTED = "proofing.remote_started"
    REMOTE_PASSED = "proofing.remote_passed"
    REMOTE_FAILED = "proofing.remote_failed"
    REMOTE_LOCKED = "proofing.remote_locked"
    REFERENCE_PASSED = "proofing.reference_passed"
    REFERENCE_FAILED = "proofing.reference_failed"
    DUPLICATE_IDENTITY = "proofing.duplicate_identity"
    # A pass for other details than the account's own name, date of birth, address.
    IDENTITY_MISMATCH = "proofing.identity_mismatch"
    IDENTITY_PROOFED = "proofing.identity_proofed"
    MANUAL_OPENED = "proofing.manual_opened"
    DOCUMENT_UPLOADED = "proofing.document_uploaded"
    MANUAL_SUBMITTED = "proofing.manual_submitted"
    MANUAL_CLAIMED = "proofing.manual_claimed"
    MANUAL_DECIDED = "proofing.manual_decided"
    DOCUMENT_VIEWED = "proofing.document_viewed"
    DOCUMENTS_DELETED = "proofing.documents_deleted"
    IDLE_CASE_PURGED = "proofing.idle_case_purged"
