"""Organizations and people with roles, built the way the portal builds them."""

from __future__ import annotations

import itertools

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.models import User
from iqies_roles.catalogue import catalogue_load
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest
from tests.harp.factories import UserFactory

# Made-up CCNs start above the ones tests name (210001, 210999, 215001, ...).
_ccns = itertools.count(7000)


def provider(ccn: str | None = None, **fields: str) -> Organization:
    ccn = ccn or f"21{next(_ccns):04d}"
    return Organization.objects.create(
        kind="provider",
        ccn=ccn,
        name=fields.pop("name", f"Provider {ccn}"),
        state=fields.pop("state", "MD"),
        **fields,
    )


def proofed_user(username: str, **fields: object) -> User:
    """An identity-proofed user with an authenticator app: may request roles."""
    user = UserFactory(username=username, identity_proofed_at=timezone.now(), **fields)
    TOTPDevice.objects.create(user=user, name="Phone app")
    return user


def role(code: str) -> Role:
    """A catalogue role. Tests that empty the database (browser tests) reload it."""
    if not Role.objects.filter(code=code).exists():
        catalogue_load(Role)
    return Role.objects.get(code=code)


def security_official(organization: Organization, username: str) -> User:
    user = proofed_user(username)
    code = {
        "provider": "provider-security-official",
        "state_agency": "state-agency-security-official",
        "accrediting_org": "ao-security-official",
    }[organization.kind]
    RoleAssignment.objects.create(user=user, role=role(code), organization=organization)
    return user


def pending(requester: User, code: str, organization: Organization) -> RoleRequest:
    return RoleRequest.objects.create(
        requester=requester,
        role=role(code),
        organization=organization,
        category=role(code).user_categories[0],
    )
