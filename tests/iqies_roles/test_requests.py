from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent, OutboxMessage
from iqies_roles import services
from iqies_roles.models import Organization, RoleAssignment, RoleRequest
from iqies_roles.services import RoleAction
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import (
    pending,
    proofed_user,
    provider,
    role,
    security_official,
)

pytestmark = pytest.mark.django_db


def walk_wizard(client, *, category: str, role_code: str, ccns=(), organization=None):
    """The four steps of /roles/request/, as a person clicks through them."""
    client.post(reverse("roles:request-category"), {"category": category})
    client.post(reverse("roles:request-role"), {"role": str(role(role_code).pk)})
    for ccn in ccns:
        response = client.post(
            reverse("roles:request-organizations"), {"action": "add", "ccn": ccn}
        )
        if response.status_code != 302:
            return response
    data = {"action": "continue"}
    if organization is not None:
        data["organization"] = str(organization.pk)
    response = client.post(reverse("roles:request-organizations"), data)
    if response.status_code != 302 or response.url != reverse("roles:request-review"):
        return response
    return client.post(reverse("roles:request-review"))


@pytest.fixture
def hospital():
    return provider("210001", name="Chesapeake General Hospital")


@pytest.fixture
def official(hospital):
    return security_official(hospital, "official01")


@pytest.fixture
def requester(client):
    user = proofed_user("requester1")
    sign_in_verified(client, user)
    return user


def test_a_proofed_user_requests_a_role_for_ccns(client, requester, hospital, official):
    second = provider("215001", name="Harbor View Nursing")
    security_official(second, "official02")
    response = walk_wizard(
        client,
        category="provider",
        role_code="assessment-submitter",
        ccns=["210001", "21-5001"],
    )
    assert response.url == reverse("harp:profile")
    requests = RoleRequest.objects.filter(requester=requester)
    assert {r.organization.ccn for r in requests} == {"210001", "215001"}
    profile = client.get(reverse("harp:profile")).content.decode()
    assert "Role request submitted." in profile
    assert "Assessment Submitter, Chesapeake General Hospital (210001)" in profile
    assert AuditEvent.objects.filter(action=RoleAction.REQUESTED).count() == 2


def test_the_ccn_step_refuses_bad_ccns_as_entered(
    client, requester, hospital, official
):
    client.post(reverse("roles:request-category"), {"category": "provider"})
    client.post(
        reverse("roles:request-role"), {"role": str(role("assessment-submitter").pk)}
    )
    for ccn, message in [
        ("9AX001", "starts with two digits"),
        ("990001", "not a state code"),
        ("21001", "has 5"),
        ("219999", "No provider or supplier with CCN 219999"),
    ]:
        response = client.post(
            reverse("roles:request-organizations"), {"action": "add", "ccn": ccn}
        )
        assert message in response.content.decode()
    page = client.post(
        reverse("roles:request-organizations"),
        {"action": "add", "ccn": "210001"},
        follow=True,
    ).content.decode()
    assert "Chesapeake General Hospital" in page


def test_people_not_proofed_or_without_two_factors_are_told_what_is_missing(client):
    user = UserFactory(username="notproofed")
    sign_in_verified(client, user)
    page = client.get(reverse("roles:request-category")).content.decode()
    assert "prove your identity" in page
    assert reverse("proofing:start") in page

    with pytest.raises(services.RoleRuleError, match="prove your identity"):
        services.role_request_submit(
            requester=user,
            category="provider",
            role=role("assessment-submitter"),
            organizations=[provider()],
            request=None,  # type: ignore[arg-type]
        )


def test_no_device_means_no_role_request():
    user = UserFactory(username="nodevice1", identity_proofed_at=timezone.now())
    assert services.requester_problems(user) == ["set up two-factor authentication"]


def test_an_organization_without_a_security_official_takes_only_that_role(
    client, requester, hospital
):
    response = walk_wizard(
        client, category="provider", role_code="assessment-submitter", ccns=["210001"]
    )
    assert "must first register a security official" in response.content.decode()
    assert not RoleRequest.objects.exists()
    response = walk_wizard(
        client,
        category="provider",
        role_code="provider-security-official",
        ccns=["210001"],
    )
    assert response.url == reverse("harp:profile")


def test_duplicates_of_a_pending_request_or_a_current_role_are_refused(
    client, requester, hospital, official
):
    pending(requester, "assessment-submitter", hospital)
    response = walk_wizard(
        client, category="provider", role_code="assessment-submitter", ccns=["210001"]
    )
    assert "already have a pending request" in response.content.decode()
    RoleAssignment.objects.create(
        user=requester, role=role("provider-assessment-viewer"), organization=hospital
    )
    response = walk_wizard(
        client,
        category="provider",
        role_code="provider-assessment-viewer",
        ccns=["210001"],
    )
    assert "You already have Provider Assessment Viewer" in response.content.decode()


def test_a_role_cannot_be_requested_by_another_category(requester, hospital, official):
    with pytest.raises(services.RoleRuleError, match="cannot be requested"):
        services.role_request_submit(
            requester=requester,
            category="state_agency",
            role=role("assessment-submitter"),
            organizations=[hospital],
            request=None,  # type: ignore[arg-type]
        )


def test_a_role_applies_only_to_organizations_of_its_kind(requester):
    agency = Organization.objects.create(kind="state_agency", name="MD SA", state="MD")
    with pytest.raises(services.RoleRuleError, match="does not apply"):
        services.role_request_submit(
            requester=requester,
            category="provider",
            role=role("assessment-submitter"),
            organizations=[agency],
            request=None,  # type: ignore[arg-type]
        )


def test_state_agency_staff_choose_their_agency(client, requester):
    agency = Organization.objects.create(kind="state_agency", name="MD SA", state="MD")
    security_official(agency, "saofficial")
    response = walk_wizard(
        client,
        category="state_agency",
        role_code="state-agency-general-user",
        organization=agency,
    )
    assert response.url == reverse("harp:profile")
    assert RoleRequest.objects.get().organization == agency


def test_the_official_approves_and_the_requester_is_emailed(
    client, official, hospital, rf
):
    requester = proofed_user("requester2")
    role_request = pending(requester, "assessment-submitter", hospital)
    sign_in_verified(client, official)
    page = client.get(reverse("roles:approvals")).content.decode()
    assert "requester2" in page and "Assessment Submitter" in page
    response = client.post(
        reverse("roles:decision", args=[role_request.pk]), {"decision": "approve"}
    )
    assert response.url == reverse("roles:approvals")
    role_request.refresh_from_db()
    assert role_request.status == "approved" and role_request.decided_by == official
    assert RoleAssignment.objects.active().filter(user=requester).count() == 1
    assert OutboxMessage.objects.filter(
        to=[requester.email], subject__icontains="approved"
    ).exists()
    assert AuditEvent.objects.filter(
        action=RoleAction.APPROVED, actor=official
    ).exists()


def test_a_rejection_needs_a_reason(client, official, hospital):
    role_request = pending(proofed_user("requester3"), "assessment-submitter", hospital)
    sign_in_verified(client, official)
    response = client.post(
        reverse("roles:decision", args=[role_request.pk]), {"decision": "reject"}
    )
    assert "Give a reason" in response.content.decode()
    client.post(
        reverse("roles:decision", args=[role_request.pk]),
        {"decision": "reject", "reason": "Not our employee."},
    )
    role_request.refresh_from_db()
    assert role_request.status == "rejected"
    assert (
        "Not our employee."
        in OutboxMessage.objects.get(subject__icontains="not approved").body
    )


def test_the_first_security_official_is_approved_by_a_cms_approver(client, hospital):
    requester = proofed_user("firstso01")
    role_request = pending(requester, "provider-security-official", hospital)
    approver = proofed_user("cmsperson")
    approver.groups.add(Group.objects.get(name="CMS approvers"))  # migration 0003
    assert services.can_decide(approver, role_request)
    sign_in_verified(client, approver)
    client.post(
        reverse("roles:decision", args=[role_request.pk]), {"decision": "approve"}
    )
    assert services.is_security_official_of(requester, hospital)

    # From now on the organization's own security official decides.
    second = pending(proofed_user("secondso1"), "provider-security-official", hospital)
    assert not services.can_decide(approver, second)
    assert services.can_decide(requester, second)


def test_nobody_approves_their_own_request(official, hospital):
    own = pending(official, "assessment-submitter", hospital)
    assert not services.can_decide(official, own)
    with pytest.raises(services.RoleRuleError):
        services.role_request_decide(
            role_request=own,
            approver=official,
            approve=True,
            reason="",
            request=None,  # type: ignore[arg-type]
        )


def test_the_ao_user_role_is_approved_only_by_another_ao_official():
    ao = Organization.objects.create(kind="accrediting_org", name="Accreditors")
    ao_official = security_official(ao, "aoofficial")
    provider_official = security_official(provider(), "provofficial")
    role_request = pending(proofed_user("aouser001"), "ao-user", ao)
    assert services.can_decide(ao_official, role_request)
    assert not services.can_decide(provider_official, role_request)
    own = pending(ao_official, "ao-user", ao)
    assert not services.can_decide(ao_official, own)


def test_a_decided_request_cannot_be_decided_again(official, hospital, rf):
    role_request = pending(proofed_user("requester4"), "assessment-submitter", hospital)
    request = rf.get("/")
    services.role_request_decide(
        role_request=role_request,
        approver=official,
        approve=True,
        reason="",
        request=request,
    )
    with pytest.raises(services.RoleRuleError, match="already been decided"):
        services.role_request_decide(
            role_request=role_request,
            approver=official,
            approve=False,
            reason="x",
            request=request,
        )


def test_revoking_emails_the_person_and_the_last_official_stays(
    client, official, hospital
):
    holder = proofed_user("holder001")
    assignment = RoleAssignment.objects.create(
        user=holder, role=role("assessment-submitter"), organization=hospital
    )
    sign_in_verified(client, official)
    response = client.post(
        reverse("roles:revoke", args=[assignment.pk]), {"reason": "Left the company."}
    )
    assert response.url == reverse("roles:approvals")
    assignment.refresh_from_db()
    assert not assignment.is_active
    assert (
        "Left the company."
        in OutboxMessage.objects.get(subject__icontains="removed").body
    )
    assert AuditEvent.objects.filter(action=RoleAction.REVOKED).exists()

    own = RoleAssignment.objects.security_officials().get(user=official)
    response = client.post(
        reverse("roles:revoke", args=[own.pk]), {"reason": "Leaving"}
    )
    assert "last security official" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active


def test_an_official_with_no_second_official_sees_a_notice(client, official):
    sign_in_verified(client, official)
    page = client.get(reverse("roles:approvals")).content.decode()
    assert "has only one security official" in page
    assert (
        "only one security official"
        in client.get(reverse("harp:profile")).content.decode()
    )


def test_officials_are_reminded_of_old_requests_once_a_week(
    official, hospital, settings
):
    role_request = pending(proofed_user("waiting01"), "assessment-submitter", hospital)
    fresh = pending(proofed_user("waiting02"), "assessment-submitter", hospital)
    RoleRequest.objects.filter(pk=role_request.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(days=settings.ROLE_REQUEST_REMINDER_DAYS + 1)
    )
    from iqies_roles.tasks import role_requests_remind_pending_task

    assert role_requests_remind_pending_task.apply().get() == 1
    reminder = OutboxMessage.objects.get(to=[official.email])
    assert "waiting01" in reminder.body and "waiting02" not in reminder.body
    assert services.role_requests_remind_pending() == 0  # not again this week
    RoleRequest.objects.filter(pk=role_request.pk).update(
        last_reminded_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert services.role_requests_remind_pending() == 1
    fresh.refresh_from_db()
    assert fresh.last_reminded_at is None


# The header's unread count is cached after the first page. The queue: the
# official's organizations, the CMS approvers check, the capped count, the page.
APPROVALS_QUERIES = 9
PROFILE_QUERIES = 9  # a proofed user: no proofing section


def test_the_approval_queue_and_my_profile_run_fixed_queries(
    official, hospital, django_assert_num_queries
):
    client = Client()
    sign_in_verified(client, official)

    def grow(n: int, start: int) -> None:
        for i in range(n):
            org = provider(name=f"Extra {start + i}")
            RoleAssignment.objects.create(
                user=official, role=role("provider-security-official"), organization=org
            )
            pending(proofed_user(f"grow{start + i:04d}"), "assessment-submitter", org)
            pending(
                proofed_user(f"gros{start + i:04d}"),
                "provider-assessment-viewer",
                hospital,
            )

    grow(2, 0)
    client.get(reverse("roles:approvals"))
    with django_assert_num_queries(APPROVALS_QUERIES):
        client.get(reverse("roles:approvals"))
    with django_assert_num_queries(PROFILE_QUERIES):
        client.get(reverse("harp:profile"))
    grow(20, 100)
    with django_assert_num_queries(APPROVALS_QUERIES):
        client.get(reverse("roles:approvals"))
    with django_assert_num_queries(PROFILE_QUERIES):
        client.get(reverse("harp:profile"))
    assert mail.outbox == []


def test_an_admin_revokes_any_role_through_the_same_rules(client, official, hospital):
    holder = proofed_user("holder002")
    assignment = RoleAssignment.objects.create(
        user=holder, role=role("assessment-submitter"), organization=hospital
    )
    admin = proofed_user("siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, admin)
    change = client.get(
        reverse("admin:iqies_roles_roleassignment_change", args=[assignment.pk])
    )
    assert reverse("roles:revoke", args=[assignment.pk]) in change.content.decode()
    client.post(
        reverse("roles:revoke", args=[assignment.pk]), {"reason": "Audit finding"}
    )
    assignment.refresh_from_db()
    assert assignment.revoked_by == admin
    last = RoleAssignment.objects.security_officials().get(user=official)
    response = client.post(reverse("roles:revoke", args=[last.pk]), {"reason": "x"})
    assert "last security official" in response.content.decode()
