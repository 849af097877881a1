from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent
from proofing.audit import ProofingAction
from proofing.models import ProofingRecord, RemoteProofingAttempt
from proofing.vendors.base import Identity
from proofing.vendors.experian_stub import ExperianStub
from tests.harp.factories import sign_in_verified
from tests.proofing.helpers import (
    FRAUD_SSN,
    IDENTITY,
    NO_QUESTIONS_SSN,
    PASSING_SSN,
    PHONE_REFERENCE_SSN,
    identity_user,
    latest_attempt,
    pass_remote_proofing,
    right_answers,
    start,
    stub_answers,
    wrong_answers,
)

pytestmark = pytest.mark.django_db
Status = RemoteProofingAttempt.Status


@pytest.fixture
def person(client):
    user = identity_user("proofme01")
    sign_in_verified(client, user)
    return user


def test_the_passing_persona_proves_a_signed_in_user(client, person):
    pass_remote_proofing(client)
    person.refresh_from_db()
    assert person.is_identity_proofed
    record = ProofingRecord.objects.get(user=person)
    assert record.method == ProofingRecord.Method.REMOTE
    assert record.ssn_last4 == "0001"
    assert AuditEvent.objects.filter(action=ProofingAction.IDENTITY_PROOFED).exists()
    page = client.get(reverse("harp:profile")).content.decode()
    assert "Proofed on" in page
    assert b"already proofed" in client.get(reverse("proofing:start")).content


def test_the_identity_form_shows_the_profile_and_asks_only_the_ssn(client, person):
    page = client.get(reverse("proofing:start")).content.decode()
    assert "Rosa" in page and "Parks" in page and "February 4, 1981" in page
    assert "7500 Security Blvd" in page and "help desk" in page
    assert 'name="ssn"' in page and 'name="ssn" value' not in page
    for field in ("first_name", "last_name", "date_of_birth", "address_line1"):
        assert f'name="{field}"' not in page


def test_wrong_answers_fail_and_offer_the_other_paths(client, person):
    start(client)
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    assert latest_attempt().status == Status.FAILED
    page = client.get(reverse("proofing:result")).content.decode()
    assert "Try again" in page
    assert reverse("proofing:reference") in page
    assert "manual proofing" in page
    person.refresh_from_db()
    assert not person.is_identity_proofed


def test_a_retry_never_repeats_a_failed_question(client, person):
    start(client)
    first = latest_attempt()
    client.post(reverse("proofing:questions"), wrong_answers(first))
    start(client)
    second = latest_attempt()
    assert second.pk != first.pk
    assert not set(first.failed_question_ids) & {q["id"] for q in second.questions}


def test_the_no_questions_persona_gets_no_questions(client, person):
    response = start(client, ssn=NO_QUESTIONS_SSN)
    assert response.url == reverse("proofing:result")
    assert latest_attempt().status == Status.NO_QUESTIONS
    page = client.get(reverse("proofing:result")).content.decode()
    assert "could not find enough history" in page


def test_the_fraud_persona_is_refused(client, person):
    start(client, ssn=FRAUD_SSN)
    assert latest_attempt().status == Status.FRAUD
    assert (
        "We could not verify your identity with these details"
        in client.get(reverse("proofing:result")).content.decode()
    )
    person.refresh_from_db()
    assert not person.is_identity_proofed


def test_the_phone_reference_persona_proves_with_the_reference_number(client, person):
    start(client, ssn=PHONE_REFERENCE_SSN)
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    wrong = client.post(
        reverse("proofing:reference"), {"reference_number": "1111-1111"}
    )
    assert "was not accepted" in wrong.content.decode()
    response = client.post(
        reverse("proofing:reference"), {"reference_number": "4242-0004"}
    )
    assert response.url == reverse("harp:profile")
    assert ProofingRecord.objects.get(user=person).method == "phone_reference"


def test_a_reference_number_does_not_prove_another_persona(client, person):
    start(client)
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    client.post(reverse("proofing:reference"), {"reference_number": "4242-0004"})
    person.refresh_from_db()
    assert not person.is_identity_proofed


def test_wrong_reference_numbers_lock_after_the_limit(client, person, settings):
    start(client, ssn=PHONE_REFERENCE_SSN)
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    for _ in range(settings.LOCKOUT_FAILURES):
        client.post(reverse("proofing:reference"), {"reference_number": "0000"})
    response = client.post(
        reverse("proofing:reference"), {"reference_number": "4242-0004"}
    )
    assert "Too many wrong reference numbers" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_identity_proofed


@pytest.mark.parametrize("ssn", ["123-45-6789", "665-01-0001", "899-99-9999"])
def test_ssns_that_could_be_real_are_refused_and_nothing_is_stored(client, person, ssn):
    response = start(client, ssn=ssn)
    assert response.status_code == 200
    assert "accepts only Social Security numbers that were never issued" in (
        response.content.decode()
    )
    assert not RemoteProofingAttempt.objects.exists()


@pytest.mark.parametrize("ssn", ["12345", "abc-de-fghi", ""])
def test_a_malformed_ssn_gets_a_message(client, person, ssn):
    response = start(client, ssn=ssn)
    assert response.status_code == 200
    assert not RemoteProofingAttempt.objects.exists()


def test_attempts_are_limited_per_account(client, person, settings):
    for _ in range(settings.PROOFING_MAX_ATTEMPTS):
        start(client, ssn="666-30-0001")
        client.post(
            reverse("proofing:questions"), {}
        )  # unanswered: invalid, stays open
        attempt = latest_attempt()
        RemoteProofingAttempt.objects.filter(pk=attempt.pk).update(status=Status.FAILED)
    response = start(client, ssn="666-30-0001")
    assert "Remote proofing is locked" in response.content.decode()
    assert RemoteProofingAttempt.objects.count() == settings.PROOFING_MAX_ATTEMPTS
    assert AuditEvent.objects.filter(action=ProofingAction.REMOTE_LOCKED).exists()


def test_attempts_are_limited_per_ssn_across_accounts(client, settings):
    for n in range(settings.PROOFING_MAX_ATTEMPTS):
        other = client.__class__()
        sign_in_verified(
            other,
            identity_user(f"sharer{n:03d}", last_name=f"Name{n}", zip_code=f"2124{n}"),
        )
        start(other, ssn="666-40-0001")
        RemoteProofingAttempt.objects.filter(pk=latest_attempt().pk).update(
            status=Status.FAILED
        )
    sign_in_verified(
        client, identity_user("sharer999", last_name="Different", zip_code="99999")
    )
    response = start(client, ssn="666-40-0001")
    assert "Remote proofing is locked" in response.content.decode()


def test_attempts_are_limited_per_identity_across_ssns(client, person, settings):
    for n in range(settings.PROOFING_MAX_ATTEMPTS):
        other = client.__class__()
        sign_in_verified(other, identity_user(f"alias{n:04d}"))
        start(other, ssn=f"666-50-000{n}")
        RemoteProofingAttempt.objects.filter(pk=latest_attempt().pk).update(
            status=Status.FAILED
        )
    response = start(client, ssn="666-50-0099")
    assert "Remote proofing is locked" in response.content.decode()


def test_old_attempts_fall_out_of_the_window(client, person, settings):
    for _ in range(settings.PROOFING_MAX_ATTEMPTS):
        start(client, ssn="666-60-0001")
        RemoteProofingAttempt.objects.filter(pk=latest_attempt().pk).update(
            status=Status.FAILED,
            started_at=timezone.now() - datetime.timedelta(days=2),
        )
    assert start(client, ssn="666-60-0001").url == reverse("proofing:questions")


def test_an_idle_question_set_expires_and_counts(client, person):
    start(client)
    attempt = latest_attempt()
    RemoteProofingAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.post(reverse("proofing:questions"), right_answers(attempt))
    assert response.url == reverse("proofing:result")
    attempt.refresh_from_db()
    assert attempt.status == Status.EXPIRED
    assert "expired" in client.get(reverse("proofing:result")).content.decode()
    person.refresh_from_db()
    assert not person.is_identity_proofed


def test_answers_not_among_the_choices_are_refused(client, person):
    start(client)
    attempt = latest_attempt()
    forged = {q["id"]: "My own answer" for q in attempt.questions}
    response = client.post(reverse("proofing:questions"), forged)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Status.OPEN


def test_a_second_account_for_the_same_person_is_caught(client, person):
    pass_remote_proofing(client)
    twin = client.__class__()
    twin_user = identity_user("twin00001")
    sign_in_verified(twin, twin_user)
    response = start(twin, ssn=PASSING_SSN)
    assert response.url == reverse("proofing:result")
    page = twin.get(reverse("proofing:result")).content.decode()
    assert "We could not verify your identity with these details" in page
    assert "already exists" not in page
    assert latest_attempt().status == Status.DUPLICATE
    assert AuditEvent.objects.filter(action=ProofingAction.DUPLICATE_IDENTITY).exists()
    twin_user.refresh_from_db()
    assert not twin_user.is_identity_proofed


def test_the_same_identity_always_gets_the_same_questions():
    stub = ExperianStub()
    identity = Identity(
        **{**IDENTITY, "date_of_birth": datetime.date(1981, 2, 4)}, ssn="666-70-0001"
    )
    first = stub.start(identity, exclude_question_ids=set())
    second = stub.start(identity, exclude_question_ids=set())
    assert first.questions == second.questions
    right = stub_answers(
        ssn="666-70-0001",
        date_of_birth="1981-02-04",
        last_name="Parks",
        ids=[q.id for q in first.questions],
    )
    assert stub.score(first.session_ref, right).passed
    wrong = {
        qid: "None of the above" if a != "None of the above" else "x"
        for qid, a in right.items()
    }
    assert not stub.score(first.session_ref, wrong).passed


def test_no_ssn_reaches_the_database_or_the_log(client, person, caplog):
    caplog.set_level(logging.DEBUG)
    start(client, ssn="666-80-4321")
    client.post(reverse("proofing:questions"), wrong_answers(latest_attempt()))
    pass_remote_proofing(client)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for form in ("666804321", "666-80-4321", "666010001", "666-01-0001"):
        assert form not in dump.getvalue()
        assert form not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT ssn_last4 FROM proofing_proofingrecord")
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAA")


def test_proofing_pages_need_a_registration_or_a_sign_in(client):
    assert client.get(reverse("proofing:start")).url == reverse("harp:register")
    assert client.post(reverse("proofing:questions"), {}).url == reverse(
        "harp:register"
    )


def _register_until_proofing(client) -> None:
    from tests.harp.test_registration import _credentials, _profile

    _profile(client)
    assert _credentials(client).url == reverse("proofing:start")


def test_registration_waits_for_proofing_before_creating_the_account(client):
    from harp.models import User

    _register_until_proofing(client)
    assert client.get(reverse("harp:register")).url == reverse("proofing:start")
    start(client, ssn=NO_QUESTIONS_SSN)
    assert not User.objects.exists()
    assert RemoteProofingAttempt.objects.get().user is None


def test_choosing_documents_during_registration_creates_an_unproofed_account(
    client, django_capture_on_commit_callbacks
):
    from harp.models import User

    _register_until_proofing(client)
    start(client, ssn=FRAUD_SSN)
    response = client.post(reverse("proofing:manual-start"))
    assert response.url == reverse("harp:register")
    with django_capture_on_commit_callbacks(execute=True):
        done = client.get(reverse("harp:register"), follow=True)
    assert "prove your identity with documents" in done.content.decode()
    user = User.objects.get(username="rparks1981")
    assert not user.is_identity_proofed
    attempt = RemoteProofingAttempt.objects.get()
    assert attempt.user == user  # the registration's attempts follow the account


def test_passing_during_registration_proves_the_new_account(client):
    from harp.models import User

    _register_until_proofing(client)
    pass_remote_proofing(client)
    client.get(reverse("harp:register"))
    user = User.objects.get(username="rparks1981")
    assert user.is_identity_proofed
    assert ProofingRecord.objects.get(user=user).method == "remote"


@pytest.mark.parametrize("number", range(0, 400, 7))
def test_every_stub_question_has_exactly_one_right_choice(number):
    ssn = f"666-{number // 100:02d}-{number:04d}"
    identity = Identity(
        **{**IDENTITY, "date_of_birth": datetime.date(1950 + number % 50, 1, 1)},
        ssn=ssn,
    )
    result = ExperianStub().start(identity, exclude_question_ids=set())
    if result.refusal is not None:
        return
    right = stub_answers(
        ssn=ssn,
        date_of_birth=identity.date_of_birth.isoformat(),
        last_name=identity.last_name,
        ids=[q.id for q in result.questions],
    )
    for question in result.questions:
        assert len(question.choices) == 5
        assert len(set(question.choices)) == 5
        assert question.choices.count(right[question.id]) == 1
        assert question.choices[-1] == "None of the above"
