"""The data set of a national portal, seeded with COPY and set-based SQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench_scale \\
        .venv/bin/python bench/seed_scale.py --learners 1000000

It drops, migrates and fills that database (PostgreSQL on 127.0.0.1 or localhost
only; never the production form: it refuses a database that is not local) from a
fixed random seed, so every run seeds the same people. At a million learners
(about 8 minutes on 2 cores):

- 1,000,000 learners (unusable passwords; common and made-up names, so that
  "smith" matches about 1%), spread over 51 State Agencies in proportion to the
  states' populations, 90% of non-surveyors at one of 6,000 providers (CCNs) of
  their state, one in three a surveyor;
- 2,000 courses (one in ten about Long Term Care) and 0 to 10 enrollments per
  learner (5,000,000), one in five completed, each completion with its
  certificate (1,000,000); each learner profile's report columns filled as
  `qsep.services.learners` keeps them;
- 10,000 pending role requests at one provider and 5,000 decided ones elsewhere;
- 20,000 manual-proofing cases in every status (13,000 waiting for the help
  desk), each submitted case with two documents;
- an audit event and a personal My Dashboard message per learner, an outbox
  email per five learners, with a few broadcasts;
- the personas the page benchmark signs in as (unusable passwords, a confirmed
  authenticator app each): `benchadmin` (superuser), `benchhelpdesk` (help
  desk), `benchofficial` (security official of the provider with the 10,000
  pending requests), `benchlearner` (200 enrollments, 100 completed) and
  `benchcoordinator` (State Training Coordinator of California).

The table `bench_seed` records the size and version seeded; a second run with
the same size and version does nothing (`--reseed` seeds again). `bench/pages.py`
and `bench/reports.py` call `ensure_seeded()`.
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    # Run as a script, this file's folder leads sys.path, where bench/http.py
    # would shadow the standard library's `http`: the project's root goes there.
    sys.path[0] = str(ROOT)

import argparse
import bisect
import datetime
import json
import os
import random
import time
from typing import Any

from bench.seed_names import FIRST_NAMES, LAST_NAMES, surname

FULL_LEARNERS = 1_000_000
SEED = 20261201
SEED_VERSION = 2
COURSES = 2_000
CHUNK = 20_000  # learners generated and sent per COPY write
COMPLETION_RATE = 0.2  # of enrollments; each completion has its certificate
PENDING_REQUESTS = 10_000
DECIDED_REQUESTS = 5_000
PROOFING_CASES = 20_000
BENCH_LEARNER_ENROLLMENTS = 200
BENCH_ORGANIZATION_CCN = "210999"
LARGE_STATE = "CA"

# Population in hundred thousands (2020s census, rounded): the seed's state sizes.
STATE_WEIGHTS = {
    "CA": 390, "TX": 300, "FL": 220, "NY": 197, "PA": 130, "IL": 125, "OH": 118,
    "GA": 110, "NC": 107, "MI": 100, "NJ": 93, "VA": 87, "WA": 78, "AZ": 74,
    "TN": 71, "MA": 70, "IN": 69, "MO": 62, "MD": 62, "WI": 59, "CO": 59, "MN": 57,
    "SC": 53, "AL": 51, "LA": 46, "KY": 45, "OR": 42, "OK": 40, "CT": 36, "UT": 34,
    "IA": 32, "NV": 32, "AR": 31, "MS": 29, "KS": 29, "NM": 21, "NE": 20, "ID": 19,
    "WV": 18, "HI": 14, "NH": 14, "ME": 14, "MT": 11, "RI": 11, "DE": 10, "SD": 9,
    "ND": 8, "AK": 7, "DC": 7, "VT": 6, "WY": 6,
}  # fmt: skip
FACILITY_KINDS = (
    "Nursing and Rehabilitation Center",
    "Health Care Center",
    "Home Health Agency",
    "Regional Hospital",
    "Hospice",
    "Assisted Living",
    "Dialysis Center",
    "Care Center",
)
SURVEYOR_TYPES = (
    ("state_surveyor", 0.70),
    ("federal_surveyor", 0.85),
    ("contract_surveyor", 1.0),
)
COURSE_TOPICS = (
    "Long Term Care Survey",
    "Infection Control",
    "Life Safety Code",
    "Home Health Conditions of Participation",
    "Hospice Survey Process",
    "Emergency Preparedness",
    "Psychosocial Outcome Severity",
    "Abuse and Neglect Investigations",
    "Clinical Laboratory Improvement",
    "Dialysis Facility Survey",
)
TABLES = ("harp_user", "qsep_learnerprofile", "qsep_enrollment")
PERSONAS = (
    "benchadmin",
    "benchhelpdesk",
    "benchofficial",
    "benchlearner",
    "benchcoordinator",
)


def seeded_already(url: str, learners: int) -> bool:
    """Whether the database holds this size and version of the seed."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT learners, version FROM bench_seed "
                "ORDER BY seeded_at DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return False
    return row == (learners, SEED_VERSION)


def ensure_seeded(url: str, learners: int, reseed: bool = False) -> bool:
    """Seed `url` unless it holds this seed already; True when it seeded.

    Django must be set up on `url` (DATABASE_URL) before this is called, and the
    database must already exist: `prepare()` makes it when it has to.
    """
    from django.core.management import call_command

    if not reseed and seeded_already(url, learners):
        call_command("migrate", verbosity=0)
        print(f"The database holds {learners:,} learners already: not seeding.")
        return False
    call_command("migrate", verbosity=0)
    seed(url, learners)
    return True


def prepare(url: str, learners: int, reseed: bool = False) -> None:
    """Drop and create the database when it is to be seeded (before django.setup)."""
    from bench.server import database_recreate

    if reseed or not seeded_already(url, learners):
        database_recreate(url)


# -- Seeding -------------------------------------------------------------------


def copy_text(value: Any) -> str:
    """A value in COPY's text format (our values hold no tabs or backslashes)."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "obj"):  # psycopg's Json wrapper
        return json.dumps(value.obj)
    return str(value)


def column_defaults(model: Any, varying: tuple[str, ...]) -> dict[str, str]:
    """Each other column's default as the model would save it, so a column a later
    migration adds is filled too."""
    from django.db import connection

    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in varying:
            continue
        value = field.get_db_prep_save(field.get_default(), connection)
        defaults[field.column] = copy_text(value)
    return defaults


def hour_stamps(now: datetime.datetime, years: int = 6) -> list[str]:
    """One timestamp per hour over the last `years`, oldest first, as COPY text."""
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        days=365 * years
    )
    step = datetime.timedelta(hours=1)
    return [(start + n * step).isoformat() for n in range(365 * years * 24)]


def organizations_seed(
    rng: random.Random, learners: int
) -> tuple[dict[str, int], dict[str, list]]:
    """51 State Agencies and 6 providers per 1,000 learners, with CCNs of their
    state."""
    from iqies_roles.ccn import CCN_STATE_CODES
    from iqies_roles.models import Organization

    provider_count = max(200, learners * 6 // 1000)
    codes: dict[str, str] = {}
    for code, state in CCN_STATE_CODES.items():
        codes.setdefault(state, code)
    Organization.objects.bulk_create(
        Organization(kind="state_agency", state=state, name=f"{state} State Agency")
        for state in STATE_WEIGHTS
    )
    agencies = dict(
        Organization.objects.filter(kind="state_agency").values_list("state", "pk")
    )
    total = sum(STATE_WEIGHTS.values())
    providers = []
    for state, weight in STATE_WEIGHTS.items():
        for n in range(max(3, provider_count * weight // total)):
            place = rng.choice(LAST_NAMES)
            kind = rng.choice(FACILITY_KINDS)
            providers.append(
                Organization(
                    kind="provider",
                    ccn=f"{codes[state]}{n + 1:04d}",
                    name=f"{place} {kind} of {state}",
                    state=state,
                )
            )
    Organization.objects.bulk_create(providers, batch_size=2_000)
    facilities: dict[str, list] = {state: [] for state in STATE_WEIGHTS}
    for pk, state, name in Organization.objects.filter(kind="provider").values_list(
        "pk", "state", "name"
    ):
        facilities[state].append((pk, name.lower()[:220]))
    return agencies, facilities


def courses_seed() -> list[int]:
    """COURSES published courses over ten topics, a few with a prerequisite."""
    from qsep.models import Category, Course

    categories = Category.objects.bulk_create(
        Category(name=topic) for topic in COURSE_TOPICS
    )
    Course.objects.bulk_create(
        (
            Course(
                slug=f"bench-course-{n:04d}",
                title=f"{COURSE_TOPICS[n % len(COURSE_TOPICS)]} {n:04d}",
                description=(
                    f"Part {n} of the {COURSE_TOPICS[n % len(COURSE_TOPICS)]} "
                    "series: what a surveyor checks, and why."
                ),
                duration_minutes=30 + n % 90,
                ceus=n % 4,
            )
            for n in range(1, COURSES + 1)
        ),
        batch_size=1_000,
    )
    courses = list(
        Course.objects.filter(slug__startswith="bench-course-").order_by("pk")
    )
    through = Course.categories.through
    through.objects.bulk_create(
        (
            through(course_id=course.pk, category_id=categories[n % len(categories)].pk)
            for n, course in enumerate(courses, start=1)
        ),
        batch_size=2_000,
    )
    return [course.pk for course in courses]


def indexes_drop(conn: Any) -> list[str]:
    """Drop the three tables' secondary indexes, unique and foreign-key constraints
    (not their primary keys); return the statements that make them again.

    Building an index once over loaded rows is many times faster than keeping
    it up to date row by row (the four trigram indexes on harp_user most of all).
    """
    again: list[str] = []
    drops: list[str] = []
    for table in TABLES:
        for name, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            (table,),
        ).fetchall():
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table in TABLES:
        for name, definition in conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = %s::regclass "
            "AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            (table,),
        ).fetchall():
            drops.append(f"DROP INDEX {name}")
            again.insert(0, definition)  # indexes first, then the constraints
    for statement in drops:
        conn.execute(statement)
    return again


def learners_seed(
    url: str,
    learners: int,
    agencies: dict[str, int],
    facilities: dict[str, list],
    course_ids: list[int],
) -> int:
    """COPY the learners, their profiles and enrollments; return the enrollments."""
    import psycopg
    from django.utils import timezone

    from harp.models import User
    from qsep.models import Enrollment, LearnerProfile

    rng = random.Random(SEED)
    now = timezone.now()
    stamps = hour_stamps(now)
    hours = len(stamps)
    states = list(STATE_WEIGHTS)
    cumulative = []
    running = 0
    for state in states:
        running += STATE_WEIGHTS[state]
        cumulative.append(running)

    user_cols = (
        "id", "password", "username", "email", "first_name", "middle_name",
        "last_name", "state", "kind", "two_factor_required", "date_joined",
        "last_login", "is_active",
    )  # fmt: skip
    profile_cols = (
        "user_id", "facility_id", "state_agency_id", "sort_name", "user_key",
        "facility_sort", "courses_completed", "last_activity_at", "employment_type",
        "profile_reviewed_at", "review_requested_for",
    )  # fmt: skip
    enrollment_cols = (
        "learner_id", "course_id", "created_at", "pretest_done_at",
        "posttest_passed_at", "evaluation_done_at", "completed_at",
    )  # fmt: skip
    user_rest = column_defaults(User, user_cols)
    profile_rest = column_defaults(LearnerProfile, profile_cols)
    enrollment_rest = column_defaults(Enrollment, enrollment_cols)

    def tail(rest: dict[str, str]) -> str:
        return "".join("\t" + value for value in rest.values())

    user_tail, profile_tail, enrollment_tail = (
        tail(user_rest),
        tail(profile_rest),
        tail(enrollment_rest),
    )
    user_sql = f"COPY harp_user ({', '.join((*user_cols, *user_rest))}) FROM STDIN"
    profile_sql = (
        f"COPY qsep_learnerprofile ({', '.join((*profile_cols, *profile_rest))}) "
        "FROM STDIN"
    )
    enrollment_sql = (
        f"COPY qsep_enrollment ({', '.join((*enrollment_cols, *enrollment_rest))}) "
        "FROM STDIN"
    )
    null = r"\N"

    with psycopg.connect(url) as admin:
        base = admin.execute("SELECT COALESCE(MAX(id), 0) FROM harp_user").fetchone()[0]
        again = indexes_drop(admin)
        admin.commit()

    enrollments = 0
    started = time.perf_counter()
    # Three sessions, one COPY each, written in step; no constraint is checked
    # until all three have committed and the constraints are added again.
    with (
        psycopg.connect(url) as c_users,
        psycopg.connect(url) as c_profiles,
        psycopg.connect(url) as c_enrollments,
        c_users.cursor().copy(user_sql) as users_copy,
        c_profiles.cursor().copy(profile_sql) as profiles_copy,
        c_enrollments.cursor().copy(enrollment_sql) as enrollments_copy,
    ):
        for lo in range(0, learners, CHUNK):
            users, profiles, rows = [], [], []
            for i in range(lo, min(learners, lo + CHUNK)):
                user_id = base + i + 1
                state = states[bisect.bisect(cumulative, rng.random() * running)]
                home = state if rng.random() < 0.95 else rng.choice(states)
                first = rng.choice(FIRST_NAMES)
                last = surname(rng)
                middle = rng.choice(FIRST_NAMES) if rng.random() < 0.3 else ""
                username = f"{first[0]}{last}{i + 1}".lower()
                joined = rng.randrange(hours - 24 * 30)
                surveyor = user_id % 3 == 0
                if surveyor:
                    pick = rng.random()
                    employment = next(t for t, p in SURVEYOR_TYPES if pick < p)
                    facility = None
                else:
                    employment = "other" if user_id % 2 == 0 else ""
                    facility = (
                        rng.choice(facilities[state]) if rng.random() < 0.9 else None
                    )
                taken = rng.sample(course_ids, rng.randint(0, 10))
                completed = 0
                latest = joined
                for course_id in taken:
                    created = rng.randrange(joined, hours)
                    if rng.random() < COMPLETION_RATE:
                        done = min(hours - 1, created + rng.randrange(1, 24 * 60))
                        pretest = min(done, created + 1)
                        completed += 1
                        latest = max(latest, done)
                        end = stamps[done]
                        rows.append(
                            f"{user_id}\t{course_id}\t{stamps[created]}\t"
                            f"{stamps[pretest]}\t{end}\t{end}\t{end}{enrollment_tail}\n"
                        )
                    else:
                        started_pretest = rng.random() < 0.5
                        pretest_hour = min(hours - 1, created + started_pretest)
                        pretest = stamps[pretest_hour] if started_pretest else null
                        latest = max(latest, pretest_hour)
                        rows.append(
                            f"{user_id}\t{course_id}\t{stamps[created]}\t"
                            f"{pretest}\t{null}\t{null}\t{null}{enrollment_tail}\n"
                        )
                enrollments += len(taken)
                sort_name = " ".join(p for p in (last, first, middle) if p).lower()
                email = f"{first}.{last}.{i + 1}@example.org".lower()
                users.append(
                    f"{user_id}\t!\t{username}\t{email}\t{first}\t{middle}\t"
                    f"{last}\t{home}\tlearner\tf\t{stamps[joined]}\t"
                    f"{stamps[latest] if taken else null}\tt{user_tail}\n"
                )
                profiles.append(
                    f"{user_id}\t{facility[0] if facility else null}\t"
                    f"{agencies[state]}\t{sort_name}\t{username}\t"
                    f"{facility[1] if facility else ''}\t{completed}\t"
                    f"{stamps[latest]}\t{employment}\t{null}\t{null}{profile_tail}\n"
                )
            users_copy.write("".join(users))
            profiles_copy.write("".join(profiles))
            enrollments_copy.write("".join(rows))
            done_count = min(learners, lo + CHUNK)
            if done_count % 100_000 == 0 or done_count == learners:
                print(
                    f"  {done_count:,} learners, {enrollments:,} enrollments "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
    print("Building indexes and constraints again ...", flush=True)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SET maintenance_work_mem = '1GB'")
        for statement in again:
            step = time.perf_counter()
            admin.execute(statement)
            print(
                f"  {time.perf_counter() - step:5.1f} s  {statement[:100]}", flush=True
            )
        admin.execute(
            "SELECT setval(pg_get_serial_sequence('harp_user', 'id'), "
            "(SELECT MAX(id) FROM harp_user))"
        )
    return enrollments


# Set-based SQL for the rest: each statement reads the learners COPY wrote.
# Certificate codes are 12 of the code alphabet's characters taken from a digest
# of the enrollment's id: unique, as the unique index checks.
CERTIFICATES_SQL = """
INSERT INTO qsep_certificate
    (enrollment_id, code, learner_name, course_title, ceus, issued_at,
     revoked_at, revoke_reason)
SELECT e.id,
       translate(upper(substr(md5('bench' || e.id::text), 1, 12)),
                 '0123456789ABCDEF', 'ABCDEFGHJKLMNPQR'),
       u.first_name || ' ' || u.last_name, c.title, c.ceus, e.completed_at,
       CASE WHEN e.id %% 500 = 0 THEN e.completed_at + interval '30 days' END,
       CASE WHEN e.id %% 500 = 0 THEN 'Issued in error.' ELSE '' END
FROM qsep_enrollment e
JOIN harp_user u ON u.id = e.learner_id
JOIN qsep_course c ON c.id = e.course_id
WHERE e.completed_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM qsep_certificate x WHERE x.enrollment_id = e.id)
"""

ROLE_REQUESTS_SQL = """
INSERT INTO iqies_roles_rolerequest
    (requester_id, category, role_id, organization_id, status, created_at,
     decided_by_id, decided_at, decision_reason, last_reminded_at)
SELECT u.id, 'provider', %(role)s,
       CASE WHEN n <= %(pending)s THEN %(organization)s
            ELSE p.ids[1 + n %% cardinality(p.ids)] END,
       CASE WHEN n <= %(pending)s THEN 'pending'
            WHEN n %% 3 = 0 THEN 'rejected' ELSE 'approved' END,
       now() - (n || ' minutes')::interval,
       CASE WHEN n > %(pending)s THEN %(official)s END,
       CASE WHEN n > %(pending)s THEN now() - (n || ' seconds')::interval END,
       CASE WHEN n > %(pending)s AND n %% 3 = 0 THEN 'Not employed here.' ELSE '' END,
       NULL
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM harp_user
      WHERE kind = 'learner' ORDER BY id LIMIT %(total)s) u
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM iqies_roles_organization
            WHERE kind = 'provider' AND ccn <> %(ccn)s) p
"""

# 13,000 waiting, 2,000 in review, 1,500 more information, 1,500 collecting,
# 1,000 approved and 1,000 rejected of 20,000.
PROOFING_CASES_SQL = """
INSERT INTO proofing_manualproofingcase
    (public_id, user_id, status, ssn_last4, created_at, submitted_at,
     claimed_by_id, claimed_at, decided_by_id, decided_at, decision_note,
     documents_deleted_at)
SELECT gen_random_uuid(), u.id, s.status, '',
       now() - ((n * 3) || ' minutes')::interval,
       CASE WHEN s.status <> 'collecting'
            THEN now() - ((n * 3 - 1) || ' minutes')::interval END,
       CASE WHEN s.status IN ('in_review', 'approved', 'rejected') THEN %(desk)s END,
       CASE WHEN s.status IN ('in_review', 'approved', 'rejected')
            THEN now() - ((n * 2) || ' minutes')::interval END,
       CASE WHEN s.status IN ('approved', 'rejected', 'more_info') THEN %(desk)s END,
       CASE WHEN s.status IN ('approved', 'rejected', 'more_info')
            THEN now() - (n || ' minutes')::interval END,
       CASE WHEN s.status = 'rejected' THEN 'The documents do not match.'
            WHEN s.status = 'more_info' THEN 'Send a clearer photo ID.' ELSE '' END,
       NULL
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM harp_user
      WHERE kind = 'learner' ORDER BY id OFFSET %(offset)s LIMIT %(total)s) u
CROSS JOIN LATERAL (SELECT CASE
    WHEN u.n %% 20 < 13 THEN 'submitted'
    WHEN u.n %% 20 < 15 THEN 'in_review'
    WHEN u.n %% 40 < 33 THEN 'more_info'
    WHEN u.n %% 20 < 18 THEN 'collecting'
    WHEN u.n %% 2 = 0 THEN 'approved'
    ELSE 'rejected' END AS status) s
"""

DOCUMENTS_SQL = """
INSERT INTO proofing_proofingdocument
    (public_id, case_id, kind, id_type, file, original_name, content_type, size,
     uploaded_at)
SELECT gen_random_uuid(), c.id, d.kind, d.id_type,
       'proofing/bench/' || c.id || '-' || d.n || '.pdf',
       'document-' || d.n || '.pdf', 'application/pdf', 120000, c.created_at
FROM proofing_manualproofingcase c
CROSS JOIN (VALUES (1, 'photo_id', 'drivers_license'), (2, 'financial', ''))
    AS d (n, kind, id_type)
WHERE c.status <> 'collecting'
"""

AUDIT_SQL = """
INSERT INTO harp_auditevent
    (created_at, action, actor_id, actor_label, target_type, target_id,
     target_label, ip_address, user_agent, details)
SELECT now() - (n || ' seconds')::interval,
       (ARRAY['login.succeeded', 'login.failed', 'proofing.remote.passed',
              'role_request.created', 'course.completed'])[1 + n %% 5],
       u.id, u.username, 'harp.user', u.id::text, u.username,
       '127.0.0.1', 'Mozilla/5.0 (bench)', '{}'::jsonb
FROM generate_series(1, %(total)s) AS n
JOIN harp_user u ON u.id = %(first)s + (n %% %(learners)s)
"""

OUTBOX_SQL = """
INSERT INTO harp_outboxmessage
    (created_at, status, next_attempt_at, claimed_at, sent_at, attempts,
     last_error, from_email, "to", cc, bcc, reply_to, headers, attachments,
     subject, body, html_body)
SELECT now() - (n || ' seconds')::interval,
       CASE WHEN n %% 100 = 0 THEN 'failed' ELSE 'sent' END,
       now() - (n || ' seconds')::interval, NULL,
       CASE WHEN n %% 100 = 0 THEN NULL ELSE now() - (n || ' seconds')::interval END,
       1, CASE WHEN n %% 100 = 0 THEN 'SMTP 451 try again later' ELSE '' END,
       'portal@example.org', jsonb_build_array(u.email), '[]', '[]', '[]', '{}', '[]',
       'Your course is complete', 'You completed a course.', ''
FROM generate_series(1, %(total)s) AS n
JOIN harp_user u ON u.id = %(first)s + (n %% %(learners)s)
"""

MESSAGES_SQL = """
INSERT INTO harp_dashboardmessage
    (recipient_id, audience, subject, body, link, created_at, created_by_id,
     submission_key)
SELECT u.id, '', 'Course completed', 'You completed a course.', '',
       now() - ((u.id %% 100000) || ' minutes')::interval, NULL, ''
FROM harp_user u WHERE u.kind = 'learner'
"""


def personas_seed(organization: Any, course_ids: list[int]) -> dict[str, Any]:
    """The users the page benchmark signs in as, with an authenticator app each."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from harp.groups import HELP_DESK
    from harp.models import User
    from iqies_roles.models import Organization, Role, RoleAssignment
    from qsep.models import Certificate, Course, Enrollment
    from qsep.services.learners import learner_profile_ensure

    password = make_password(None)
    now = timezone.now()

    def person(username: str, first: str, last: str, **extra: Any) -> User:
        user = User.objects.create(
            username=username,
            email=f"{username}@example.org",
            password=password,
            first_name=first,
            last_name=last,
            identity_proofed_at=now,
            **extra,
        )
        TOTPDevice.objects.create(user=user, name="Phone app", confirmed=True)
        return user

    admin = person("benchadmin", "Ada", "Admin", is_staff=True, is_superuser=True)
    desk = person("benchhelpdesk", "Hal", "Desk", is_staff=True)
    desk.groups.add(Group.objects.get(name=HELP_DESK))
    official = person("benchofficial", "Sol", "Official")
    RoleAssignment.objects.create(
        user=official,
        role=Role.objects.get(code="provider-security-official"),
        organization=organization,
    )
    coordinator = person("benchcoordinator", "Cora", "Coordinator")
    coordinator.groups.add(Group.objects.get(name="Training coordinators"))
    RoleAssignment.objects.create(
        user=coordinator,
        role=Role.objects.get(code="qsep-state-training-coordinator"),
        organization=Organization.objects.get(kind="state_agency", state=LARGE_STATE),
    )
    learner = person("benchlearner", "Lee", "Learner", state=LARGE_STATE)
    courses = {c.pk: c for c in Course.objects.filter(pk__in=course_ids[:200])}
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            learner=learner,
            course_id=course_id,
            created_at=now - dt.timedelta(days=400 - n),
            pretest_done_at=now - dt.timedelta(days=399 - n),
            posttest_passed_at=now - dt.timedelta(days=398 - n) if n % 2 else None,
            evaluation_done_at=now - dt.timedelta(days=398 - n) if n % 2 else None,
            completed_at=now - dt.timedelta(days=398 - n) if n % 2 else None,
        )
        for n, course_id in enumerate(course_ids[:BENCH_LEARNER_ENROLLMENTS])
    )
    Certificate.objects.bulk_create(
        Certificate(
            enrollment=enrollment,
            learner_name="Lee Learner",
            course_title=courses[enrollment.course_id].title,
            ceus=courses[enrollment.course_id].ceus,
            issued_at=enrollment.completed_at,
        )
        for enrollment in enrollments
        if enrollment.completed_at
    )
    learner_profile_ensure(user=learner)
    return {"admin": admin, "desk": desk, "official": official}


def seed(url: str, learners: int) -> None:
    """Fill a migrated, empty database with the data set described above."""
    import psycopg
    from django.db import connection

    from iqies_roles.models import Organization, Role

    rng = random.Random(SEED + 1)
    started = time.perf_counter()
    print(f"Seeding {learners:,} learners ...", flush=True)
    agencies, facilities = organizations_seed(rng, learners)
    course_ids = courses_seed()
    enrollments = learners_seed(url, learners, agencies, facilities, course_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM harp_user WHERE kind = 'learner'")
        first_id, last_id = cursor.fetchone()
    organization = Organization.objects.create(
        kind="provider",
        ccn=BENCH_ORGANIZATION_CCN,
        name="Chesapeake Bench Nursing Center",
        state="MD",
    )
    people = personas_seed(organization, course_ids)
    steps = (
        ("certificates", CERTIFICATES_SQL, {}),
        (
            "role requests",
            ROLE_REQUESTS_SQL,
            {
                "role": Role.objects.get(code="assessment-submitter").pk,
                "organization": organization.pk,
                "ccn": BENCH_ORGANIZATION_CCN,
                "official": people["official"].pk,
                "pending": min(PENDING_REQUESTS, learners // 2),
                "total": min(PENDING_REQUESTS + DECIDED_REQUESTS, learners),
            },
        ),
        (
            "manual-proofing cases",
            PROOFING_CASES_SQL,
            {
                "desk": people["desk"].pk,
                "offset": min(PENDING_REQUESTS + DECIDED_REQUESTS, learners // 2),
                "total": min(PROOFING_CASES, learners // 2),
            },
        ),
        ("proofing documents", DOCUMENTS_SQL, {}),
        (
            "audit events",
            AUDIT_SQL,
            {"total": learners, "first": first_id, "learners": last_id - first_id},
        ),
        (
            "outbox emails",
            OUTBOX_SQL,
            {"total": learners // 5, "first": first_id, "learners": last_id - first_id},
        ),
        ("My Dashboard messages", MESSAGES_SQL, {}),
    )
    with psycopg.connect(url, autocommit=True) as conn:
        for label, sql, params in steps:
            step = time.perf_counter()
            rows = conn.execute(sql, params).rowcount
            print(
                f"  {time.perf_counter() - step:5.1f} s  {rows:,} {label}", flush=True
            )
    from harp.services.messages import dashboard_broadcast_create

    for audience, subject in (
        ("all", "Planned maintenance on Saturday night"),
        ("learners", "New Long Term Care courses"),
        (f"state:{LARGE_STATE}", "California surveyor meeting"),
    ):
        dashboard_broadcast_create(
            audience=audience,
            subject=subject,
            body="Read more on the portal.",
            actor=people["admin"],
            request=None,
        )
    print("VACUUM ANALYZE ...", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (learners integer, "
            "enrollments bigint, version integer, seconds integer, "
            "seeded_at timestamptz DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_seed (learners, enrollments, version, seconds) "
            "VALUES (%s, %s, %s, %s)",
            (learners, enrollments, SEED_VERSION, time.perf_counter() - started),
        )
    print(f"Seeded in {time.perf_counter() - started:.0f} s.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=FULL_LEARNERS)
    parser.add_argument("--reseed", action="store_true", help="seed even if seeded")
    args = parser.parse_args()
    from bench.server import database_url

    url = database_url("hub_bench_scale")
    prepare(url, args.learners, args.reseed)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    ensure_seeded(url, args.learners, args.reseed)


if __name__ == "__main__":
    main()
