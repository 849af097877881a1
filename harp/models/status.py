from __future__ import annotations

from django.db import models


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
