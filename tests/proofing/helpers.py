"""Driving remote proofing the way a person does, with the stub's test personas."""

from __future__ import annotations

from django.urls import reverse

from proofing.models import RemoteProofingAttempt
from proofing.vendors.experian_stub import NONE_OF_THE_ABOVE, PASSING_FILE

PASSING_SSN = "666-01-0001"
NO_QUESTIONS_SSN = "666-01-0002"
FRAUD_SSN = "666-01-0003"
PHONE_REFERENCE_SSN = "666-01-0004"

IDENTITY = {
    "first_name": "Rosa",
    "last_name": "Parks",
    "date_of_birth": "1981-02-04",
    "address_line1": "7500 Security Blvd",
    "city": "Baltimore",
    "state": "MD",
    "zip_code": "21244",
    "phone": "410-555-0142",
}


def identity_user(username: str, **changes):
    """An account whose profile holds IDENTITY: what proofing checks comes from it."""
    import datetime

    from tests.harp.factories import UserFactory

    fields = {**IDENTITY, "date_of_birth": datetime.date(1981, 2, 4), **changes}
    return UserFactory(username=username, **fields)


def right_answers(attempt: RemoteProofingAttempt) -> dict[str, str]:
    """The passing persona's answers to the questions it was asked."""
    return {q["id"]: PASSING_FILE[q["id"]] for q in attempt.questions}


def wrong_answers(attempt: RemoteProofingAttempt) -> dict[str, str]:
    """An answer that is not the credit file's for every question asked."""
    answers = {}
    for question in attempt.questions:
        right = PASSING_FILE.get(question["id"])
        answers[question["id"]] = next(
            choice for choice in question["choices"] if choice != right
        )
    return answers


def start(client, ssn: str = PASSING_SSN, **posted: str):
    """Post the SSN form; other fields posted are ignored (the profile is checked)."""
    return client.post(reverse("proofing:start"), {"ssn": ssn, **posted})


def latest_attempt() -> RemoteProofingAttempt:
    return RemoteProofingAttempt.objects.order_by("-started_at", "-pk").first()


def pass_remote_proofing(client) -> None:
    """Start with the passing persona and answer every question right."""
    response = start(client)
    assert response.url == reverse("proofing:questions"), response
    attempt = latest_attempt()
    response = client.post(reverse("proofing:questions"), right_answers(attempt))
    assert response.status_code == 302


__all__ = ["NONE_OF_THE_ABOVE"]


def stub_answers(*, ssn: str, date_of_birth: str, last_name: str, ids: list[str]):
    """The stub's right answers for any identity: it derives them reproducibly."""
    import datetime

    from proofing.vendors import experian_stub
    from proofing.vendors.base import Identity

    identity = Identity(
        first_name="",
        last_name=last_name,
        date_of_birth=datetime.date.fromisoformat(date_of_birth),
        ssn=ssn,
        address_line1="",
        city="",
        state="",
        zip_code="",
        phone="",
    )
    seed = experian_stub._seed(identity)
    persona = experian_stub.ExperianStub()._persona(ssn)
    facts = experian_stub._credit_file(seed, persona)
    return {qid: facts[qid] for qid in ids}


class RecordingStub:
    """The stub vendor, noting each identity it is asked about (tests read `seen`)."""

    seen: list = []

    def __new__(cls):
        from proofing.vendors.experian_stub import ExperianStub

        class _Recording(ExperianStub):
            def start(self, identity, *, exclude_question_ids):
                RecordingStub.seen.append(identity)
                return super().start(
                    identity, exclude_question_ids=exclude_question_ids
                )

        return _Recording()
