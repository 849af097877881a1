"""Who may see and do what on every roles URL: the access-control matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from iqies_roles.models import RoleAssignment, RoleRequest
from tests.harp.factories import sign_in_verified
from tests.iqies_roles.factories import (
    pending,
    proofed_user,
    provider,
    role,
    security_official,
)

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "requester",
    "official",
    "other_official",
    "cms_approver",
    "help_desk",
]


@pytest.fixture
def world():
    hospital = provider("210001")
    other = provider("490011", state="VA")
    official = security_official(hospital, "official01")
    other_official = security_official(other, "official02")
    requester = proofed_user("requester1")
    role_request = pending(requester, "assessment-submitter", hospital)
    holder = proofed_user("holder001")
    assignment = RoleAssignment.objects.create(
        user=holder, role=role("provider-assessment-viewer"), organization=hospital
    )
    cms = proofed_user("cmsperson")
    cms.groups.add(Group.objects.get(name="CMS approvers"))  # from migration 0003
    desk = proofed_user("deskagent")
    desk.user_permissions.add(Permission.objects.get(codename="work_proofing_queue"))
    return {
        "requester": requester,
        "official": official,
        "other_official": other_official,
        "cms_approver": cms,
        "help_desk": desk,
        "request": role_request,
        "assignment": assignment,
    }


def browser_for(world, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        sign_in_verified(client, world[actor])
    return client


def status(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/login/"):
        return "login"
    return response.status_code


# actor: (request wizard, approvals list, decision page, revoke page)
EXPECTED = {
    "anonymous": ("login", "login", "login", "login"),
    "requester": (200, 200, 404, 404),
    "official": (200, 200, 200, 200),
    "other_official": (200, 200, 404, 404),
    "cms_approver": (200, 200, 404, 404),
    "help_desk": (200, 200, 404, 404),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_what_each_person_may_see(world, actor):
    client = browser_for(world, actor)
    seen = (
        status(client.get(reverse("roles:request-category"))),
        status(client.get(reverse("roles:approvals"))),
        status(client.get(reverse("roles:decision", args=[world["request"].pk]))),
        status(client.get(reverse("roles:revoke", args=[world["assignment"].pk]))),
    )
    assert seen == EXPECTED[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_organizations_official_sees_its_request_in_the_queue(world, actor):
    page = browser_for(world, actor).get(reverse("roles:approvals"))
    link = reverse("roles:decision", args=[world["request"].pk])
    listed = page.status_code == 200 and link in page.content.decode()
    assert listed == (actor == "official")


@pytest.mark.parametrize("actor", ACTORS)
def test_a_forged_decision_changes_nothing_unless_allowed(world, actor):
    client = browser_for(world, actor)
    response = client.post(
        reverse("roles:decision", args=[world["request"].pk]), {"decision": "approve"}
    )
    world["request"].refresh_from_db()
    if actor == "official":
        assert world["request"].status == RoleRequest.Status.APPROVED
    else:
        assert status(response) in ("login", 404)
        assert world["request"].status == RoleRequest.Status.PENDING
        assert not RoleAssignment.objects.filter(user=world["requester"]).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_a_forged_revocation_changes_nothing_unless_allowed(world, actor):
    client = browser_for(world, actor)
    response = client.post(
        reverse("roles:revoke", args=[world["assignment"].pk]), {"reason": "Forged"}
    )
    world["assignment"].refresh_from_db()
    if actor == "official":
        assert not world["assignment"].is_active
    else:
        assert status(response) in ("login", 404)
        assert world["assignment"].is_active
