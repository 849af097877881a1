from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from harp.encryption import EncryptedCharField
from proofing.documents import document_path, private_storage


class ProofingRecord(models.Model):
    """How and when a person's identity was proved, and their SSN's fingerprint.

    The full SSN is never stored: only a keyed fingerprint that finds a second
    account for the same person, and the last four digits, encrypted, where manual
    proofing needs them.
    """

    class Method(models.TextChoices):
        REMOTE = "remote", "Remote proofing"
        PHONE_REFERENCE = "phone_reference", "Remote proofing by phone reference number"
        MANUAL = "manual", "Manual proofing"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proofing"
    )
    ssn_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    ssn_last4 = EncryptedCharField(blank=True)
    method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    proofed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_method_display() or 'not proofed'}"


class RemoteProofingAttempt(models.Model):
    """One set of questions from the vendor, or the vendor's refusal to ask any.

    Attempts count against the limits per account (or registration, before the
    account exists), per identity and per SSN fingerprint. The questions are kept
    to show them again; the answers are not kept at all.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for answers"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired unanswered"
        NO_QUESTIONS = "no_questions", "No questions could be generated"
        FRAUD = "fraud", "Flagged by the vendor"
        REFERENCE_PASSED = "reference_passed", "Passed by phone reference number"
        # The SSN is another proofed account's. The person is told only that the
        # details could not be verified, as for a vendor refusal, so the form cannot
        # be used to find out which SSNs have accounts.
        DUPLICATE = "duplicate", "SSN of another proofed account"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_proofing_attempts",
    )
    # Ties a registration's attempts together before its account exists.
    registration_key = models.CharField(max_length=64, blank=True, db_index=True)
    ssn_fingerprint = models.CharField(max_length=64, db_index=True)
    identity_key = models.CharField(max_length=64, db_index=True)
    # Keyed digest of the name, date of birth and address that were proofed: only
    # a pass whose digest matches the account's profile proves the account.
    identity_digest = models.CharField(max_length=64, blank=True)
    ssn_last4 = EncryptedCharField(blank=True)
    vendor = models.CharField(max_length=100)
    session_ref = models.TextField(blank=True)
    questions = models.JSONField(default=list, blank=True)
    failed_question_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at


class ManualProofingCase(models.Model):
    """Documents a person sends for the help desk to check, and the decision.

    One open case per person. A case is worked by one help-desk agent at a time:
    claiming it is a conditional UPDATE, and only the agent who claimed it decides.
    """

    class Status(models.TextChoices):
        COLLECTING = "collecting", "Waiting for documents"
        SUBMITTED = "submitted", "Waiting for the help desk"
        IN_REVIEW = "in_review", "Being reviewed"
        MORE_INFO = "more_info", "More information requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    OPEN_STATUSES = (
        Status.COLLECTING,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.MORE_INFO,
    )

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="manual_proofing_cases",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.COLLECTING, db_index=True
    )
    ssn_last4 = EncryptedCharField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decision_note = models.TextField(
        blank=True, help_text="The reason for a rejection, or what more is needed."
    )
    documents_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(
                    status__in=["collecting", "submitted", "in_review", "more_info"]
                ),
                name="proofing_one_open_case_per_user",
            )
        ]
        indexes = [
            # The help desk's queue: exactly its cases, in its order (keyset pages
            # and capped counts in proofing.selectors.manual_case_queue_page).
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status__in=["submitted", "in_review"]),
                name="proofing_case_queue_idx",
            )
        ]
        permissions = [("work_proofing_queue", "Can work the manual-proofing queue")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ProofingDocument(models.Model):
    """One uploaded file, stored outside the public media folder under a random name."""

    class Kind(models.TextChoices):
        PHOTO_ID = "photo_id", "Government photo ID"
        FINANCIAL = "financial", "Financial statement or payroll record"

    class IdType(models.TextChoices):
        DRIVERS_LICENSE = "drivers_license", "Driver's license"
        STATE_ID = "state_id", "State ID card"
        FEDERAL_ID = "federal_id", "Federal ID card"
        PASSPORT = "passport", "U.S. passport"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        ManualProofingCase, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    id_type = models.CharField(max_length=20, choices=IdType.choices, blank=True)
    file = models.FileField(storage=private_storage, upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
