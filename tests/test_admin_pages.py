"""Every admin screen opens for an administrator: lists, search, filters, add forms,
with the demo data and with uploaded files in private storage (which has no URL).

Records that only the portal's own pages write are read-only in the admin, even
for a superuser: proofing records, role requests and their decisions,
certification uploads and their reviews. The staff groups those pages rely on
come from migrations, with exactly their permissions.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent, User
from iqies_roles.models import Organization, RoleAssignment, RoleRequest
from proofing import services as proofing_services
from proofing.models import ManualProofingCase, ProofingDocument, ProofingRecord
from qsep import services as training
from qsep.models import CertificationUpload
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import pending, provider
from tests.proofing.test_manual import PNG
from tests.security.world import pdf_bytes

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


def superuser(client) -> User:
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, boss)
    return boss


def certification_with_file(learner: User) -> CertificationUpload:
    """A Fire Inspector certification as the learner uploads it: a real PDF."""
    request = RequestFactory().post("/")
    request.user = learner
    return training.certification_upload(
        learner=learner,
        certification="Fire Inspector certification",
        upload=SimpleUploadedFile("fire.pdf", pdf_bytes(), "application/pdf"),
        request=request,
    )


def manual_case_with_files(person: User) -> ManualProofingCase:
    """A manual proofing case in the help desk's queue: a PNG photo ID, two PDFs."""
    request = RequestFactory().post("/")
    request.user = person
    case = proofing_services.manual_case_for_user(user=person, request=request)
    uploads = [
        ("photo_id", "drivers_license", "license.png", PNG, "image/png"),
        ("financial", "", "bank.pdf", pdf_bytes(), "application/pdf"),
        ("financial", "", "payroll.pdf", pdf_bytes(), "application/pdf"),
    ]
    for kind, id_type, name, content, content_type in uploads:
        proofing_services.manual_document_add(
            case=case,
            kind=kind,
            id_type=id_type,
            upload=SimpleUploadedFile(name, content, content_type),
            request=request,
        )
    return proofing_services.manual_case_submit(
        case=case, ssn_last4="0001", request=request
    )


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_list_and_search_open(client, app, model):
    superuser(client)
    url = reverse(f"admin:{app}_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "x"}).status_code == 200
    add = client.get(reverse(f"admin:{app}_{model}_add"))
    assert add.status_code in (200, 403)


def test_admin_lists_and_change_pages_show_demo_data_and_files(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    learner = User.objects.get(username="learner")
    upload = certification_with_file(learner)
    case = manual_case_with_files(UserFactory(username="manualcase1"))
    superuser(client)
    for model, model_admin in admin.site._registry.items():
        app, name = model._meta.app_label, model._meta.model_name
        listing = client.get(reverse(f"admin:{app}_{name}_changelist"))
        assert listing.status_code == 200, (app, name)
        first = model_admin.get_queryset(listing.wsgi_request).first()
        if first is not None:
            change = client.get(reverse(f"admin:{app}_{name}_change", args=[first.pk]))
            assert change.status_code == 200, (app, name)

    # The rows with files in private storage, whichever came first above.
    page = client.get(
        reverse("admin:qsep_certificationupload_change", args=[upload.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("qsep:certification-file", args=[upload.pk]) in html
    assert upload.file.name not in html
    page = client.get(
        reverse("admin:proofing_manualproofingcase_change", args=[case.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "license.png" in html
    for document in case.documents.all():
        assert document.file.name not in html


def test_the_admins_file_link_is_the_audited_review_view(client):
    upload = certification_with_file(UserFactory(username="learner02"))
    boss = superuser(client)
    response = client.get(reverse("qsep:certification-file", args=[upload.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    viewed = AuditEvent.objects.get(action=training.TrainingAction.CERTIFICATION_VIEWED)
    assert viewed.actor == boss


def test_staff_who_do_not_review_the_learner_see_no_link_to_the_file(client):
    upload = certification_with_file(UserFactory(username="learner03"))
    staff = UserFactory(username="staffview1", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_certificationupload")
    )
    sign_in_verified(client, staff)
    page = client.get(
        reverse("admin:qsep_certificationupload_change", args=[upload.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("qsep:certification-file", args=[upload.pk]) not in html
    assert "kept in private storage" in html


def test_nobody_accepts_a_certification_in_the_admin(client):
    upload = certification_with_file(UserFactory(username="learner04"))
    superuser(client)
    url = reverse("admin:qsep_certificationupload_change", args=[upload.pk])
    response = client.post(url, {"status": "accepted", "certification": "Anything"})
    assert response.status_code == 403
    upload.refresh_from_db()
    assert (upload.status, upload.reviewed_by) == ("pending", None)
    assert client.get(reverse("admin:qsep_certificationupload_add")).status_code == 403


# Proofing records are evidence: proofing writes them, nobody by hand.


def test_nobody_makes_a_proofing_record_by_hand(client):
    person = UserFactory(username="notproofed1")
    superuser(client)
    url = reverse("admin:proofing_proofingrecord_add")
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"user": person.pk, "method": "manual", "proofed_at_0": "2026-01-02"},
    )
    assert response.status_code == 403
    assert not ProofingRecord.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.identity_proofed_at is None


def test_nobody_edits_a_proofing_record(client):
    person = UserFactory(username="proofed02", identity_proofed_at=timezone.now())
    record = ProofingRecord.objects.create(
        user=person, method="remote", proofed_at=person.identity_proofed_at
    )
    superuser(client)
    url = reverse("admin:proofing_proofingrecord_change", args=[record.pk])
    assert client.get(url).status_code == 200  # to read
    response = client.post(url, {"method": "manual", "ssn_fingerprint": "0" * 64})
    assert response.status_code == 403
    record.refresh_from_db()
    assert (record.method, record.ssn_fingerprint) == ("remote", "")


# Role requests are decided on /roles/approvals/, by its rules, never in the admin.


@pytest.mark.parametrize("who", ["change_permission", "superuser"])
def test_the_admin_does_not_decide_a_role_request(client, who):
    hospital = provider(name="Admin Test Hospital", state="MD")
    requester = UserFactory(username="wantsrole1", identity_proofed_at=timezone.now())
    role_request = pending(requester, "assessment-submitter", hospital)
    if who == "superuser":
        superuser(client)
    else:
        staff = UserFactory(username="rolestaff1", is_staff=True)
        staff.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["view_rolerequest", "change_rolerequest"]
            )
        )
        sign_in_verified(client, staff)
    url = reverse("admin:iqies_roles_rolerequest_change", args=[role_request.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Role approvals page" in page.content.decode()
    response = client.post(
        url,
        {
            "requester": requester.pk,
            "category": role_request.category,
            "role": role_request.role_id,
            "organization": hospital.pk,
            "status": "approved",
            "decided_at_0": "2026-01-02",
            "decided_at_1": "10:00:00",
            "decision_reason": "",
        },
    )
    assert response.status_code == 403
    role_request.refresh_from_db()
    assert role_request.status == RoleRequest.Status.PENDING
    assert role_request.decided_by is None
    assert not RoleAssignment.objects.filter(user=requester).exists()


def test_nobody_adds_a_decided_role_request_in_the_admin(client):
    hospital = provider(name="Admin Test Hospital", state="MD")
    requester = UserFactory(username="wantsrole2", identity_proofed_at=timezone.now())
    superuser(client)
    url = reverse("admin:iqies_roles_rolerequest_add")
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "requester": requester.pk,
            "category": "provider",
            "role": pending(requester, "assessment-submitter", hospital).role_id,
            "organization": hospital.pk,
            "status": "approved",
        },
    )
    assert response.status_code == 403
    assert RoleRequest.objects.filter(requester=requester).count() == 1  # pending's


# The staff groups come from migrations, with exactly their permissions.


def group_permissions(name: str) -> set[tuple[str, str]]:
    return set(
        Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_the_training_coordinators_group_comes_from_a_migration(client):
    assert group_permissions("Training coordinators") == {
        ("qsep", "review_certification")
    }
    coordinator = UserFactory(username="mdcoord01")
    coordinator.groups.add(Group.objects.get(name="Training coordinators"))
    agency = Organization.objects.create(
        kind="state_agency", state="MD", name="MD State Survey Agency"
    )
    from tests.iqies_roles.factories import role

    RoleAssignment.objects.create(
        user=coordinator,
        role=role("qsep-state-training-coordinator"),
        organization=agency,
    )
    sign_in_verified(client, coordinator)
    assert client.get(reverse("qsep:certification-review")).status_code == 200


def test_the_cms_approvers_group_comes_from_a_migration(client):
    assert group_permissions("CMS approvers") == set()
    hospital = provider(name="No Official Yet Hospital", state="MD")
    requester = UserFactory(username="firstso02", identity_proofed_at=timezone.now())
    first_official = pending(requester, "provider-security-official", hospital)
    approver = UserFactory(username="cmsperson2", identity_proofed_at=timezone.now())
    approver.groups.add(Group.objects.get(name="CMS approvers"))
    sign_in_verified(client, approver)
    response = client.post(
        reverse("roles:decision", args=[first_official.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    first_official.refresh_from_db()
    assert first_official.status == RoleRequest.Status.APPROVED


def test_the_demo_data_reuses_the_migrations_groups(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert group_permissions("Training coordinators") == {
        ("qsep", "review_certification")
    }
    assert group_permissions("CMS approvers") == set()
    assert (
        User.objects.get(username="coordinator")
        .groups.filter(name="Training coordinators")
        .exists()
    )
    assert (
        User.objects.get(username="cmsapprover")
        .groups.filter(name="CMS approvers")
        .exists()
    )


def test_documents_of_a_case_never_show_their_stored_file(client):
    case = manual_case_with_files(UserFactory(username="manualcase2"))
    staff = UserFactory(username="caseviewer", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_manualproofingcase", "view_proofingdocument"]
        )
    )
    sign_in_verified(client, staff)
    page = client.get(
        reverse("admin:proofing_manualproofingcase_change", args=[case.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    for document in ProofingDocument.objects.filter(case=case):
        assert document.original_name in html
        assert document.file.name not in html
