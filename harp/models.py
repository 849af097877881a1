from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A portal account. The accounts issue adds the HARP profile fields and rules.

    It exists from the first migration so that no later migration has to swap
    `AUTH_USER_MODEL`.
    """

    class Meta:
        db_table = "harp_user"


class OutboxMessage(models.Model):
    """An email waiting to be sent, written in the transaction that caused it.

    `harp.outbox.OutboxEmailBackend` writes these rows;
    `harp.services.outbox_message_send` claims one with a conditional UPDATE so that
    however many workers run it, it is handed to the delivery backend once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Each attachment: {"filename": ..., "content": base64 text, "mimetype": ...}.
    attachments = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "outbox email"
        verbose_name_plural = "outbox emails"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], name="harp_outbox_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {', '.join(self.to)}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit events are append-only: bulk changes and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        raise AuditEventImmutableError("Audit events cannot be changed.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditEventImmutableError("Audit events cannot be changed.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditEventImmutableError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEventImmutableError("Audit events cannot be deleted.")


class AuditEventImmutableError(Exception):
    """Raised by any attempt to change or delete a recorded audit event."""


class AuditEvent(models.Model):
    """Who did what to whom, from where, and when. Append-only.

    `action` is a dotted name such as `harp.sign_in`; each app names its own actions
    (see `harp.audit.AuditAction`), so adding one needs no migration. The target is
    recorded by type, key and label rather than by foreign key so that an event
    outlives what it names.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # The user ID as it was at the time, or as typed for a failed sign-in.
    actor_label = models.CharField(max_length=150, blank=True, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id"], name="harp_audit_target_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEventImmutableError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEventImmutableError("Audit events cannot be deleted.")


class SystemComponent(models.Model):
    """One part of the hub whose state the status banner and `/status/` report."""

    class State(models.TextChoices):
        OPERATIONAL = "operational", "Operational"
        ISSUES_REPORTED = "issues_reported", "Issues reported"
        PLANNED_OUTAGE = "planned_outage", "Planned outage"
        SYSTEM_OUTAGE = "system_outage", "System outage"

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Components are listed in this order."
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.OPERATIONAL
    )
    message = models.TextField(
        blank=True,
        help_text="Shown in the banner and on the status page, e.g. the outage window.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_state_display()}"

    @property
    def is_operational(self) -> bool:
        return self.state == self.State.OPERATIONAL
