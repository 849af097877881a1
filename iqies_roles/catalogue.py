"""The role catalogue as data: loaded by a migration, reloadable at any time.

`catalogue_load` is idempotent (update or create by code), so the migration, the
demo data and tests that empty the database can all call it.
"""

from __future__ import annotations

from typing import Any

PROVIDER = "provider"
VENDOR = "vendor"
STATE_AGENCY = "state_agency"
AO = "accrediting_org"

CATALOGUE: list[tuple[Any, ...]] = [
    # code, name, application, categories, organization kind, SO?, approver, description, allows
    (
        "assessment-submitter",
        "Assessment Submitter",
        "iqies",
        [PROVIDER, VENDOR],
        PROVIDER,
        False,
        "security_official",
        "Submits patient assessments for a provider.",
        "Upload and submit assessment files; view submission reports for the provider.",
    ),
    (
        "provider-administrator",
        "Provider Administrator",
        "iqies",
        [PROVIDER],
        PROVIDER,
        False,
        "security_official",
        "Looks after a provider's information in iQIES.",
        "Maintain the provider's profile and contacts; view reports.",
    ),
    (
        "provider-assessment-coordinator",
        "Provider Assessment Coordinator",
        "iqies",
        [PROVIDER],
        PROVIDER,
        False,
        "security_official",
        "Coordinates a provider's assessments.",
        "Create, correct and submit assessments; view validation reports.",
    ),
    (
        "provider-assessment-viewer",
        "Provider Assessment Viewer",
        "iqies",
        [PROVIDER, VENDOR],
        PROVIDER,
        False,
        "security_official",
        "Reads a provider's assessments without changing them.",
        "View assessments and reports; no submissions.",
    ),
    (
        "provider-security-official",
        "Provider Security Official",
        "iqies",
        [PROVIDER],
        PROVIDER,
        True,
        "security_official",
        "Approves and manages the roles of a provider's staff.",
        "Approve, reject and revoke role requests for the provider. The first security official of a provider is approved by CMS.",
    ),
    (
        "state-agency-security-official",
        "State Agency Security Official",
        "iqies",
        [STATE_AGENCY],
        STATE_AGENCY,
        True,
        "security_official",
        "Approves and manages the roles of a State Agency's staff.",
        "Approve, reject and revoke role requests for the State Agency. The first is approved by CMS.",
    ),
    (
        "state-agency-general-user",
        "State Agency General User",
        "iqies",
        [STATE_AGENCY],
        STATE_AGENCY,
        False,
        "security_official",
        "Works survey and certification tasks for a State Agency.",
        "View providers in the state and State Agency reports.",
    ),
    (
        "ao-security-official",
        "Accrediting Organization Security Official",
        "iqies",
        [AO],
        AO,
        True,
        "security_official",
        "Approves and manages the roles of an Accrediting Organization's staff.",
        "Approve, reject and revoke role requests for the Accrediting Organization. The first is approved by CMS.",
    ),
    (
        "ao-general-user",
        "Accrediting Organization General User",
        "iqies",
        [AO],
        AO,
        False,
        "security_official",
        "Works accreditation tasks for an Accrediting Organization.",
        "View accredited providers and Accrediting Organization reports.",
    ),
    (
        "ao-user",
        "AO User",
        "iqies",
        [AO],
        AO,
        False,
        "other_ao_security_official",
        "Submits survey results for an Accrediting Organization.",
        "Submit and correct survey results. Approved only by another security official of the Accrediting Organization.",
    ),
    (
        "qsep-learner",
        "Learner",
        "qsep",
        [PROVIDER, VENDOR],
        PROVIDER,
        False,
        "security_official",
        "Takes training assigned to a provider's staff.",
        "Enroll in training plans; earn certificates and a transcript.",
    ),
    (
        "qsep-surveyor",
        "Surveyor",
        "qsep",
        [STATE_AGENCY],
        STATE_AGENCY,
        False,
        "security_official",
        "Takes surveyor training for a State Agency.",
        "Enroll in surveyor training plans, including courses that need certifications.",
    ),
    (
        "qsep-state-training-coordinator",
        "State Training Coordinator",
        "qsep",
        [STATE_AGENCY],
        STATE_AGENCY,
        False,
        "security_official",
        "Follows the training of a state's learners.",
        "Run Find by Learner and other reports for the state and its proxy states; accept uploaded certifications.",
    ),
]


def catalogue_load(role_model: Any) -> None:
    """Create or update every catalogue role on the given Role model."""
    for position, row in enumerate(CATALOGUE):
        (
            code,
            name,
            application,
            categories,
            kind,
            is_so,
            approver,
            description,
            allows,
        ) = row
        role_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "application": application,
                "user_categories": categories,
                "organization_kind": kind,
                "is_security_official": is_so,
                "approver": approver,
                "description": description,
                "allows": allows,
                "position": position,
            },
        )
