"""The pages issue 10 touched, under gunicorn on PostgreSQL at scale, loaded by wrk.

`make bench-http` runs it; BENCH_DATABASE_URL names a PostgreSQL database on this
machine (127.0.0.1 or localhost only) that it drops, migrates and fills:

- 200,000 users (unusable passwords), a few hundred of them sharing the name of
  the person of a manual-proofing case;
- 10,000 pending certification uploads from learners of six states, whose state
  comes from their facility, their State Agency role or their home address;
- a Maryland State Training Coordinator, a help-desk agent (the "Help desk" group)
  and a superuser, each signed in with a session bound to a confirmed
  authenticator app, as after a real two-factor sign-in.

It counts each page's SQL queries in-process at a small and the full data size,
starts gunicorn in its production form (DEBUG off, whitenoise's manifest),
checks that each page answers 200 to its persona, runs
`wrk -t2 -c8 -d10s --latency` on it (loopback only), always stops gunicorn, and
writes the section "under gunicorn (postgresql)" of bench/README.md.

BENCH_HTTP_USERS, BENCH_HTTP_DURATION (wrk seconds) change the size and length of
a run; the README's table is only written for the full size.
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder leads sys.path, where this file would shadow
# the standard library's `http` (urllib and Django import it): the root goes there.
sys.path[0] = str(ROOT)

import datetime
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.seed_names import FIRST_NAMES, surname
from bench.server import (
    database_recreate,
    database_url,
    fail,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    production_env,
    to_ms,
    wait_healthy,
)

FULL_USERS = 200_000
USERS = int(os.environ.get("BENCH_HTTP_USERS", FULL_USERS))
SMALL_USERS = max(2_000, USERS // 100)
DURATION = int(os.environ.get("BENCH_HTTP_DURATION", "10"))
LEARNER_EVERY = 20  # one user in 20 is a learner with one pending upload: 10,000
NAMESAKE_EVERY = 500  # one in 500 shares the case person's name: 400
SAME_BIRTH_EVERY = 50_000  # of those, these share the date of birth too
PROOFED_EVERY = 10  # one HARP user in 10 has a proofing record with a fingerprint
STATES = ("MD", "VA", "PA", "DE", "WV", "NC")
CCN_PREFIX = {"MD": "21", "VA": "49", "PA": "39", "DE": "08", "WV": "51", "NC": "34"}
CASE_NAME = ("Maria", "Garcia")
CASE_BIRTH = datetime.date(1980, 5, 17)
CASE_FINGERPRINT = "b" * 64
LIST_TARGET_MS = 100.0
SECTION = "under gunicorn (postgresql)"


URL = database_url()
WORKDIR = Path(tempfile.mkdtemp(prefix="hub-bench-http-"))
PRODUCTION_ENV = production_env(URL, WORKDIR)
os.environ.update(PRODUCTION_ENV)
# The in-process query counts use Django's test client, whose host is "testserver".
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
os.environ.pop("CELERY_BROKER_URL", None)

import django

database_recreate(URL)
django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


@dataclass
class Page:
    label: str
    url: str
    persona: str  # "" for no session
    rows: str = ""
    target: str = ""
    queries_small: int | None = None
    queries_full: int | None = None
    alone_ms: float | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: str = ""


def learner_place(i: int) -> tuple[str, int]:
    """A learner's state and how it is known: 0-2 their facility's, 3 the State
    Agency where they hold a role (a surveyor), 4 only their home address."""
    j = i // LEARNER_EVERY
    return STATES[j % len(STATES)], j % 5


class Seeder:
    """Bulk inserts, by index range, so a small size can be seeded first and grown."""

    def __init__(self) -> None:
        from iqies_roles.models import Organization, Role

        self.password = make_password(None)
        self.now = timezone.now()
        self.agencies = {
            state: Organization.objects.get_or_create(
                kind="state_agency",
                state=state,
                defaults={"name": f"{state} State Agency"},
            )[0]
            for state in STATES
        }
        Organization.objects.bulk_create(
            Organization(
                kind="provider",
                ccn=f"{CCN_PREFIX[state]}{n:04d}",
                name=f"{state} Nursing Home {n}",
                state=state,
            )
            for state in STATES
            for n in range(1, 11)
        )
        self.facilities = {
            state: list(Organization.objects.filter(kind="provider", state=state))
            for state in STATES
        }
        self.agency_role = Role.objects.get(code="state-agency-general-user")
        from harp.us_states import US_STATES

        self.all_states = [code for code, _ in US_STATES]

    def users(self, lo: int, hi: int) -> None:
        from harp.models import User
        from iqies_roles.models import RoleAssignment
        from proofing.models import ProofingRecord
        from qsep.models import CertificationUpload, LearnerProfile

        rng = random.Random(lo)
        batch: list[User] = []
        for i in range(lo, hi):
            learner = i % LEARNER_EVERY == 0
            state = rng.choice(self.all_states)
            if learner and learner_place(i)[1] == 4:
                state = learner_place(i)[0]  # in no state but their home address's
            namesake = i % NAMESAKE_EVERY == 7
            if namesake:
                first, last = CASE_NAME
            else:
                first, last = rng.choice(FIRST_NAMES), surname(rng)
            born = None
            if namesake:
                born = (
                    CASE_BIRTH
                    if i % SAME_BIRTH_EVERY == 7
                    else datetime.date(1950, 1, 1)
                    + datetime.timedelta(rng.randrange(18_000))
                )
            batch.append(
                User(
                    username=f"user{i:06d}",
                    email=f"user{i:06d}@example.org",
                    password=self.password,
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    state=state,
                    kind="learner" if learner else "harp",
                    two_factor_required=not learner,
                    identity_proofed_at=self.now
                    if namesake and i % (2 * SAME_BIRTH_EVERY) == 7
                    else None,
                    date_joined=self.now,
                )
            )
        created = User.objects.bulk_create(batch, batch_size=5_000)
        profiles, roles, uploads, records = [], [], [], []
        for n, user in enumerate(created):
            i = lo + n
            if i % LEARNER_EVERY:
                if i % PROOFED_EVERY == 1:
                    records.append(
                        ProofingRecord(
                            user=user,
                            ssn_fingerprint=CASE_FINGERPRINT if i == 1 else f"{i:064x}",
                            method="remote",
                            proofed_at=self.now,
                        )
                    )
                continue
            state, where = learner_place(i)
            j = i // LEARNER_EVERY
            facility = self.facilities[state][j % 10] if where < 3 else None
            profiles.append(LearnerProfile(user=user, facility=facility))
            if where == 3:  # a surveyor: the State Agency where they hold a role
                roles.append(
                    RoleAssignment(
                        user=user,
                        role=self.agency_role,
                        organization=self.agencies[state],
                    )
                )
            uploads.append(
                CertificationUpload(
                    learner=user,
                    certification="Fire Inspector certification",
                    file=f"proofing/bench-{i:06d}.pdf",
                    content_type="application/pdf",
                    uploaded_at=self.now - datetime.timedelta(minutes=i),
                )
            )
        LearnerProfile.objects.bulk_create(profiles, batch_size=5_000)
        RoleAssignment.objects.bulk_create(roles, batch_size=5_000)
        CertificationUpload.objects.bulk_create(uploads, batch_size=5_000)
        ProofingRecord.objects.bulk_create(records, batch_size=5_000)


def personas() -> tuple[dict[str, str], str]:
    """The signed-in sessions (persona -> session key) and the case's public ID."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from harp.groups import HELP_DESK
    from harp.models import User
    from iqies_roles.models import Organization, Role, RoleAssignment
    from proofing.models import (
        ManualProofingCase,
        ProofingDocument,
        RemoteProofingAttempt,
    )

    password = make_password(None)
    coordinator = User.objects.create(
        username="benchcoordinator",
        email="coordinator@example.org",
        password=password,
        first_name="Cora",
        last_name="Coordinator",
    )
    coordinator.groups.add(Group.objects.get(name="Training coordinators"))
    RoleAssignment.objects.create(
        user=coordinator,
        role=Role.objects.get(code="qsep-state-training-coordinator"),
        organization=Organization.objects.get(kind="state_agency", state="MD"),
    )
    desk = User.objects.create(
        username="benchhelpdesk",
        email="helpdesk@example.org",
        password=password,
        first_name="Hal",
        last_name="Desk",
        is_staff=True,
    )
    desk.groups.add(Group.objects.get(name=HELP_DESK))
    admin = User.objects.create(
        username="benchadmin",
        email="admin@example.org",
        password=password,
        first_name="Ada",
        last_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    person = User.objects.create(
        username="mgarcia1980",
        email="maria.garcia@example.org",
        password=password,
        first_name=CASE_NAME[0],
        last_name=CASE_NAME[1],
        date_of_birth=CASE_BIRTH,
        address_line1="7500 Security Blvd",
        city="Baltimore",
        state="MD",
        zip_code="21244",
        phone="410-555-0142",
    )
    RemoteProofingAttempt.objects.create(
        user=person,
        ssn_fingerprint=CASE_FINGERPRINT,
        identity_key="c" * 64,
        vendor="proofing.vendors.experian_stub.ExperianStub",
        status="failed",
    )
    now = timezone.now()
    case = ManualProofingCase.objects.create(
        user=person,
        status=ManualProofingCase.Status.IN_REVIEW,
        ssn_last4="0001",
        submitted_at=now - datetime.timedelta(hours=2),
        claimed_by=desk,
        claimed_at=now - datetime.timedelta(minutes=5),
    )
    ProofingDocument.objects.bulk_create(
        ProofingDocument(
            case=case,
            kind=kind,
            id_type=id_type,
            file=f"proofing/bench-{n}.pdf",
            original_name=f"document-{n}.pdf",
            content_type="application/pdf",
            size=120_000,
        )
        for n, (kind, id_type) in enumerate(
            (("photo_id", "drivers_license"), ("financial", ""), ("financial", ""))
        )
    )
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    sessions = {}
    for name, user in (
        ("coordinator", coordinator),
        ("helpdesk", desk),
        ("admin", admin),
    ):
        device = TOTPDevice.objects.create(user=user, name="Phone app", confirmed=True)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        sessions[name] = session.session_key
    return sessions, str(case.public_id)


def count_queries(page: Page, sessions: dict[str, str]) -> int:
    client = Client()
    if page.persona:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.persona]
    client.get(page.url)  # warm caches the way a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.url)
    if response.status_code != 200:
        fail(
            f"{page.url} as {page.persona or 'nobody'} answered {response.status_code}"
        )
    return len(captured.captured_queries)


def fetch(base: str, page: Page, sessions: dict[str, str]) -> tuple[int, float]:
    """One plain request, redirects not followed: (status, milliseconds)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    request = urllib.request.Request(base + page.url)  # noqa: S310 (http://127.0.0.1)
    if page.persona:
        request.add_header("Cookie", f"sessionid={sessions[page.persona]}")
    opener = urllib.request.build_opener(NoRedirect)
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - start) * 1000


def wrk(base: str, page: Page, sessions: dict[str, str]) -> None:
    command = ["wrk", "-t2", "-c8", f"-d{DURATION}s", "--latency"]
    if page.persona:
        command += ["-H", f"Cookie: sessionid={sessions[page.persona]}"]
    output = subprocess.run(  # noqa: S603 (our own arguments)
        [*command, base + page.url],
        capture_output=True,
        text=True,
        timeout=DURATION + 60,
        check=True,
    ).stdout
    page.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    page.p50_ms = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    page.p99_ms = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    page.errors = "; ".join(
        part
        for part in (
            f"{bad.group(1)} non-2xx/3xx" if bad else "",
            errors.group(0) if errors else "",
        )
        if part
    )
    print(output)


def readme_write(pages: list[Page], machine: str) -> None:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} ms"

    lines = [
        f"### {SECTION}\n",
        "\n",
        f"{machine}\n",
        "\n",
        "| URL | rows | SQL queries (small / full) | alone | req/s | p50 | p99 "
        "| target |\n",
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
    ]
    for page in pages:
        met = ""
        if page.target and page.p50_ms is not None:
            met = " (met)" if page.p50_ms < LIST_TARGET_MS else " (**missed**)"
        errors = f" ({page.errors})" if page.errors else ""
        url, _, who = page.label.partition(" (")
        persona = f" ({who}" if who else ""
        lines.append(
            f"| `{url}`{persona} | {page.rows} | {page.queries_small} / "
            f"{page.queries_full} | {ms(page.alone_ms)} | {page.rps:.0f}{errors} | "
            f"{ms(page.p50_ms)} | {ms(page.p99_ms)} | "
            f"{page.target or 'baseline'}{met} |\n"
        )
    lines.append("\n")
    section = "".join(lines)
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    header = f"### {SECTION}\n"
    if header in text:
        before, _, after = text.partition(header)
        following = after.find("\n### ")
        rest = after[following + 1 :] if following != -1 else ""
        text = before + section + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    if shutil.which("wrk") is None:
        fail("wrk is missing: `make bench-http` installs Debian's wrk when it can.")
    started = time.perf_counter()
    print(f"Migrating {urlsplit(URL).path.strip('/')} ...", flush=True)
    call_command("migrate", verbosity=0)
    print("Collecting static files (manifest, compressed) ...", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)

    from django.db.models import Q

    from harp.models import User
    from qsep.models import CertificationUpload
    from qsep.selectors import certification_upload_list_pending

    seeder = Seeder()
    sessions, case_id = personas()
    pages = [
        Page("/healthz", "/healthz", ""),
        Page(
            "/training/certifications/review/",
            "/training/certifications/review/",
            "coordinator",
            target="p50 under 100 ms",
        ),
        Page(
            "/helpdesk/proofing/<case>/",
            f"/helpdesk/proofing/{case_id}/",
            "helpdesk",
            target="p50 under 100 ms",
        ),
        Page(
            "/admin/harp/user/ (help desk)",
            "/admin/harp/user/",
            "helpdesk",
            target="p50 under 100 ms",
        ),
        Page(
            "/admin/harp/user/ (superuser)",
            "/admin/harp/user/",
            "admin",
            target="p50 under 100 ms",
        ),
        Page(
            "/admin/harp/user/?q=smith (superuser)",
            "/admin/harp/user/?q=smith",
            "admin",
            target="p50 under 100 ms",
        ),
    ]

    for lo, hi in ((0, SMALL_USERS), (SMALL_USERS, USERS)):
        print(f"Seeding users {lo:,} to {hi:,} ...", flush=True)
        for start in range(lo, hi, 20_000):
            seeder.users(start, min(hi, start + 20_000))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        for page in pages:
            count = count_queries(page, sessions)
            if hi == SMALL_USERS:
                page.queries_small = count
            else:
                page.queries_full = count

    users = User.objects.count()
    pending = CertificationUpload.objects.filter(status="pending").count()
    maryland = certification_upload_list_pending(
        reviewer=User.objects.get(username="benchcoordinator")
    ).count()
    namesakes = User.objects.filter(
        first_name__iexact=CASE_NAME[0], last_name__iexact=CASE_NAME[1]
    ).count()
    smith_count = User.objects.filter(
        Q(username__icontains="smith")
        | Q(email__icontains="smith")
        | Q(first_name__icontains="smith")
        | Q(last_name__icontains="smith")
    ).count()
    pages[0].rows = "—"
    pages[1].rows = f"{pending:,} pending uploads, {maryland:,} in MD"
    pages[2].rows = f"{users:,} users, {namesakes:,} named {' '.join(CASE_NAME)}"
    pages[3].rows = f"{users:,} users"
    pages[4].rows = f"{users:,} users"
    pages[5].rows = f"{users:,} users, {smith_count:,} match"
    print(f"Seeded in {time.perf_counter() - started:.0f} s.", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = WORKDIR / "gunicorn.log"
    process = gunicorn_start(port, log, PRODUCTION_ENV)
    try:
        wait_healthy(base, process, log)
        for page in pages:
            status, _ = fetch(base, page, sessions)
            if status != 200:
                fail(
                    f"{page.url} as {page.persona or 'nobody'} answered {status} under "
                    f"gunicorn, not 200:\n{log.read_text()[-3000:]}"
                )
            page.alone_ms = statistics.median(
                fetch(base, page, sessions)[1] for _ in range(20)
            )
            print(f"== {page.label}", flush=True)
            wrk(base, page, sessions)
            status, _ = fetch(base, page, sessions)
            if status != 200:
                fail(f"{page.url} answered {status} after the load, not 200.")
    finally:
        gunicorn_stop(process)

    import gunicorn

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    machine = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{server.split()[0]}, gunicorn {gunicorn.__version__} "
        f"(2 sync workers, DEBUG off), `wrk -t2 -c8 -d{DURATION}s --latency` on the "
        'same machine over loopback. "alone" is the median of 20 requests one at a '
        "time; p50/p99 are wrk's, with 8 connections queueing for 2 workers. SQL "
        f"queries are counted in-process at {SMALL_USERS:,} and {users:,} users."
    )
    table = "\n".join(
        f"{page.label}: {page.rows}; queries {page.queries_small}/{page.queries_full}; "
        f"alone {page.alone_ms:.1f} ms; {page.rps:.0f} req/s; "
        f"p50 {page.p50_ms:.1f} ms; "
        f"p99 {page.p99_ms:.1f} ms {page.errors}"
        for page in pages
    )
    print(machine + "\n" + table)
    if USERS == FULL_USERS:
        readme_write(pages, machine)
        print("Wrote bench/README.md.")
    else:
        print(f"Not written to bench/README.md: {USERS:,} users, not {FULL_USERS:,}.")
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
