from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent, OutboxMessage
from proofing import services
from proofing.audit import ProofingAction
from proofing.models import ManualProofingCase, ProofingDocument, ProofingRecord
from tests.harp.factories import UserFactory, sign_in_verified
from tests.proofing.helpers import identity_user, latest_attempt, start, wrong_answers

pytestmark = pytest.mark.django_db
Status = ManualProofingCase.Status

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
# A 1x1 grey PNG: signature, IHDR, IDAT, IEND.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00"
    b"\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def person(client):
    user = identity_user("manual001", state="MD")
    sign_in_verified(client, user)
    return user


def agent(username: str) -> tuple[Client, object]:
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="work_proofing_queue"))
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def upload(
    client, name: str, content: bytes, kind: str = "financial", id_type: str = ""
):
    return client.post(
        reverse("proofing:manual"),
        {
            "action": "upload",
            "kind": kind,
            "id_type": id_type,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def complete_case(client) -> ManualProofingCase:
    upload(client, "license.jpg", JPEG, kind="photo_id", id_type="drivers_license")
    upload(client, "bank.pdf", PDF)
    upload(client, "payslip.png", PNG)
    response = client.post(
        reverse("proofing:manual"), {"action": "submit", "ssn_last4": "1234"}
    )
    assert response.status_code == 302
    return ManualProofingCase.objects.get()


def test_documents_are_stored_privately_under_random_names(
    client, person, private_media
):
    response = upload(client, "../../etc/passwd.pdf", PDF)
    assert response.status_code == 302
    document = ProofingDocument.objects.get()
    assert document.original_name == "passwd.pdf"
    assert document.content_type == "application/pdf"
    stored = Path(document.file.path)
    assert stored.is_relative_to(private_media)
    assert "passwd" not in stored.name
    assert stored.read_bytes() == PDF


def test_a_real_pdf_with_another_name_is_taken_as_the_pdf_it_is(client, person):
    response = upload(client, "statement.exe", PDF)
    assert response.status_code == 302
    document = ProofingDocument.objects.get()
    assert document.content_type == "application/pdf"
    assert document.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", EXE, "not a PDF, JPEG or PNG"),
        ("notes.txt", b"just some text", "not a PDF, JPEG or PNG"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_wrong_content_is_refused_and_nothing_is_stored(
    client, person, private_media, name, content, message
):
    response = upload(client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProofingDocument.objects.exists()
    assert not any(private_media.rglob("*.*")) if private_media.exists() else True


def test_an_oversized_file_is_refused(client, person, settings, private_media):
    settings.PROOFING_UPLOAD_MAX_BYTES = 1024
    response = upload(client, "huge.pdf", PDF + b"0" * 2048)
    assert "larger than" in response.content.decode()
    assert not ProofingDocument.objects.exists()


def test_a_photo_id_needs_its_type(client, person):
    response = upload(client, "id.jpg", JPEG, kind="photo_id", id_type="")
    assert "Choose the type of photo ID" in response.content.decode()
    assert not ProofingDocument.objects.exists()


def test_the_case_page_lists_what_is_missing_and_refuses_an_incomplete_case(
    client, person
):
    upload(client, "bank.pdf", PDF)
    page = client.get(reverse("proofing:manual")).content.decode()
    assert "A government photo ID" in page
    assert "1 more financial statement or payroll record" in page
    response = client.post(
        reverse("proofing:manual"), {"action": "submit"}, follow=True
    )
    assert "Still needed" in response.content.decode()
    assert ManualProofingCase.objects.get().status == Status.COLLECTING


def test_the_last_four_ssn_digits_come_from_remote_proofing_when_given(client, person):
    start(client, ssn="666-90-5678")
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    client.post(reverse("proofing:manual-start"))
    client.get(reverse("proofing:manual"))
    assert ManualProofingCase.objects.get().ssn_last4 == "5678"


def test_a_malformed_last_four_is_refused(client, person):
    upload(client, "license.jpg", JPEG, kind="photo_id", id_type="passport")
    upload(client, "bank.pdf", PDF)
    upload(client, "payslip.png", PNG)
    response = client.post(
        reverse("proofing:manual"), {"action": "submit", "ssn_last4": "12a4"}
    )
    assert "Enter exactly four digits" in response.content.decode()
    assert ManualProofingCase.objects.get().status == Status.COLLECTING


def test_submitting_emails_the_person_and_locks_the_documents(client, person):
    case = complete_case(client)
    assert case.status == Status.SUBMITTED
    assert OutboxMessage.objects.filter(
        to=[person.email], subject__icontains="Documents received"
    ).exists()
    response = client.post(
        reverse("proofing:manual"),
        {
            "action": "upload",
            "kind": "financial",
            "file": SimpleUploadedFile("late.pdf", PDF),
        },
        follow=True,
    )
    assert "reviewing your documents" in response.content.decode()
    assert case.documents.count() == 3


def test_only_help_desk_staff_reach_the_queue(client, person):
    assert client.get(reverse("helpdesk:queue")).status_code == 403
    assert client.get(reverse("helpdesk:home")).status_code == 403
    anonymous = Client().get(reverse("helpdesk:queue"))
    assert anonymous.url.startswith("/login/")


def test_the_queue_lists_cases_oldest_first_and_filters_by_state(client, person):
    complete_case(client)
    other = Client()
    sign_in_verified(other, UserFactory(username="manual002", state="VA"))
    complete_case_for(other)
    ManualProofingCase.objects.filter(user=person).update(
        submitted_at=timezone.now() - datetime.timedelta(days=2)
    )
    desk, _ = agent("agent0001")
    page = desk.get(reverse("helpdesk:queue")).content.decode()
    assert page.index("manual001") < page.index("manual002")
    filtered = desk.get(reverse("helpdesk:queue"), {"state": "VA"}).content.decode()
    assert "manual002" in filtered and "manual001" not in filtered


def complete_case_for(client) -> None:
    upload(client, "license.jpg", JPEG, kind="photo_id", id_type="state_id")
    upload(client, "bank.pdf", PDF)
    upload(client, "payslip.png", PNG)
    client.post(reverse("proofing:manual"), {"action": "submit", "ssn_last4": "4321"})


QUEUE_QUERIES = 5  # session, user, device; the page and its capped count


def test_the_queue_runs_a_fixed_number_of_queries(person, django_assert_num_queries):
    desk, _ = agent("agent0002")

    def add_cases(count: int, start_at: int) -> None:
        for n in range(count):
            browser = Client()
            sign_in_verified(browser, UserFactory(username=f"queued{start_at + n:04d}"))
            complete_case_for(browser)

    add_cases(2, 0)
    desk.get(reverse("helpdesk:queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        desk.get(reverse("helpdesk:queue"))
    add_cases(8, 100)
    with django_assert_num_queries(QUEUE_QUERIES):
        desk.get(reverse("helpdesk:queue"))


def test_two_agents_cannot_both_work_one_case(client, person):
    case = complete_case(client)
    first, first_agent = agent("agent0003")
    second, _ = agent("agent0004")
    first.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    response = second.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "claim"},
        follow=True,
    )
    assert "Someone else is already working this case" in response.content.decode()
    decided = second.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "approve"},
        follow=True,
    )
    assert "Claim this case before deciding it" in decided.content.decode()
    case.refresh_from_db()
    assert case.claimed_by == first_agent and case.status == Status.IN_REVIEW


def test_approval_proves_the_person_and_emails_them(client, person):
    case = complete_case(client)
    desk, desk_user = agent("agent0005")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    response = desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "approve", "note": ""},
    )
    assert response.url == reverse("helpdesk:queue")
    person.refresh_from_db()
    assert person.is_identity_proofed
    record = ProofingRecord.objects.get(user=person)
    assert (record.method, record.ssn_last4) == ("manual", "1234")
    assert OutboxMessage.objects.filter(
        subject__icontains="identity is proofed"
    ).exists()
    assert "Proofed on" in client.get(reverse("harp:profile")).content.decode()
    assert AuditEvent.objects.filter(
        action=ProofingAction.MANUAL_DECIDED, actor=desk_user
    ).exists()


def test_rejection_needs_a_reason_which_is_emailed(client, person):
    case = complete_case(client)
    desk, _ = agent("agent0006")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    refused = desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "reject", "note": " "},
    )
    assert "Say why" in refused.content.decode()
    desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "reject", "note": "The ID has expired."},
    )
    message = OutboxMessage.objects.get(subject__icontains="not approved")
    assert "The ID has expired." in message.body
    person.refresh_from_db()
    assert not person.is_identity_proofed


def test_asking_for_more_lets_the_person_add_and_resubmit(client, person):
    case = complete_case(client)
    desk, _ = agent("agent0007")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {
            "action": "decide",
            "decision": "more_info",
            "note": "Send a newer statement.",
        },
    )
    page = client.get(reverse("proofing:manual")).content.decode()
    assert "Send a newer statement." in page
    upload(client, "newer.pdf", PDF)
    client.post(reverse("proofing:manual"), {"action": "submit"})
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.claimed_by is None


def test_nobody_decides_their_own_case(client):
    desk, desk_user = agent("agent0008")
    case = services.manual_case_for_user(user=desk_user, request=None)  # type: ignore[arg-type]
    complete_case_for(desk)
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    response = desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "approve"},
    )
    assert "Nobody may decide their own" in response.content.decode()


def test_documents_are_shown_only_to_the_help_desk_and_each_viewing_is_audited(
    client, person
):
    case = complete_case(client)
    document = case.documents.get(content_type="application/pdf")
    url = reverse("helpdesk:document", args=[document.public_id])
    assert client.get(url).status_code == 403  # not even to its owner
    desk, desk_user = agent("agent0009")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    response = desk.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Disposition"].startswith("attachment")
    desk.get(url)
    assert (
        AuditEvent.objects.filter(
            action=ProofingAction.DOCUMENT_VIEWED, actor=desk_user
        ).count()
        == 2
    )
    import uuid

    assert (
        desk.get(reverse("helpdesk:document", args=[uuid.uuid4()])).status_code == 404
    )


def test_documents_are_deleted_after_the_retention_period(client, person, settings):
    case = complete_case(client)
    desk, _ = agent("agent0010")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    desk.post(
        reverse("helpdesk:case", args=[case.public_id]),
        {"action": "decide", "decision": "approve"},
    )
    paths = [Path(d.file.path) for d in case.documents.all()]
    assert services.proofing_documents_delete_expired() == 0

    ManualProofingCase.objects.filter(pk=case.pk).update(
        decided_at=timezone.now()
        - datetime.timedelta(days=settings.PROOFING_DOCUMENT_RETENTION_DAYS + 1)
    )
    from proofing.tasks import proofing_documents_delete_expired_task

    assert proofing_documents_delete_expired_task.apply().get() == 3
    case.refresh_from_db()
    assert case.documents_deleted_at is not None
    assert case.status == Status.APPROVED
    assert not ProofingDocument.objects.exists()
    assert not any(path.exists() for path in paths)
    assert AuditEvent.objects.filter(action=ProofingAction.DOCUMENTS_DELETED).exists()


def test_a_forged_document_id_removes_nothing(client, person):
    upload(client, "bank.pdf", PDF)
    other = Client()
    sign_in_verified(other, UserFactory(username="intruder1"))
    document = ProofingDocument.objects.get()
    for forged in (str(document.public_id), "not-a-uuid", ""):
        other.post(reverse("proofing:manual"), {"action": "remove", "document": forged})
    assert ProofingDocument.objects.filter(pk=document.pk).exists()
