from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from harp.encryption import EncryptedCharField


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
