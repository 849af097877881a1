from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from harp.us_states import US_STATES
from iqies_roles.ccn import validate_ccn


class OrganizationKind(models.TextChoices):
    PROVIDER = "provider", "Provider or supplier"
    VENDOR = "vendor", "Vendor"
    STATE_AGENCY = "state_agency", "State Agency"
    ACCREDITING_ORGANIZATION = "accrediting_org", "Accrediting Organization"
    CMS = "cms", "CMS"


class UserCategory(models.TextChoices):
    """Who the requester is, the first question of a role request."""

    PROVIDER = "provider", "Provider or supplier staff"
    VENDOR = "vendor", "Vendor staff"
    STATE_AGENCY = "state_agency", "State Agency staff"
    ACCREDITING_ORGANIZATION = "accrediting_org", "Accrediting Organization staff"
    CMS = "cms", "CMS staff"


class Organization(models.Model):
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(max_length=200)
    ccn = models.CharField(
        "CCN",
        max_length=6,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_ccn],
        help_text="Providers and suppliers only: the CMS Certification Number.",
    )
    state = models.CharField(max_length=2, choices=US_STATES, blank=True)
    city = models.CharField(max_length=100, blank=True)
    zip_code = models.CharField("ZIP code", max_length=10, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(kind="state_agency"),
                name="iqies_one_state_agency_per_state",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="provider", ccn__isnull=False)
                | ~models.Q(kind="provider"),
                name="iqies_provider_has_ccn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ccn})" if self.ccn else self.name


class Role(models.Model):
    """The role catalogue, loaded by a migration; admins edit the wording."""

    class Application(models.TextChoices):
        IQIES = "iqies", "iQIES"
        QSEP = "qsep", "QSEP"

    class Approver(models.TextChoices):
        SECURITY_OFFICIAL = "security_official", "The organization's security officials"
        OTHER_AO_SECURITY_OFFICIAL = (
            "other_ao_security_official",
            "Another security official of the Accrediting Organization",
        )

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    application = models.CharField(max_length=10, choices=Application.choices)
    user_categories = models.JSONField(
        default=list, help_text="The user categories that may request this role."
    )
    organization_kind = models.CharField(
        max_length=20, choices=OrganizationKind.choices
    )
    is_security_official = models.BooleanField(default=False)
    approver = models.CharField(
        max_length=40, choices=Approver.choices, default=Approver.SECURITY_OFFICIAL
    )
    description = models.TextField()
    allows = models.TextField(help_text="What the role lets its holder do.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["application", "position", "name"]

    def __str__(self) -> str:
        return f"{self.get_application_display()}: {self.name}"


class RoleRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_requests"
    )
    category = models.CharField(max_length=20, choices=UserCategory.choices)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="requests")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="role_requests"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "status", "created_at"],
                name="iqies_request_queue_idx",
            ),
            # The approvals queue: an organization's pending requests oldest
            # first, a page at a time, read from the index alone on PostgreSQL
            # (the requester is there to leave out the official's own).
            models.Index(
                fields=["organization", "created_at", "id"],
                name="iqies_request_pending_idx",
                condition=models.Q(status="pending"),
                include=["requester"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "role", "organization"],
                condition=models.Q(status="pending"),
                name="iqies_one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester}: {self.role.name} at {self.organization}"


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(revoked_at__isnull=True)

    def security_officials(self) -> RoleAssignmentQuerySet:
        return self.active().filter(role__is_security_official=True)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="role_assignments"
    )
    request = models.OneToOneField(
        RoleRequest, on_delete=models.PROTECT, null=True, blank=True
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=models.Q(revoked_at__isnull=True),
                name="iqies_one_active_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.role.name} at {self.organization}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
