from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from harp.models import AuditEvent, OutboxMessage
from qsep import services
from qsep.models import CertificationUpload, Course
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64
CERT = "Fire Inspector certification"


@pytest.fixture
def course():
    return Course.objects.create(
        slug="advanced", title="Advanced", description="x", required_certification=CERT
    )


@pytest.fixture
def learner(client):
    user = UserFactory(username="learner01", kind="learner", two_factor_required=False)
    client.force_login(user)
    return user


def upload(client, content: bytes, name: str = "cert.pdf"):
    return client.post(
        reverse("qsep:certifications"),
        {"certification": CERT, "file": SimpleUploadedFile(name, content)},
    )


def reviewer() -> tuple[Client, object]:
    user = UserFactory(username="coordinator1")
    user.user_permissions.add(Permission.objects.get(codename="review_certification"))
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def test_an_accepted_certification_opens_the_course(client, course, learner):
    assert upload(client, PDF).status_code == 302
    assert services.course_open_problems(learner=learner, course=course)
    desk, desk_user = reviewer()
    record = CertificationUpload.objects.get()
    file = desk.get(reverse("qsep:certification-file", args=[record.pk]))
    assert b"".join(file.streaming_content) == PDF
    desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
    )
    record.refresh_from_db()
    assert record.status == "accepted" and record.reviewed_by == desk_user
    assert services.course_open_problems(learner=learner, course=course) == []
    assert OutboxMessage.objects.filter(subject__icontains="was accepted").exists()
    assert AuditEvent.objects.filter(
        action=services.TrainingAction.CERTIFICATION_VIEWED
    ).exists()


def test_a_renamed_executable_is_refused_and_nothing_is_stored(client, course, learner):
    response = upload(client, EXE, "cert.pdf")
    assert "not a PDF, JPEG or PNG" in response.content.decode()
    assert not CertificationUpload.objects.exists()


def test_only_reviewers_see_the_queue_and_the_files(client, course, learner):
    upload(client, PDF)
    record = CertificationUpload.objects.get()
    assert client.get(reverse("qsep:certification-review")).status_code == 403
    assert (
        client.get(reverse("qsep:certification-file", args=[record.pk])).status_code
        == 403
    )
    forged = client.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
    )
    assert forged.status_code == 403
    record.refresh_from_db()
    assert record.status == "pending"


def test_a_reviewed_certification_cannot_be_decided_again(client, course, learner):
    upload(client, PDF)
    desk, _ = reviewer()
    record = CertificationUpload.objects.get()
    desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "reject"},
    )
    response = desk.post(
        reverse("qsep:certification-review"),
        {"upload": record.pk, "decision": "accept"},
        follow=True,
    )
    assert "already been reviewed" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "rejected"
