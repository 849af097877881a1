"""Role requests, decisions and revocations, with the rules of who may do what.

- Only an identity-proofed user with a second factor may request a role.
- A role is requested for organizations of its kind, by a category it allows; a
  duplicate of a pending request or a current assignment is refused.
- An organization with no security official takes only a security-official request.
- The first security official of an organization is approved by a CMS approver; other
  requests by the organization's security officials; the AO User role only by another
  AO security official. Nobody decides their own request.
- Revoking the last security official of an organization is refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from harp.emails import send_templated_email
from harp.models import User
from harp.services import audit_event_record, dashboard_message_send
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest

CMS_APPROVERS_GROUP = "CMS approvers"


class RoleRuleError(Exception):
    """A request or decision the rules refuse; the message says why and what to do."""


class RoleAction:
    REQUESTED = "roles.requested"
    APPROVED = "roles.approved"
    REJECTED = "roles.rejected"
    REVOKED = "roles.revoked"
    REMINDED = "roles.reminded"


def requester_problems(user: User) -> list[str]:
    """What a user still needs before requesting a role; empty when nothing."""
    problems = []
    if not user.is_identity_proofed:
        problems.append("prove your identity")
    if not any(django_otp.devices_for_user(user, confirmed=True)):
        problems.append("set up two-factor authentication")
    return problems


def is_cms_approver(user: User) -> bool:
    return user.groups.filter(name=CMS_APPROVERS_GROUP).exists()


def organization_has_security_official(organization: Organization) -> bool:
    return (
        RoleAssignment.objects.security_officials()
        .filter(organization=organization)
        .exists()
    )


def is_security_official_of(user: User, organization: Organization) -> bool:
    return (
        RoleAssignment.objects.security_officials()
        .filter(user=user, organization=organization)
        .exists()
    )


def can_decide(user: User, role_request: RoleRequest) -> bool:
    """Whether this user may approve or reject this request."""
    if role_request.requester_id == user.pk or not user.is_active:
        return False
    role, organization = role_request.role, role_request.organization
    if role.approver == Role.Approver.OTHER_AO_SECURITY_OFFICIAL:
        return is_security_official_of(user, organization)
    if role.is_security_official and not organization_has_security_official(
        organization
    ):
        return is_cms_approver(user)
    return is_security_official_of(user, organization)


@transaction.atomic
def role_request_submit(
    *,
    requester: User,
    category: str,
    role: Role,
    organizations: Sequence[Organization],
    request: HttpRequest,
) -> list[RoleRequest]:
    """Request one role for one or more organizations; all or nothing."""
    problems = requester_problems(requester)
    if problems:
        raise RoleRuleError(
            "Before you can request a role, " + " and ".join(problems) + "."
        )
    if category not in role.user_categories:
        raise RoleRuleError(f"{role.name} cannot be requested as {category} staff.")
    if not organizations:
        raise RoleRuleError("Choose at least one organization.")
    created = []
    for organization in organizations:
        if organization.kind != role.organization_kind or not organization.is_active:
            raise RoleRuleError(f"{role.name} does not apply to {organization}.")
        if RoleRequest.objects.filter(
            requester=requester,
            role=role,
            organization=organization,
            status=RoleRequest.Status.PENDING,
        ).exists():
            raise RoleRuleError(
                f"You already have a pending request for {role.name} at {organization}."
            )
        if (
            RoleAssignment.objects.active()
            .filter(user=requester, role=role, organization=organization)
            .exists()
        ):
            raise RoleRuleError(f"You already have {role.name} at {organization}.")
        if not role.is_security_official and not organization_has_security_official(
            organization
        ):
            raise RoleRuleError(
                f"{organization} has no security official yet. The organization must "
                "first register a security official, who then approves its staff's "
                "roles."
            )
        role_request = RoleRequest.objects.create(
            requester=requester, category=category, role=role, organization=organization
        )
        if not requester.two_factor_required:
            # A learner who asks for a role signs in with two factors from now on.
            requester.two_factor_required = True
            requester.save(update_fields=["two_factor_required"])
        audit_event_record(
            action=RoleAction.REQUESTED,
            actor=requester,
            target=role_request,
            request=request,
            details={"role": role.code, "organization": organization.pk},
        )
        created.append(role_request)
    return created


@transaction.atomic
def role_request_decide(
    *,
    role_request: RoleRequest,
    approver: User,
    approve: bool,
    reason: str,
    request: HttpRequest,
) -> RoleRequest:
    """Approve (creating the assignment) or reject with a reason; email the result."""
    role_request = (
        RoleRequest.objects.select_for_update()
        .select_related("role", "organization", "requester")
        .get(pk=role_request.pk)
    )
    if role_request.status != RoleRequest.Status.PENDING:
        raise RoleRuleError("This request has already been decided.")
    if not can_decide(approver, role_request):
        raise RoleRuleError("You may not decide this request.")
    if not approve and not reason.strip():
        raise RoleRuleError("Give a reason for the rejection; it is emailed.")
    role_request.status = (
        RoleRequest.Status.APPROVED if approve else RoleRequest.Status.REJECTED
    )
    role_request.decided_by = approver
    role_request.decided_at = timezone.now()
    role_request.decision_reason = reason.strip()
    role_request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason"]
    )
    if approve:
        RoleAssignment.objects.create(
            user=role_request.requester,
            role=role_request.role,
            organization=role_request.organization,
            request=role_request,
            granted_by=approver,
        )
    audit_event_record(
        action=RoleAction.APPROVED if approve else RoleAction.REJECTED,
        actor=approver,
        target=role_request,
        request=request,
        details={"reason": role_request.decision_reason},
    )
    send_templated_email(
        to=role_request.requester.email,
        subject=f"Role request {'approved' if approve else 'not approved'}: "
        f"{role_request.role.name}",
        template="iqies_roles/email/decision.txt",
        context={
            "role_request": role_request,
            "approved": approve,
            "profile_url": request.build_absolute_uri(reverse("harp:profile")),
        },
    )
    dashboard_message_send(
        recipient=role_request.requester,
        subject=f"Your role request for {role_request.role.name} at "
        f"{role_request.organization} was {'approved' if approve else 'not approved'}",
        body=(
            f"You now hold the {role_request.role.name} role at "
            f"{role_request.organization}."
            if approve
            else f"Your request for the {role_request.role.name} role at "
            f"{role_request.organization} was not approved. The reason given: "
            f"{role_request.decision_reason}"
        ),
        link=reverse("harp:profile"),
    )
    return role_request


@transaction.atomic
def role_assignment_revoke(
    *, assignment: RoleAssignment, actor: User, reason: str, request: HttpRequest
) -> RoleAssignment:
    """Take a role away (its organization's security officials or an admin)."""
    assignment = (
        RoleAssignment.objects.select_for_update()
        .select_related("role", "organization", "user")
        .get(pk=assignment.pk)
    )
    if not assignment.is_active:
        raise RoleRuleError("This role was already revoked.")
    if not (
        actor.is_superuser or is_security_official_of(actor, assignment.organization)
    ):
        raise RoleRuleError("You may not revoke this role.")
    if not reason.strip():
        raise RoleRuleError("Give a reason; it is emailed to the person.")
    if (
        assignment.role.is_security_official
        and RoleAssignment.objects.security_officials()
        .filter(organization=assignment.organization)
        .count()
        <= 1
    ):
        raise RoleRuleError(
            "This is the organization's last security official. Approve another "
            "security official before revoking this one."
        )
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.revoke_reason = reason.strip()
    assignment.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_event_record(
        action=RoleAction.REVOKED,
        actor=actor,
        target=assignment,
        request=request,
        details={"reason": assignment.revoke_reason},
    )
    send_templated_email(
        to=assignment.user.email,
        subject=f"Role removed: {assignment.role.name}",
        template="iqies_roles/email/revoked.txt",
        context={"assignment": assignment},
    )
    return assignment


def role_requests_remind_pending() -> int:
    """Email each organization's security officials about requests waiting too long.

    A request is mentioned at most once a week. Returns how many requests were.
    """
    now = timezone.now()
    week_ago = now - datetime.timedelta(days=7)
    due = RoleRequest.objects.filter(
        status=RoleRequest.Status.PENDING,
        created_at__lte=now
        - datetime.timedelta(days=settings.ROLE_REQUEST_REMINDER_DAYS),
    ).exclude(last_reminded_at__gt=week_ago)
    by_organization: dict[int, list[RoleRequest]] = {}
    for role_request in due.select_related("organization", "role", "requester"):
        by_organization.setdefault(role_request.organization_id, []).append(
            role_request
        )
    reminded = 0
    for requests in by_organization.values():
        organization = requests[0].organization
        officials = [
            assignment.user
            for assignment in RoleAssignment.objects.security_officials()
            .filter(organization=organization)
            .select_related("user")
        ]
        with transaction.atomic():
            for official in officials:
                send_templated_email(
                    to=official.email,
                    subject=f"Role requests waiting for {organization.name}",
                    template="iqies_roles/email/reminder.txt",
                    context={"organization": organization, "requests": requests},
                )
            RoleRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
                last_reminded_at=now
            )
        reminded += len(requests)
    return reminded
