"""Demo organizations across several states, and the demo accounts' roles."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import transaction

from harp import demo
from harp.models import User
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest
from iqies_roles.services import CMS_APPROVERS_GROUP

PROVIDERS = [
    # CCN, name, city, state, ZIP
    ("210001", "Chesapeake General Hospital", "Baltimore", "MD", "21201"),
    ("215001", "Harbor View Nursing and Rehabilitation", "Baltimore", "MD", "21201"),
    ("217001", "Inner Harbor Home Health", "Baltimore", "MD", "21202"),
    ("212301", "Annapolis Dialysis Center", "Annapolis", "MD", "21401"),
    ("215302", "Severn River Skilled Nursing", "Annapolis", "MD", "21401"),
    ("211501", "Frederick Valley Hospice", "Frederick", "MD", "21701"),
    ("215503", "Catoctin Manor Nursing Center", "Frederick", "MD", "21701"),
    ("210040", "Eastern Shore Medical Center", "Salisbury", "MD", "21801"),
    ("217150", "Wicomico Home Care", "Salisbury", "MD", "21801"),
    ("495001", "Tidewater Nursing Center", "Norfolk", "VA", "23510"),
    ("490011", "Hampton Roads Regional Hospital", "Norfolk", "VA", "23510"),
    ("497001", "Commonwealth Home Health", "Richmond", "VA", "23219"),
    ("495120", "James River Rehabilitation", "Richmond", "VA", "23219"),
    ("492501", "Shenandoah Dialysis", "Harrisonburg", "VA", "22801"),
    ("491501", "Blue Ridge Hospice", "Roanoke", "VA", "24011"),
    ("495300", "Roanoke Valley Care Center", "Roanoke", "VA", "24011"),
    ("390111", "Keystone University Hospital", "Philadelphia", "PA", "19104"),
    ("395001", "Schuylkill Nursing Home", "Philadelphia", "PA", "19104"),
    ("397101", "Liberty Home Health Services", "Philadelphia", "PA", "19107"),
    ("392301", "Allegheny Kidney Center", "Pittsburgh", "PA", "15213"),
    ("395220", "Three Rivers Skilled Care", "Pittsburgh", "PA", "15213"),
    ("391501", "Susquehanna Hospice", "Harrisburg", "PA", "17101"),
    ("080001", "First State Medical Center", "Wilmington", "DE", "19801"),
    ("085001", "Brandywine Nursing Pavilion", "Wilmington", "DE", "19801"),
    ("087001", "Delmarva Home Health", "Dover", "DE", "19901"),
    ("090001", "Capitol Hill Hospital", "Washington", "DC", "20002"),
    ("095001", "Potomac Gardens Nursing", "Washington", "DC", "20002"),
    ("097001", "District Home Care Partners", "Washington", "DC", "20001"),
    ("330101", "Hudson Valley Medical Center", "Poughkeepsie", "NY", "12601"),
    ("335101", "Mid-Hudson Care Center", "Poughkeepsie", "NY", "12601"),
]
STATE_AGENCY_STATES = ["MD", "VA", "PA", "DE", "DC", "NY"]


def organization(**fields: str) -> Organization:
    if fields.get("ccn"):
        found, _ = Organization.objects.update_or_create(
            ccn=fields["ccn"], defaults=fields
        )
    else:
        found, _ = Organization.objects.update_or_create(
            name=fields["name"], defaults=fields
        )
    return found


def grant(user: User, role_code: str, organization_: Organization) -> None:
    RoleAssignment.objects.get_or_create(
        user=user,
        role=Role.objects.get(code=role_code),
        organization=organization_,
        revoked_at=None,
    )


@demo.register
@transaction.atomic
def load_roles(say: Callable[[str], None]) -> None:
    for ccn, name, city, state, zip_code in PROVIDERS:
        organization(
            kind="provider",
            ccn=ccn,
            name=name,
            city=city,
            state=state,
            zip_code=zip_code,
        )
    for state in STATE_AGENCY_STATES:
        Organization.objects.update_or_create(
            kind="state_agency",
            state=state,
            defaults={"name": f"{state} State Survey Agency"},
        )
    for name in ("National Accreditation Council", "Healthcare Quality Accreditors"):
        organization(kind="accrediting_org", name=name)
    for name in ("Acme Assessment Software", "CareData Systems"):
        organization(kind="vendor", name=name)
    organization(kind="cms", name="Centers for Medicare & Medicaid Services")

    accounts = {
        u.username: u
        for u in User.objects.filter(
            username__in=["cmsapprover", "secofficial", "coordinator", "admin"]
        )
    }
    # The group comes from migration 0003_cms_approvers_group.
    accounts["cmsapprover"].groups.add(Group.objects.get(name=CMS_APPROVERS_GROUP))
    hospital = Organization.objects.get(ccn="210001")
    maryland = Organization.objects.get(kind="state_agency", state="MD")
    grant(accounts["secofficial"], "provider-security-official", hospital)
    grant(accounts["coordinator"], "state-agency-security-official", maryland)
    grant(accounts["coordinator"], "qsep-state-training-coordinator", maryland)

    requester = demo.demo_user(
        username="requester",
        totp="JBSWY3DPEHPK3PXPREQUESTERAAAAAAA",
        first_name="Riley",
        last_name="Requester",
    )
    RoleRequest.objects.get_or_create(
        requester=requester,
        role=Role.objects.get(code="assessment-submitter"),
        organization=hospital,
        status=RoleRequest.Status.PENDING,
        defaults={"category": "provider"},
    )
    say(
        f"roles        {len(PROVIDERS)} providers, State Agencies, AOs, vendors; "
        "secofficial is the security official of CCN 210001"
    )
    say("requester    a proofed user with a pending request at CCN 210001")
