"""Demo training: real courses with real questions, a surveyor training plan, and a
course that needs an uploaded certification."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

# The roles' loader (State Agencies, providers, the coordinator's role) registers
# first, so it runs before this module's, whichever module is imported first.
import iqies_roles.demo  # noqa: F401
from harp import demo
from harp.models import User
from qsep import services
from qsep.models import (
    Category,
    Choice,
    Course,
    EvaluationQuestion,
    PlanCourse,
    ProviderType,
    Question,
    TrainingPlan,
)

EVALUATION = [
    ("The course met its stated objectives.", "rating"),
    ("The content will help me in my work.", "rating"),
    ("What would you change about this course?", "text"),
]

# Each question: (text, [choices], index of the right choice).
COURSES: list[dict[str, Any]] = [
    {
        "slug": "basic-surveyor-orientation",
        "title": "Basic Surveyor Orientation",
        "description": "An introduction for new State Agency surveyors to the survey "
        "and certification process: why providers are surveyed, how a standard survey "
        "runs, and how deficiencies are cited.",
        "ceus": "2.0",
        "minutes": 120,
        "categories": ["Surveyor training"],
        "provider_types": ["All provider types"],
        "modules": [
            (
                "Why we survey",
                "<p>Medicare and Medicaid pay only providers that meet the "
                "Conditions of Participation or Requirements for Participation. "
                "State Agencies survey providers on behalf of CMS to check that they "
                "do, and to protect the health and safety of residents and "
                "patients.</p>",
            ),
            (
                "The standard survey",
                "<p>A standard survey is unannounced. The team holds an entrance "
                "conference, observes care, interviews residents, families and staff, "
                "and reviews records. Findings are shared at the exit conference.</p>"
                "<ul><li>Observation</li><li>Interview</li><li>Record review</li></ul>",
            ),
            (
                "Citing deficiencies",
                "<p>When a requirement is not met, the surveyor cites a deficiency "
                "on the Statement of Deficiencies (Form CMS-2567), describing the "
                "evidence. Each deficiency is rated for scope and severity, and the "
                "provider answers with a plan of correction.</p>",
            ),
        ],
        "pre": [
            (
                "Who do State Agencies survey providers on behalf of?",
                [
                    "CMS",
                    "The provider's insurer",
                    "The local hospital",
                    "The Joint Board",
                ],
                0,
            ),
            (
                "Is a standard survey announced in advance?",
                ["Yes, a month ahead", "Yes, a week ahead", "No, it is unannounced"],
                2,
            ),
        ],
        "post": [
            (
                "Which three sources of evidence does a surveyor use?",
                [
                    "Observation, interview and record review",
                    "Phone calls, emails and letters",
                    "Billing data only",
                    "The provider's self-assessment",
                ],
                0,
            ),
            (
                "On which form are deficiencies written?",
                ["Form CMS-2567", "Form W-2", "Form CMS-1500", "Form I-9"],
                0,
            ),
            (
                "What does the provider send in answer to cited deficiencies?",
                [
                    "A plan of correction",
                    "A refund request",
                    "A new license application",
                    "Nothing",
                ],
                0,
            ),
            (
                "Each deficiency is rated for…",
                ["Scope and severity", "Cost and length", "Staff and shift", "Age"],
                0,
            ),
            (
                "When are findings first shared with the provider?",
                [
                    "At the exit conference",
                    "A year later",
                    "Never; they are confidential",
                    "At the entrance conference",
                ],
                0,
            ),
        ],
    },
    {
        "slug": "life-safety-code-fundamentals",
        "title": "Life Safety Code Fundamentals",
        "description": "The fire-safety requirements of the Life Safety Code "
        "(NFPA 101) for health care occupancies: compartments, egress, fire drills.",
        "ceus": "1.5",
        "minutes": 90,
        "categories": ["Life safety"],
        "provider_types": ["Hospitals", "Nursing homes"],
        "modules": [
            (
                "Defend in place",
                "<p>Health care occupancies protect patients who cannot leave quickly "
                "by dividing buildings into smoke compartments. Patients are moved "
                "horizontally to an adjacent compartment rather than evacuated.</p>",
            ),
            (
                "Means of egress",
                "<p>Exit routes must be kept clear, marked, and lit. Corridor doors "
                "must close and latch; exit doors must not be locked against egress "
                "except under the code's special provisions.</p>",
            ),
        ],
        "pre": [
            (
                "What is the first strategy in a health care fire?",
                ["Evacuate everyone outside", "Defend in place", "Open all windows"],
                1,
            ),
        ],
        "post": [
            (
                "Which NFPA standard is the Life Safety Code?",
                ["NFPA 101", "NFPA 70", "NFPA 13", "NFPA 25"],
                0,
            ),
            (
                "Where are patients moved first during a fire?",
                [
                    "To an adjacent smoke compartment",
                    "To the roof",
                    "To the elevator lobby",
                    "Nowhere; they stay in their rooms",
                ],
                0,
            ),
            (
                "Corridor doors in a smoke compartment must…",
                ["Close and latch", "Be propped open", "Be removed", "Be locked"],
                0,
            ),
            (
                "Exit routes must be…",
                [
                    "Clear, marked and lit",
                    "Used for storage at night",
                    "Locked after 10 PM",
                    "Known only to staff",
                ],
                0,
            ),
        ],
    },
    {
        "slug": "infection-prevention-long-term-care",
        "title": "Infection Prevention and Control in Long Term Care",
        "description": "Standard precautions, hand hygiene, and outbreak response in "
        "nursing homes, for surveyors and provider staff.",
        "ceus": "1.0",
        "minutes": 60,
        "categories": ["Infection control"],
        "provider_types": ["Nursing homes"],
        "modules": [
            (
                "Hand hygiene",
                "<p>Alcohol-based hand rub is preferred for routine hand hygiene. "
                "Wash with soap and water when hands are visibly soiled and after "
                "caring for residents with <em>C. difficile</em>.</p>",
            ),
            (
                "Outbreak response",
                "<p>Identify cases early, cohort affected residents, use "
                "transmission-based precautions, and report to the health department "
                "as state rules require.</p>",
            ),
        ],
        "pre": [],
        "post": [
            (
                "When must hands be washed with soap and water rather than rubbed?",
                [
                    "When visibly soiled or after care for C. difficile",
                    "Never",
                    "Only at the end of a shift",
                ],
                0,
            ),
            (
                "What is cohorting?",
                [
                    "Grouping residents with the same infection together",
                    "Moving all residents to a hospital",
                    "Closing the facility",
                ],
                0,
            ),
            (
                "Which is preferred for routine hand hygiene?",
                [
                    "Alcohol-based hand rub",
                    "Cold water only",
                    "Gloves instead of hygiene",
                ],
                0,
            ),
        ],
    },
    {
        "slug": "snf-assessment-submission",
        "title": "Assessment Submission for Skilled Nursing Facilities",
        "description": "For provider staff: how assessments for skilled nursing and "
        "Long Term Care residents are completed, validated and submitted on time.",
        "ceus": "1.0",
        "minutes": 45,
        "categories": ["Provider training"],
        "provider_types": ["Nursing homes"],
        "modules": [
            (
                "Timing",
                "<p>Each assessment has an assessment reference date and a window "
                "for completion and submission. Late submissions are flagged.</p>",
            ),
            (
                "Validation",
                "<p>Files are checked on submission. Fatal errors reject a record; "
                "warnings are reported back and should be corrected.</p>",
            ),
        ],
        "pre": [],
        "post": [
            (
                "What happens to a record with a fatal error?",
                ["It is rejected", "It is accepted with a warning", "It is deleted"],
                0,
            ),
            (
                "What anchors an assessment's timing?",
                [
                    "The assessment reference date",
                    "The resident's birthday",
                    "The facility's fiscal year",
                ],
                0,
            ),
        ],
    },
    {
        "slug": "advanced-fire-inspection",
        "title": "Advanced Fire Inspection for Health Care Occupancies",
        "description": "For surveyors who inspect fire-safety systems: sprinklers, "
        "alarms and inspection records. Requires a Fire Inspector certification.",
        "ceus": "2.5",
        "minutes": 150,
        "categories": ["Life safety"],
        "provider_types": ["Hospitals", "Nursing homes"],
        "prerequisites": ["life-safety-code-fundamentals"],
        "certification": "Fire Inspector certification",
        "modules": [
            (
                "Sprinkler systems",
                "<p>Automatic sprinkler systems are inspected, tested and maintained "
                "under NFPA 25. Review the records for each required interval.</p>",
            ),
        ],
        "pre": [],
        "post": [
            (
                "Which standard covers inspecting, testing and maintaining sprinklers?",
                ["NFPA 25", "NFPA 101", "NFPA 99", "NFPA 1"],
                0,
            ),
        ],
    },
]


def _load_course(data: dict[str, Any]) -> Course:
    course, _ = Course.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "title": data["title"],
            "description": data["description"],
            "ceus": Decimal(data["ceus"]),
            "duration_minutes": data["minutes"],
            "required_certification": data.get("certification", ""),
            "passing_score": 80,
            "max_attempts": 3,
        },
    )
    course.categories.set(
        Category.objects.get_or_create(name=name)[0] for name in data["categories"]
    )
    course.provider_types.set(
        ProviderType.objects.get_or_create(name=name)[0]
        for name in data["provider_types"]
    )
    course.prerequisites.set(
        Course.objects.filter(slug__in=data.get("prerequisites", []))
    )
    course.modules.all().delete()
    for position, (title, body) in enumerate(data["modules"], start=1):
        services.module_create(course=course, position=position, title=title, body=body)
    course.questions.all().delete()
    for test in ("pre", "post"):
        for position, (text, choices, right) in enumerate(data[test], start=1):
            question = Question.objects.create(
                course=course, test=test, position=position, text=text
            )
            Choice.objects.bulk_create(
                Choice(question=question, text=choice, is_correct=index == right)
                for index, choice in enumerate(choices)
            )
    course.evaluation_questions.all().delete()
    for position, (text, kind) in enumerate(EVALUATION, start=1):
        EvaluationQuestion.objects.create(
            course=course, position=position, text=text, kind=kind
        )
    return course


@demo.register
@transaction.atomic
def load_training(say: Callable[[str], None]) -> None:
    for data in COURSES:
        _load_course(data)
    plan, _ = TrainingPlan.objects.update_or_create(
        slug="basic-surveyor-training",
        defaults={
            "title": "Basic Surveyor Training",
            "description": "The first courses every new surveyor takes.",
        },
    )
    for position, slug in enumerate(
        [
            "basic-surveyor-orientation",
            "life-safety-code-fundamentals",
            "infection-prevention-long-term-care",
        ],
        start=1,
    ):
        PlanCourse.objects.update_or_create(
            plan=plan,
            course=Course.objects.get(slug=slug),
            defaults={"position": position},
        )
    # The group and its one permission come from migration 0004.
    coordinators = Group.objects.get(name="Training coordinators")
    User.objects.get(username="coordinator").groups.add(coordinators)
    say(f"training     {len(COURSES)} courses, the Basic Surveyor Training plan")


# Learners for the coordinators' reports: (user ID, first, last, CCN, courses done).
DEMO_LEARNERS = [
    ("mbaker01", "Morgan", "Baker", "210001", 2),
    ("jchen0001", "Jordan", "Chen", "215001", 1),
    ("aprice001", "Avery", "Price", "212301", 0),
    ("tnguyen01", "Taylor", "Nguyen", "211501", 3),
    ("rlopez001", "Riley", "Lopez", "210040", 1),
    ("vharris01", "Victoria", "Harris", "495001", 2),
    ("dwalker01", "Dana", "Walker", "490011", 0),
    ("kfoster01", "Kai", "Foster", "215302", 1),  # transferred to Virginia below
]
SURVEYOR_TOTP = "JBSWY3DPEHPK3PXPSURVEYORAAAAAAAA"


@demo.register
@transaction.atomic
def load_training_people(say: Callable[[str], None]) -> None:
    """Learners in Maryland and Virginia, a proxy, a surveyor due for review, and
    dashboard messages, all made through the services a person's actions call."""
    from django.utils import timezone

    from harp.services import dashboard_broadcast_create, dashboard_message_send
    from iqies_roles.models import Organization
    from qsep.models import (
        CoordinatorProxy,
        EmploymentType,
        LearnerProfile,
        LearnerTransfer,
    )
    from qsep.services.learners import learner_profile_ensure
    from qsep.services.profile_review import learner_employment_update
    from qsep.services.proxies import coordinator_proxy_grant
    from qsep.services.transfers import learner_transfer

    admin = User.objects.get(username="admin")
    plan = TrainingPlan.objects.get(slug="basic-surveyor-training")
    courses = list(plan.courses.order_by("plancourse__position"))
    now = timezone.now()
    for username, first, last, ccn, done in DEMO_LEARNERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "first_name": first,
                "last_name": last,
                "kind": User.Kind.LEARNER,
                "two_factor_required": False,
            },
        )
        if created:
            # Nobody signs in as these: they exist to be found in reports.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        learner_profile_ensure(user=user, facility=Organization.objects.get(ccn=ccn))
        for position, course in enumerate(courses):
            enrollment = services.enrollment_create(learner=user, course=course)
            if position < done and enrollment.completed_at is None:
                # Demo history: completion recorded without taking the tests.
                enrollment.completed_at = now
                enrollment.save(update_fields=["completed_at"])
        LearnerProfile.objects.filter(user=user).update(
            courses_completed=min(done, len(courses)),
            last_activity_at=now - timedelta(days=3 * len(username)),
        )

    learner = User.objects.get(username="learner")
    learner_profile_ensure(
        user=learner, facility=Organization.objects.get(ccn="210001")
    )
    learner_employment_update(
        user=learner,
        employment_type=EmploymentType.OTHER,
        survey_types=[],
    )
    surveyor = demo.demo_user(
        username="surveyor",
        totp=SURVEYOR_TOTP,
        first_name="Sage",
        last_name="Surveyor",
        kind=User.Kind.LEARNER,
        two_factor_required=False,
    )
    profile = learner_profile_ensure(
        user=surveyor, facility=Organization.objects.get(ccn="215001")
    )
    # A State surveyor who has not yet confirmed this year: sent to review at sign-in.
    profile.employment_type = EmploymentType.STATE_SURVEYOR
    profile.profile_reviewed_at = None
    profile.save(update_fields=["employment_type", "profile_reviewed_at"])
    profile.survey_types.set(ProviderType.objects.all()[:2])

    coordinator = User.objects.get(username="coordinator")
    virginia = Organization.objects.get(kind="state_agency", state="VA")
    if not CoordinatorProxy.objects.filter(
        coordinator=coordinator, state_agency=virginia, ended_at__isnull=True
    ).exists():
        today = timezone.localdate()
        coordinator_proxy_grant(
            coordinator=coordinator,
            state_agency=virginia,
            starts_on=today,
            ends_on=today + timedelta(days=90),
            reason="Covering Virginia's training while its coordinator is away.",
            actor=admin,
            request=None,
        )
    moved = User.objects.get(username="kfoster01")
    if not LearnerTransfer.objects.filter(learner=moved).exists():
        learner_transfer(
            learner=moved,
            to_agency=virginia,
            reason="Moved to a Virginia facility; asked the help desk by phone.",
            actor=User.objects.get(username="helpdesk"),
            request=None,
        )
    if not learner.dashboard_messages.exists():
        dashboard_message_send(
            recipient=learner,
            subject="Welcome to your dashboard",
            body="Messages about your account and training appear here. Tick a "
            "message to mark it read.",
            link="/training/",
        )
        dashboard_broadcast_create(
            audience="learners",
            subject="New course: Infection Prevention in Long-Term Care",
            body="The course is in the catalog now, with 1.5 CEUs.",
            link="/training/",
            actor=admin,
            request=None,
        )
    say(
        f"learners     {len(DEMO_LEARNERS)} learners in MD and VA for Find by Learner; "
        "coordinator holds a proxy for Virginia"
    )
    say(
        f"surveyor     a State surveyor due for the annual profile review; key "
        f"{SURVEYOR_TOTP}"
    )
