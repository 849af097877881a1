"""What a proofing vendor does for the portal, and nothing more.

A vendor starts a session for an identity (questions, or a refusal), scores the
answers, and checks a reference number the person got by phone. A second vendor is
a subclass of `ProofingVendor` named in `PROOFING_VENDOR`; views and services only
see this interface.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    """What the person typed. The SSN lives only as long as this object."""

    first_name: str
    last_name: str
    date_of_birth: datetime.date
    ssn: str
    address_line1: str
    city: str
    state: str
    zip_code: str
    phone: str

    def __repr__(self) -> str:
        # Never let the SSN reach a log or an error report through repr().
        return f"Identity({self.first_name} {self.last_name}, ssn=***)"


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    choices: list[str]


class Refusal(enum.Enum):
    NO_QUESTIONS = "no_questions"
    FRAUD = "fraud"


@dataclass(frozen=True)
class StartResult:
    session_ref: str = ""
    questions: list[Question] = field(default_factory=list)
    refusal: Refusal | None = None


@dataclass(frozen=True)
class ScoreResult:
    passed: bool
    failed_question_ids: list[str] = field(default_factory=list)


class ProofingVendor:
    """The interface. Subclasses talk to the vendor; they never store anything."""

    name = "vendor"
    help_phone = ""

    def ssn_problem(self, ssn: str) -> str | None:
        """A message if this vendor cannot take this SSN, else None."""
        return None

    def start(
        self, identity: Identity, *, exclude_question_ids: set[str]
    ) -> StartResult:
        raise NotImplementedError

    def score(self, session_ref: str, answers: dict[str, str]) -> ScoreResult:
        raise NotImplementedError

    def check_reference_number(self, session_ref: str, reference_number: str) -> bool:
        raise NotImplementedError
