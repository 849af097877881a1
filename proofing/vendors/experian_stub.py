"""An offline, deterministic stand-in for Experian's knowledge-based proofing.

It accepts only SSNs that were never issued (area 666, or 900-999), so nobody types a
real one into a test system. Four personas, by SSN, behave as documented in the
README; any other identity gets a credit file derived from its SSN, date of birth
and last name, so the same person always sees consistent questions and a wrong set
of answers fails.

The session reference handed back to the portal is a signed token carrying the seed
and the question ids; scoring re-derives the credit file from it, so the stub keeps
no state and the portal never stores answers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from django.core import signing

from proofing.vendors.base import (
    Identity,
    ProofingVendor,
    Question,
    Refusal,
    ScoreResult,
    StartResult,
)

NONE_OF_THE_ABOVE = "None of the above"
PASS_MARK = 4
QUESTIONS_PER_SET = 5
SIGNING_SALT = "proofing.experian_stub"

# SSNs of the documented test personas (digits only).
PERSONA_PASSES = "666010001"
PERSONA_NO_QUESTIONS = "666010002"
PERSONA_FRAUD = "666010003"
PERSONA_PHONE_REFERENCE = "666010004"
PHONE_REFERENCE_NUMBER = "4242-0004"


@dataclass(frozen=True)
class Topic:
    prompt: str
    options: list[str]


TOPICS: dict[str, Topic] = {
    "street": Topic(
        "Which of these streets have you lived on?",
        [
            "Maple Avenue",
            "Oak Street",
            "Harbor View Road",
            "Linden Court",
            "Cedar Lane",
            "Foxhall Drive",
            "Mill Race Road",
            "Juniper Way",
            "Old Post Road",
            "Windsor Terrace",
        ],
    ),
    "lender": Topic(
        "Which of these companies holds or has held a loan in your name?",
        [
            "Chesapeake Federal Credit Union",
            "Tidewater Savings",
            "Keystone Auto Finance",
            "Blue Ridge Mortgage",
            "Allegheny Trust",
            "Patapsco Bank",
            "Summit Consumer Credit",
            "Greenway Lending",
        ],
    ),
    "auto_payment": Topic(
        "What was the monthly payment on your most recent auto loan?",
        [
            "$100 - $199",
            "$200 - $299",
            "$300 - $399",
            "$400 - $499",
            "$500 - $599",
            "$600 - $699",
            "$700 - $799",
        ],
    ),
    "mortgage": Topic(
        "In which range was the amount of your mortgage?",
        [
            "$100,000 - $149,999",
            "$150,000 - $199,999",
            "$200,000 - $249,999",
            "$250,000 - $299,999",
            "$300,000 - $349,999",
            "$350,000 - $399,999",
            "$400,000 - $449,999",
        ],
    ),
    "employer": Topic(
        "Which of these employers have you worked for?",
        [
            "Harbor Point Hospital",
            "Westfield Nursing Center",
            "Riverbend Home Health",
            "Lakeside Dialysis",
            "Pinecrest Rehabilitation",
            "Summit Hospice",
            "County Health Department",
            "Bayside Clinic",
        ],
    ),
    "county": Topic(
        "In which of these counties have you lived?",
        [
            "Howard County",
            "Anne Arundel County",
            "Frederick County",
            "Carroll County",
            "Harford County",
            "Washington County",
            "Cecil County",
            "Talbot County",
        ],
    ),
    "student_loan": Topic(
        "Which of these companies serviced a student loan of yours?",
        [
            "Campus Loan Services",
            "Scholar Finance",
            "Ivy Servicing",
            "EduTrust",
            "Heritage Student Aid",
            "Collegiate Funding",
            "Pinnacle Education Loans",
        ],
    ),
    "card_year": Topic(
        "In which year did you open your oldest credit card account?",
        ["1998", "2001", "2004", "2007", "2009", "2012", "2015"],
    ),
}
# Two facts per topic, so a retry can ask new questions on the same subjects.
QUESTION_IDS = [f"{topic}.{n}" for topic in TOPICS for n in (1, 2)]

# The passing persona's credit file: every question's right answer (README lists it).
PASSING_FILE = {
    "street.1": "Maple Avenue",
    "street.2": "Linden Court",
    "lender.1": "Chesapeake Federal Credit Union",
    "lender.2": NONE_OF_THE_ABOVE,
    "auto_payment.1": "$300 - $399",
    "auto_payment.2": "$200 - $299",
    "mortgage.1": "$200,000 - $249,999",
    "mortgage.2": NONE_OF_THE_ABOVE,
    "employer.1": "Harbor Point Hospital",
    "employer.2": "Bayside Clinic",
    "county.1": "Howard County",
    "county.2": "Frederick County",
    "student_loan.1": NONE_OF_THE_ABOVE,
    "student_loan.2": "Scholar Finance",
    "card_year.1": "2009",
    "card_year.2": "2001",
}


def _digits(ssn: str) -> str:
    return "".join(ch for ch in ssn if ch.isdigit())


def _seed(identity: Identity) -> str:
    material = "|".join(
        [_digits(identity.ssn), identity.date_of_birth.isoformat(), identity.last_name]
    ).casefold()
    return hashlib.sha256(material.encode()).hexdigest()


def _credit_file(seed: str, persona: str) -> dict[str, str]:
    if persona == "passes":
        return PASSING_FILE
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrecy
    facts = {}
    for question_id in QUESTION_IDS:
        topic = TOPICS[question_id.split(".")[0]]
        facts[question_id] = (
            NONE_OF_THE_ABOVE if rng.random() < 0.2 else rng.choice(topic.options)
        )
    return facts


def _question(question_id: str, seed: str, facts: dict[str, str]) -> Question:
    topic_name = question_id.split(".")[0]
    topic = TOPICS[topic_name]
    answer = facts[question_id]
    # A decoy must be false: nothing the person's file holds on this topic.
    true_on_topic = {
        fact for qid, fact in facts.items() if qid.split(".")[0] == topic_name
    }
    rng = random.Random(f"{seed}:{question_id}")  # noqa: S311
    decoys = [option for option in topic.options if option not in true_on_topic]
    # Always four named choices, so their number never gives the answer away.
    choices = (
        rng.sample(decoys, 4)
        if answer == NONE_OF_THE_ABOVE
        else [answer, *rng.sample(decoys, 3)]
    )
    rng.shuffle(choices)
    return Question(
        id=question_id, prompt=topic.prompt, choices=[*choices, NONE_OF_THE_ABOVE]
    )


class ExperianStub(ProofingVendor):
    name = "Experian (test stub)"
    help_phone = "1-800-555-0199"

    def ssn_problem(self, ssn: str) -> str | None:
        digits = _digits(ssn)
        if len(digits) != 9:
            return "Enter the 9 digits of the Social Security number."
        area = int(digits[:3])
        if area != 666 and area < 900:
            return (
                "This is a test system: it accepts only Social Security numbers that "
                "were never issued, starting with 666 or 900 to 999. Never enter a "
                "real SSN here."
            )
        return None

    def _persona(self, ssn: str) -> str:
        return {
            PERSONA_PASSES: "passes",
            PERSONA_NO_QUESTIONS: "no_questions",
            PERSONA_FRAUD: "fraud",
            PERSONA_PHONE_REFERENCE: "phone_reference",
        }.get(_digits(ssn), "")

    def start(
        self, identity: Identity, *, exclude_question_ids: set[str]
    ) -> StartResult:
        persona = self._persona(identity.ssn)
        if persona == "no_questions":
            return StartResult(refusal=Refusal.NO_QUESTIONS)
        if persona == "fraud":
            return StartResult(refusal=Refusal.FRAUD)
        seed = _seed(identity)
        available = [qid for qid in QUESTION_IDS if qid not in exclude_question_ids]
        if len(available) < QUESTIONS_PER_SET:
            return StartResult(refusal=Refusal.NO_QUESTIONS)
        rng = random.Random(f"{seed}:{sorted(exclude_question_ids)}")  # noqa: S311
        chosen = rng.sample(available, QUESTIONS_PER_SET)
        facts = _credit_file(seed, persona)
        session_ref = signing.dumps(
            {"seed": seed, "persona": persona, "ids": chosen}, salt=SIGNING_SALT
        )
        return StartResult(
            session_ref=session_ref,
            questions=[_question(qid, seed, facts) for qid in chosen],
        )

    def score(self, session_ref: str, answers: dict[str, str]) -> ScoreResult:
        session = signing.loads(session_ref, salt=SIGNING_SALT)
        facts = _credit_file(session["seed"], session["persona"])
        failed = [qid for qid in session["ids"] if answers.get(qid) != facts[qid]]
        return ScoreResult(
            passed=len(session["ids"]) - len(failed) >= PASS_MARK,
            failed_question_ids=failed,
        )

    def check_reference_number(self, session_ref: str, reference_number: str) -> bool:
        session = signing.loads(session_ref, salt=SIGNING_SALT)
        typed = "".join(ch for ch in reference_number if ch.isalnum())
        return session["persona"] == "phone_reference" and typed == "42420004"
