from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DashboardMessage(models.Model):
    """A My Dashboard message: to one person, or a broadcast to an audience.

    A personal message names its `recipient`. A broadcast names an `audience` key
    instead ("all", "learners", "state:MD", "role:<role code>"; see
    `harp.dashboard`) and is stored once however many people it reaches; who has
    read it is kept per person in `DashboardMessageRead`.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dashboard_messages",
    )
    audience = models.CharField(max_length=80, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(
        max_length=200, blank=True, help_text="A page of the portal, such as /profile/."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The broadcast form's one-time key: the same form sent twice (a double click,
    # two tabs) is one broadcast.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="harp_message_submitted_once",
            ),
            models.CheckConstraint(
                condition=(models.Q(recipient__isnull=False) & models.Q(audience=""))
                | (models.Q(recipient__isnull=True) & ~models.Q(audience="")),
                name="harp_message_recipient_or_audience",
            ),
        ]
        indexes = [
            models.Index(
                "recipient",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="harp_message_recipient_idx",
                condition=models.Q(recipient__isnull=False),
            ),
            models.Index(
                "audience",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="harp_message_audience_idx",
                condition=~models.Q(audience=""),
            ),
        ]
        permissions = [("broadcast_message", "Can broadcast dashboard messages")]

    def __str__(self) -> str:
        return self.subject


class DashboardMessageRead(models.Model):
    """That one person has read one message (personal or broadcast)."""

    message = models.ForeignKey(
        DashboardMessage, on_delete=models.CASCADE, related_name="reads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "message"], name="harp_message_read_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.message_id}"
