"""Attacks on identity proofing from the security review (issue 10), over HTTP."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from harp.encryption import encrypt
from harp.models import AuditEvent, User
from proofing import selectors
from proofing.audit import ProofingAction
from proofing.models import ManualProofingCase, ProofingDocument, RemoteProofingAttempt
from tests.harp.factories import UserFactory, sign_in_verified
from tests.harp.test_registration import PROFILE, _credentials, _profile
from tests.proofing.helpers import (
    FRAUD_SSN,
    PASSING_SSN,
    RecordingStub,
    identity_user,
    latest_attempt,
    pass_remote_proofing,
    start,
    wrong_answers,
)
from tests.proofing.test_manual import JPEG, PDF, PNG, complete_case, upload

pytestmark = pytest.mark.django_db
Status = RemoteProofingAttempt.Status
CaseStatus = ManualProofingCase.Status

# Someone else's details, posted to the proofing form as an attacker would.
IMPOSTOR = {
    "first_name": "Mallory",
    "last_name": "Stone",
    "date_of_birth": "1990-09-09",
    "address_line1": "1 Elsewhere Road",
    "city": "Dover",
    "state": "DE",
    "zip_code": "19901",
    "phone": "302-555-0199",
}


def agent(username: str) -> tuple[Client, User]:
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="work_proofing_queue"))
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# Finding 3: proofing proves whoever answers, not the account.


def test_the_vendor_checks_the_profile_not_the_details_posted(client, settings):
    settings.PROOFING_VENDOR = "tests.proofing.helpers.RecordingStub"
    RecordingStub.seen.clear()
    victim = identity_user("victim001")
    sign_in_verified(client, victim)
    start(client, ssn=PASSING_SSN, **IMPOSTOR)
    (identity,) = RecordingStub.seen
    assert (identity.first_name, identity.last_name) == ("Rosa", "Parks")
    assert identity.date_of_birth == datetime.date(1981, 2, 4)
    assert (identity.address_line1, identity.zip_code) == (
        "7500 Security Blvd",
        "21244",
    )


def test_changing_the_profile_after_passing_sends_registration_back_to_proofing(
    client,
):
    _profile(client)
    _credentials(client)
    pass_remote_proofing(client)
    # Before the account is created, swap in someone else's name, birth and address.
    response = _profile(client, **{k: v for k, v in IMPOSTOR.items() if k != "phone"})
    assert response.url == reverse("proofing:start")
    page = client.get(response.url).content.decode()
    assert "prove your identity again for the new details" in page
    assert "Mallory" in page and "1 Elsewhere Road" in page
    assert client.get(reverse("harp:register")).url == reverse("proofing:start")
    assert not User.objects.exists()


def test_a_pass_for_other_details_never_proves_the_account(client):
    _profile(client)
    _credentials(client)
    pass_remote_proofing(client)
    # Even if the profile changed without the proofing step noticing...
    session = client.session
    data = session["harp_registration"]
    data["profile"].update(
        first_name="Mallory",
        last_name="Stone",
        date_of_birth=encrypt("1990-09-09"),
        address_line1=encrypt("1 Elsewhere Road"),
    )
    session["harp_registration"] = data
    session.save()
    client.get(reverse("harp:register"))
    user = User.objects.get(last_name="Stone")
    assert not user.is_identity_proofed
    assert AuditEvent.objects.filter(action=ProofingAction.IDENTITY_MISMATCH).exists()


# Finding 5: the duplicate-SSN check told anyone which SSNs have accounts.


def test_an_ssn_with_an_account_reads_like_any_refusal_and_counts_as_a_try(client):
    holder = identity_user("holder001", first_name="Ann", last_name="Holder")
    holder_client = Client()
    sign_in_verified(holder_client, holder)
    pass_remote_proofing(holder_client)  # the holder's SSN is PASSING_SSN

    _profile(client)
    _credentials(client)
    known = start(client, ssn=PASSING_SSN)
    known_page = client.get(reverse("proofing:result")).content.decode()
    unknown = start(client, ssn=FRAUD_SSN)
    unknown_page = client.get(reverse("proofing:result")).content.decode()
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert _without_tokens(known_page) == _without_tokens(unknown_page)
    assert "already" not in known_page
    assert "We could not verify your identity with these details" in known_page

    start(client, ssn="666-77-0001")
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    fourth = start(client, ssn="666-77-0002")
    assert fourth.status_code == 200
    assert "Remote proofing is locked" in fourth.content.decode()
    statuses = list(
        RemoteProofingAttempt.objects.filter(user__isnull=True)
        .order_by("started_at", "pk")
        .values_list("status", flat=True)
    )
    assert statuses == [Status.DUPLICATE, Status.FRAUD, Status.FAILED]
    assert AuditEvent.objects.filter(action=ProofingAction.DUPLICATE_IDENTITY).exists()


# Finding 13: manual proofing approved a second account for a proofed person.


def _twin_case(ssn: str | None = None) -> tuple[ManualProofingCase, User]:
    twin = identity_user("twin00002", address_line1="9 Other Street")
    browser = Client()
    sign_in_verified(browser, twin)
    if ssn:
        start(browser, ssn=ssn)
    return complete_case(browser), twin


def test_the_help_desk_sees_a_matching_proofed_account_and_must_confirm(client):
    proofed = identity_user("proofed01")
    sign_in_verified(client, proofed)
    pass_remote_proofing(client)
    case, twin = _twin_case(ssn=PASSING_SSN)
    desk, _ = agent("agent0101")
    url = reverse("helpdesk:case", args=[case.public_id])
    desk.post(url, {"action": "claim"})
    page = desk.get(url).content.decode()
    assert "proofed01" in page
    assert "same SSN" in page and "same name and date of birth" in page

    refused = desk.post(url, {"action": "decide", "decision": "approve"})
    assert refused.status_code == 200
    assert "matches an identity-proofed account (proofed01)" in refused.content.decode()
    case.refresh_from_db()
    twin.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and not twin.is_identity_proofed

    desk.post(
        url,
        {"action": "decide", "decision": "approve", "confirm_different_person": "on"},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    event = AuditEvent.objects.get(action=ProofingAction.MANUAL_DECIDED)
    assert event.details["matches"][0]["user_id"] == "proofed01"
    assert event.details["matches_confirmed"] is True


def test_matching_accounts_cost_a_fixed_number_of_queries():
    case, _ = _twin_case()
    case = ManualProofingCase.objects.select_related("user").get(pk=case.pk)
    counts = []
    for n in range(2):
        for k in range(3 * n):
            identity_user(f"namesake{n}{k}")
        with CaptureQueriesContext(connection) as queries:
            matches = selectors.manual_case_matches(case=case)
        counts.append(len(queries))
    assert len(matches) == 3
    assert counts[0] == counts[1]


def test_a_namesake_born_the_same_day_is_found_however_common_the_name():
    import datetime

    case, _ = _twin_case()
    for k in range(60):
        identity_user(f"common{k:03d}", date_of_birth=datetime.date(1990, 1, 1))
    late = identity_user("common999")  # born the same day as the case's person
    case = ManualProofingCase.objects.select_related("user").get(pk=case.pk)
    found = {match.user.pk for match in selectors.manual_case_matches(case=case)}
    assert late.pk in found
    assert len(found) == 1


def test_the_case_page_runs_a_fixed_number_of_queries(django_assert_num_queries):
    case, _ = _twin_case()
    desk, _ = agent("agent0103")
    url = reverse("helpdesk:case", args=[case.public_id])
    desk.post(url, {"action": "claim"})
    desk.get(url)  # sessions and permissions cached as on any later page
    with CaptureQueriesContext(connection) as small:
        assert desk.get(url).status_code == 200
    for k in range(4):
        identity_user(f"namesake9{k}")
    with django_assert_num_queries(len(small)):
        assert desk.get(url).status_code == 200


# Finding 14: documents of cases not in review, no purge, no cap, PDFs inline.


def test_documents_open_only_for_the_agent_reviewing_the_case(client):
    person = identity_user("docs0001")
    sign_in_verified(client, person)
    upload(client, "bank.pdf", PDF)
    document = ProofingDocument.objects.get()
    url = reverse("helpdesk:document", args=[document.public_id])
    first, _ = agent("agent0201")
    second, _ = agent("agent0202")
    assert first.get(url).status_code == 404  # never submitted
    case = complete_case(client)
    assert first.get(url).status_code == 404  # waiting in the queue
    case_url = reverse("helpdesk:case", args=[case.public_id])
    second.post(case_url, {"action": "claim"})
    assert first.get(url).status_code == 404  # claimed by someone else
    assert "Documents open only for the agent" in first.get(case_url).content.decode()
    assert second.get(url).status_code == 200
    second.post(case_url, {"action": "decide", "decision": "reject", "note": "Blurry"})
    assert second.get(url).status_code == 404  # decided
    viewed = AuditEvent.objects.filter(action=ProofingAction.DOCUMENT_VIEWED)
    assert viewed.count() == 1


def test_documents_are_served_sandboxed_and_pdfs_as_downloads(client):
    sign_in_verified(client, identity_user("docs0002"))
    case = complete_case(client)
    desk, _ = agent("agent0203")
    desk.post(reverse("helpdesk:case", args=[case.public_id]), {"action": "claim"})
    for document in case.documents.all():
        response = desk.get(reverse("helpdesk:document", args=[document.public_id]))
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        disposition = response["Content-Disposition"]
        if document.content_type == "application/pdf":
            assert disposition.startswith("attachment")
        else:
            assert disposition == "inline"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>",
        b"%PDF-1.4\n1 0 obj<<>>endobj\n<script>alert(1)</script>",
        b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    ],
)
def test_a_file_that_only_starts_like_a_document_is_refused(client, content):
    sign_in_verified(client, identity_user("docs0003"))
    response = upload(client, "bank.pdf", content)
    assert response.status_code == 200
    assert "but is not a complete one" in response.content.decode()
    assert not ProofingDocument.objects.exists()
    private = Path(django_settings.PRIVATE_MEDIA_ROOT) / "proofing"
    assert not private.exists() or not any(private.iterdir())


def test_uploads_per_case_are_capped(client, settings):
    settings.PROOFING_MAX_DOCUMENTS_PER_CASE = 3
    sign_in_verified(client, identity_user("docs0004"))
    for content, name in ((PDF, "a.pdf"), (JPEG, "b.jpg"), (PNG, "c.png")):
        assert upload(client, name, content).status_code == 302
    refused = upload(client, "d.pdf", PDF)
    assert refused.status_code == 200
    assert "already has 3 documents, the most it can hold" in refused.content.decode()
    assert ProofingDocument.objects.count() == 3


def test_idle_cases_never_submitted_are_purged_with_their_files(
    client, settings, django_capture_on_commit_callbacks
):
    submitted = Client()
    sign_in_verified(submitted, identity_user("idle0003"))
    waiting = complete_case(submitted)
    sign_in_verified(client, identity_user("idle0001"))
    upload(client, "bank.pdf", PDF)
    idle = ManualProofingCase.objects.exclude(pk=waiting.pk).get()
    path = Path(idle.documents.get().file.path)
    old = timezone.now() - datetime.timedelta(days=settings.PROOFING_IDLE_CASE_DAYS + 1)
    ManualProofingCase.objects.filter(pk=idle.pk).update(created_at=old)
    ProofingDocument.objects.filter(case=idle).update(uploaded_at=old)
    busy = Client()
    sign_in_verified(busy, identity_user("idle0002"))
    upload(busy, "bank.pdf", PDF)  # recent: kept
    ManualProofingCase.objects.filter(pk=waiting.pk).update(created_at=old)

    from proofing.tasks import proofing_cases_purge_idle_task

    with django_capture_on_commit_callbacks(execute=True):
        assert proofing_cases_purge_idle_task.apply().get() == 1
    assert not ManualProofingCase.objects.filter(pk=idle.pk).exists()
    assert not path.exists()
    assert ManualProofingCase.objects.count() == 2
    assert AuditEvent.objects.filter(action=ProofingAction.IDLE_CASE_PURGED).exists()
    beat = django_settings.CELERY_BEAT_SCHEDULE.values()
    assert "proofing.tasks.proofing_cases_purge_idle_task" in [t["task"] for t in beat]


# Finding 16: registration kept date of birth, address and phone in clear.


def test_the_registration_session_row_holds_no_personal_details_in_clear(client):
    _profile(client)
    row = Session.objects.get(session_key=client.session.session_key)
    stored = row.session_data + json.dumps(row.get_decoded())
    for secret in (
        PROFILE["date_of_birth"],
        PROFILE["address_line1"],
        PROFILE["phone"],
        PROFILE["city"],
        PROFILE["zip_code"],
    ):
        assert secret not in stored
    # The step still reads them back to fill in its form.
    page = client.get(reverse("harp:register-step", args=["profile"]))
    assert 'value="7500 Security Blvd"' in page.content.decode()


# Finding 17: a refused proofing form showed the SSN back; pages were cacheable.


@pytest.mark.parametrize("ssn", ["123-45-6789", "666-12-345", "666-12-3456"])
def test_a_refused_proofing_form_never_shows_the_ssn_back(client, settings, ssn):
    settings.PROOFING_MAX_ATTEMPTS = 0  # a valid stub SSN is refused by the limit
    sign_in_verified(client, identity_user("ssnback01"))
    response = start(client, ssn=ssn)
    assert response.status_code == 200
    body = response.content.decode()
    digits = re.sub(r"\D", "", ssn)
    for form in (ssn, digits, f"{digits[:3]} {digits[3:5]} {digits[5:]}"):
        assert form not in body
    assert "no-store" in response["Cache-Control"]


def test_every_proofing_page_is_no_store(client):
    user = identity_user("nostore01")
    sign_in_verified(client, user)
    answers = [
        client.get(reverse("proofing:start")),
        client.get(reverse("proofing:questions")),
        client.get(reverse("proofing:result")),
        client.get(reverse("proofing:reference")),
        client.get(reverse("proofing:manual")),
        client.post(reverse("proofing:manual-start")),
    ]
    case = complete_case(client)
    desk, _ = agent("agent0301")
    answers += [
        desk.get(reverse("helpdesk:home")),
        desk.get(reverse("helpdesk:queue")),
        desk.get(reverse("helpdesk:case", args=[case.public_id])),
    ]
    for response in answers:
        assert "no-store" in response["Cache-Control"], response
