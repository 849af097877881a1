"""Find by Learner, its CSV export and the annual review at a million learners.

`make bench-reports` runs it; BENCH_DATABASE_URL names a PostgreSQL database on
this machine (127.0.0.1 or localhost only) that `bench/seed_scale.py` has filled,
or fills now (BENCH_REPORTS_LEARNERS learners, default 1,000,000; see that file
for the data set; BENCH_REPORTS_RESEED=1 seeds again). The same database serves
`make bench-pages`.

It then signs in a State Training Coordinator of California with a proxy for Texas
(a session bound to a confirmed authenticator app, as after a real two-factor
sign-in), starts gunicorn in its production form with 4 sync workers and measures,
over loopback with `wrk -t2 -c4 -dNs` and a Lua hook for p50/p95/p99: `/healthz`,
Find by Learner with no search under every sort both ways, the searches, the state
filter and the second page. It downloads the CSV export of California (over
100,000 rows at full size) with one streaming client while it samples the
gunicorn workers' resident memory every 100 ms; runs
`qsep.services.profile_review.profile_review_emails_queue` in a separate process
with every learner due, sampling its memory, and then resets what that wrote. It
saves EXPLAIN (ANALYZE, BUFFERS) of the slowest page's SQL and, at full size,
writes the results into bench/README.md.

BENCH_REPORTS_DURATION (wrk seconds, default 10) changes the length of a run.
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder leads sys.path, where bench/http.py would
# shadow the standard library's `http`: the project's root goes there instead.
sys.path[0] = str(ROOT)

import datetime
import html
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.seed_scale import FULL_LEARNERS, ensure_seeded, prepare
from bench.server import (
    WRK_SCRIPT,
    fail,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    gunicorn_workers,
    production_env,
    rss_kib,
    wait_healthy,
    wrk_load,
)
from bench.server import database_url as _database_url
from bench.server import fetch as server_fetch

LEARNERS = int(os.environ.get("BENCH_REPORTS_LEARNERS", FULL_LEARNERS))
DURATION = int(os.environ.get("BENCH_REPORTS_DURATION", "10"))
RESEED = os.environ.get("BENCH_REPORTS_RESEED", "") == "1"
WORKERS = 4
CONNECTIONS = 4
LARGE_STATE = "CA"
PROXY_STATE = "TX"
P95_TARGET_MS = 100.0
CSV_TARGET_S = 30.0
CSV_TARGET_MB = 100.0
REVIEW_TARGET_S = 300.0
SECTION = "## Reports at a million learners (`make bench-reports`)"
RESULTS_START = "<!-- bench-reports results: written by bench/reports.py -->"
RESULTS_END = "<!-- /bench-reports results -->"
REPORTS = "/training/reports/learners/"
# A Redis database of its own for the review's send tasks, emptied after the run.
REVIEW_BROKER = os.environ.get("BENCH_REPORTS_BROKER", "redis://127.0.0.1:6379/5")
EXPORT = "/training/reports/learners/export.csv"


def database_url() -> str:
    return _database_url("hub_bench_scale")


URL = database_url()
WORKDIR = Path(tempfile.mkdtemp(prefix="hub-bench-reports-"))
PRODUCTION_ENV = production_env(URL, WORKDIR)
os.environ.update(PRODUCTION_ENV)
# The in-process query counts and EXPLAIN use Django's test client ("testserver").
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
os.environ.pop("CELERY_BROKER_URL", None)


prepare(URL, LEARNERS, RESEED)

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

# -- Personas -------------------------------------------------------------------


def coordinator_session() -> str:
    """A California State Training Coordinator with a proxy for Texas, signed in
    with a session bound to a confirmed authenticator app."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from harp.models import User
    from iqies_roles.models import Organization, Role, RoleAssignment
    from qsep.models import CoordinatorProxy

    password = make_password(None)
    admin, _ = User.objects.get_or_create(
        username="benchadmin",
        defaults={
            "email": "admin@example.org",
            "password": password,
            "first_name": "Ada",
            "last_name": "Admin",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    coordinator, created = User.objects.get_or_create(
        username="benchcoordinator",
        defaults={
            "email": "coordinator@example.org",
            "password": password,
            "first_name": "Cora",
            "last_name": "Coordinator",
        },
    )
    if created:
        coordinator.groups.add(Group.objects.get(name="Training coordinators"))
        RoleAssignment.objects.create(
            user=coordinator,
            role=Role.objects.get(code="qsep-state-training-coordinator"),
            organization=Organization.objects.get(
                kind="state_agency", state=LARGE_STATE
            ),
        )
    today = timezone.localdate()
    CoordinatorProxy.objects.update_or_create(
        coordinator=coordinator,
        state_agency=Organization.objects.get(kind="state_agency", state=PROXY_STATE),
        defaults={
            "starts_on": today - datetime.timedelta(days=1),
            "ends_on": today + datetime.timedelta(days=365),
            "reason": "Covering Texas during the benchmark.",
            "granted_by": admin,
            "ended_at": None,
        },
    )
    device, _ = TOTPDevice.objects.get_or_create(
        user=coordinator, name="Phone app", defaults={"confirmed": True}
    )
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    session = store()
    session[SESSION_KEY] = str(coordinator.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = coordinator.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return str(session.session_key)


# -- Measuring ------------------------------------------------------------------


@dataclass
class Page:
    label: str
    url: str
    rows: str = ""
    signed_in: bool = True
    queries: int | None = None
    alone_ms: float | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    errors: str = ""


def cookie(session: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session}"


def fetch(base: str, page: Page, session: str) -> tuple[int, float, bytes]:
    """One request, signed in or not as the page is: (status, ms, body)."""
    return server_fetch(base + page.url, cookie(session) if page.signed_in else None)


def wrk(base: str, page: Page, session: str, script: Path) -> None:
    load = wrk_load(
        base + page.url,
        connections=CONNECTIONS,
        duration=DURATION,
        script=script,
        cookie=cookie(session) if page.signed_in else None,
    )
    page.rps, page.p50_ms, page.p95_ms, page.p99_ms = (
        load.rps,
        load.p50_ms,
        load.p95_ms,
        load.p99_ms,
    )
    page.errors = load.errors
    print(load.output, flush=True)


def in_process(page: Page, session: str) -> list[str]:
    """The page's SQL, as Django sent it, from one request in this process."""
    client = Client()
    if page.signed_in:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    client.get(page.url)  # warm caches the way a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.url)
    if response.status_code != 200:
        fail(f"{page.url} answered {response.status_code} in-process, not 200.")
    page.queries = len(captured.captured_queries)
    return [query["sql"] for query in captured.captured_queries]


def explain(queries: list[str]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the page's own queries (not the header's)."""
    plans = []
    with connection.cursor() as cursor:
        for sql in queries:
            # The keyset page (the UNION ALL) and the read of its rows by id.
            page_rows = 'WHERE "qsep_learnerprofile"."id" IN' in sql
            if "report_rank" not in sql and not page_rows:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(f"{sql}\n\n{plan}")
    return "\n\n".join(plans)


class RssSampler(threading.Thread):
    """Samples processes' VmRSS every 100 ms; keeps each one's peak."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.start_kib = {pid: rss_kib(pid) or 0 for pid in pids}
        self.peak_kib = dict(self.start_kib)
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            for pid in self.start_kib:
                value = rss_kib(pid)
                if value is not None:
                    self.peak_kib[pid] = max(self.peak_kib[pid], value)
            time.sleep(0.1)

    def stop(self) -> None:
        self.halt.set()
        self.join()

    def growth_mib(self) -> tuple[float, float, float]:
        """(start, peak, peak minus start) of the process that grew most, MiB."""
        pid = max(self.start_kib, key=lambda p: self.peak_kib[p] - self.start_kib[p])
        start, peak = self.start_kib[pid], self.peak_kib[pid]
        return start / 1024, peak / 1024, (peak - start) / 1024


@dataclass
class Export:
    url: str
    rows: int = 0
    megabytes: float = 0.0
    first_byte_s: float = 0.0
    seconds: float = 0.0
    rss_start_mib: float = 0.0
    rss_peak_mib: float = 0.0
    rss_growth_mib: float = 0.0


def export_measure(
    base: str, process: subprocess.Popen[bytes], session: str, url: str
) -> Export:
    """Download the CSV with one streaming client, sampling the workers' memory."""
    result = Export(url)
    sampler = RssSampler(gunicorn_workers(process))
    sampler.start()
    request = urllib.request.Request(base + url)  # noqa: S310 (http://127.0.0.1)
    request.add_header("Cookie", cookie(session))
    size = 0
    lines = 0
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            if response.status != 200:
                fail(f"{url} answered {response.status}, not 200.")
            first = True
            while chunk := response.read(65_536):
                if first:
                    result.first_byte_s = time.perf_counter() - start
                    first = False
                size += len(chunk)
                lines += chunk.count(b"\n")
    finally:
        result.seconds = time.perf_counter() - start
        sampler.stop()
    result.rows = max(0, lines - 1)  # the header line
    result.megabytes = size / 1_048_576
    result.rss_start_mib, result.rss_peak_mib, result.rss_growth_mib = (
        sampler.growth_mib()
    )
    return result


REVIEW_CHILD = """
import json, re, sys, time
sys.path[0] = {root!r}
import django
django.setup()
from qsep.services.profile_review import profile_review_emails_queue

def status(key):
    text = open("/proc/self/status").read()
    return int(re.search(r"^" + key + r":\\s+(\\d+) kB", text, re.M).group(1))

start_rss = status("VmRSS")
started = time.perf_counter()
queued = profile_review_emails_queue()
seconds = time.perf_counter() - started
print(json.dumps({{"queued": queued, "seconds": seconds, "start_kib": start_rss,
                   "end_kib": status("VmRSS"), "hwm_kib": status("VmHWM")}}))
"""


@dataclass
class Review:
    due: int = 0
    queued: int = 0
    seconds: float = 0.0
    start_mib: float = 0.0
    peak_mib: float = 0.0
    end_mib: float = 0.0
    outbox_rows: int = 0


def review_measure() -> Review:
    """Every learner due (a surveyor not asked this year), queue their emails in a
    separate process, then put back what it and this function changed."""
    result = Review()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM harp_outboxmessage")
        outbox_before = cursor.fetchone()[0]
        marks = {}
        for table in ("harp_auditevent", "harp_dashboardmessage"):
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0]:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                marks[table] = cursor.fetchone()[0]
        # A third of the learners are surveyors; for the run all of them are, so
        # that the run queues as many people as there are learners.
        print("Making every learner a surveyor due for review ...", flush=True)
        cursor.execute(
            "UPDATE qsep_learnerprofile SET employment_type = 'contract_surveyor' "
            "WHERE employment_type NOT IN "
            "('state_surveyor', 'federal_surveyor', 'contract_surveyor')"
        )
        cursor.execute(
            "UPDATE qsep_learnerprofile SET review_requested_for = NULL "
            "WHERE review_requested_for IS NOT NULL"
        )
        cursor.execute("SELECT COUNT(*) FROM qsep_learnerprofile")
        result.due = cursor.fetchone()[0]
    connection.close()  # no open transaction or lock while the child runs
    _vacuum("qsep_learnerprofile")

    child = subprocess.Popen(  # noqa: S603 (our own arguments)
        [sys.executable, "-c", REVIEW_CHILD.format(root=str(ROOT))],
        cwd=ROOT,
        # The cycle of January 1st has always started: every run finds them due.
        # A broker, as in production: the emails' send task is published to Redis
        # (and dropped afterwards), not run eagerly in this process.
        env={
            **os.environ,
            **PRODUCTION_ENV,
            "PROFILE_REVIEW_DATE": "01-01",
            "CELERY_BROKER_URL": REVIEW_BROKER,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    sampler = RssSampler([child.pid])
    sampler.start()
    try:
        out, err = child.communicate(timeout=30 * 60)
    finally:
        sampler.stop()
    if child.returncode != 0:
        review_reset(outbox_before, marks)
        fail(f"profile_review_emails_queue failed:\n{err.decode()[-3000:]}")
    report = json.loads(out.decode().strip().splitlines()[-1])
    result.queued = int(report["queued"])
    result.seconds = float(report["seconds"])
    result.start_mib = report["start_kib"] / 1024
    result.end_mib = report["end_kib"] / 1024
    result.peak_mib = max(report["hwm_kib"], max(sampler.peak_kib.values())) / 1024
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM harp_outboxmessage WHERE id > %s", [outbox_before]
        )
        result.outbox_rows = cursor.fetchone()[0]
    review_reset(outbox_before, marks)
    return result


def review_reset(outbox_before: int, marks: dict[str, int]) -> None:
    """Put the seed back: its employment types, no review asked, no new rows."""
    print("Resetting the review marks ...", flush=True)
    with connection.cursor() as cursor:
        # Seeded surveyors have user ids divisible by 3; the others were "other"
        # (even ids) or left blank (odd ids).
        cursor.execute(
            "UPDATE qsep_learnerprofile SET employment_type = CASE "
            "WHEN user_id % 2 = 0 THEN 'other' ELSE '' END "
            "WHERE user_id % 3 <> 0 AND employment_type = 'contract_surveyor'"
        )
        cursor.execute(
            "UPDATE qsep_learnerprofile SET review_requested_for = NULL, "
            "profile_reviewed_at = NULL WHERE review_requested_for IS NOT NULL"
        )
        cursor.execute("DELETE FROM harp_outboxmessage WHERE id > %s", [outbox_before])
        if "harp_dashboardmessage" in marks:
            cursor.execute(
                "DELETE FROM harp_dashboardmessageread WHERE message_id > %s",
                [marks["harp_dashboardmessage"]],
            )
            cursor.execute(
                "DELETE FROM harp_dashboardmessage WHERE id > %s",
                [marks["harp_dashboardmessage"]],
            )
    connection.close()
    _vacuum("qsep_learnerprofile")
    _vacuum("harp_outboxmessage")
    import redis

    broker = redis.Redis.from_url(REVIEW_BROKER)
    for key in broker.scan_iter("*"):
        if key.startswith((b"celery", b"_kombu")):
            broker.delete(key)


def _vacuum(table: str) -> None:
    import psycopg

    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")


# -- The README -----------------------------------------------------------------


def readme_write(results: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    block = f"{RESULTS_START}\n{results.rstrip()}\n{RESULTS_END}"
    if RESULTS_START in text and RESULTS_END in text:
        before, _, rest = text.partition(RESULTS_START)
        _, _, after = rest.partition(RESULTS_END)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    readme.write_text(text.rstrip("\n") + "\n")


def results_markdown(
    pages: list[Page],
    export: Export,
    review: Review,
    plan_label: str,
    plan: str,
    counts: dict[str, int],
    load_before: float,
    load_after: float,
) -> str:
    import gunicorn

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]

    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} ms"

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, {_memory_gib()} GiB RAM, Python "
        f"{platform.python_version()}, PostgreSQL {server} (shared_buffers "
        f"{buffers}, otherwise defaults), gunicorn {gunicorn.__version__} "
        f"({WORKERS} sync workers, DEBUG off); `wrk -t2 -c{CONNECTIONS} "
        f"-d{DURATION}s` on the same machine over loopback. Data: "
        f"{counts['learners']:,} learners, {counts['enrollments']:,} enrollments, "
        f"{counts['providers']:,} providers, {counts['agencies']} State Agencies; "
        f"the coordinator's scope is {LARGE_STATE} ({counts['large']:,} learners) "
        f"plus the proxy {PROXY_STATE} ({counts['proxy']:,}). Load average (1 min) "
        f"{load_before:.1f} before the load and {load_after:.1f} after the review: "
        "other work on the machine shares its cores.",
        "",
        "| Find by Learner | rows | queries | alone | req/s | p50 | p95 | p99 "
        "| p95 < 100 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page in pages:
        errors = f" ({page.errors})" if page.errors else ""
        target = (
            "baseline"
            if not page.signed_in
            else met(page.p95_ms is not None and page.p95_ms < P95_TARGET_MS)
        )
        lines.append(
            f"| {page.label} `{re.sub(r'cursor=[^&]+', 'cursor=…', page.url)}` | "
            f"{page.rows} | {page.queries or '—'} | "
            f"{ms(page.alone_ms)} | {page.rps:.0f}{errors} | {ms(page.p50_ms)} | "
            f"{ms(page.p95_ms)} | {ms(page.p99_ms)} | {target} |"
        )
    lines += [
        "",
        "| CSV export and review | size | time | memory | target |",
        "| --- | --- | --- | --- | --- |",
        f"| `{export.url}` | {export.rows:,} rows, {export.megabytes:.1f} MiB | "
        f"{export.seconds:.1f} s (first byte {export.first_byte_s * 1000:.0f} ms) | "
        f"worker {export.rss_start_mib:.0f} → peak {export.rss_peak_mib:.0f} MiB "
        f"(+{export.rss_growth_mib:.1f} MiB) | < {CSV_TARGET_S:.0f} s "
        f"({met(export.seconds < CSV_TARGET_S)}), < {CSV_TARGET_MB:.0f} MB "
        f"({met(export.rss_growth_mib < CSV_TARGET_MB)}) |",
        f"| `profile_review_emails_queue()` | {review.queued:,} queued of "
        f"{review.due:,} due, {review.outbox_rows:,} outbox rows | "
        f"{review.seconds:.0f} s ({review.queued / max(review.seconds, 0.001):,.0f}/s)"
        f" | process {review.start_mib:.0f} → peak {review.peak_mib:.0f} MiB, "
        f"end {review.end_mib:.0f} MiB | < {REVIEW_TARGET_S / 60:.0f} min "
        f"({met(review.seconds < REVIEW_TARGET_S)}), flat memory |",
        "",
        f"EXPLAIN (ANALYZE, BUFFERS) of the slowest page by p95, {plan_label}, "
        "run after the load:",
        "",
        "```",
        plan.strip() or "(no query over qsep_learnerprofile captured)",
        "```",
    ]
    return "\n".join(lines)


def _memory_gib() -> int:
    match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return round(int(match.group(1)) / 1_048_576) if match else 0


# -- Main -----------------------------------------------------------------------


def scope_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.state, COUNT(*) FROM qsep_learnerprofile p JOIN "
            "iqies_roles_organization o ON o.id = p.state_agency_id "
            "WHERE o.state IN (%s, %s) GROUP BY o.state",
            [LARGE_STATE, PROXY_STATE],
        )
        by_state = dict(cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM qsep_learnerprofile")
        learners = cursor.fetchone()[0]
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
            ["qsep_enrollment"],
        )
        enrollments = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE kind = 'provider'), "
            "COUNT(*) FILTER (WHERE kind = 'state_agency') "
            "FROM iqies_roles_organization"
        )
        providers, agencies = cursor.fetchone()
    return {
        "learners": learners,
        "enrollments": enrollments,
        "providers": providers,
        "agencies": agencies,
        "large": by_state.get(LARGE_STATE, 0),
        "proxy": by_state.get(PROXY_STATE, 0),
    }


def search_terms() -> dict[str, str]:
    """A California learner's user ID, email and facility CCN, and a common name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.username, u.email, o.ccn FROM qsep_learnerprofile p "
            "JOIN harp_user u ON u.id = p.user_id "
            "JOIN iqies_roles_organization o ON o.id = p.facility_id "
            "JOIN iqies_roles_organization a ON a.id = p.state_agency_id "
            "WHERE a.state = %s AND u.last_name = 'Smith' ORDER BY p.user_id LIMIT 1",
            [LARGE_STATE],
        )
        row = cursor.fetchone()
    if row is None:
        fail(f"No learner named Smith at a facility in {LARGE_STATE}: seed too small?")
    username, email, ccn = row
    return {"user_id": username, "email": email, "ccn": ccn, "name": "smith"}


def pages_list(terms: dict[str, str], counts: dict[str, int]) -> list[Page]:
    scope = f"{counts['large'] + counts['proxy']:,} in scope"
    pages = [Page("health check", "/healthz", rows="—", signed_in=False)]
    for column in ("name", "user_id", "location", "facility", "completed", "activity"):
        for sort in (column, f"-{column}"):
            pages.append(Page(f"sort {sort}", f"{REPORTS}?sort={sort}", rows=scope))
    pages += [
        Page(
            "name search",
            f"{REPORTS}?field=name&q={terms['name']}",
            rows=scope,
        ),
        Page(
            "name search, by last activity",
            f"{REPORTS}?field=name&q={terms['name']}&sort=-activity",
            rows=scope,
        ),
        Page(
            "user ID search",
            f"{REPORTS}?field=user_id&q={terms['user_id']}",
            rows=scope,
        ),
        Page(
            "email search",
            f"{REPORTS}?field=email&q={terms['email']}",
            rows=scope,
        ),
        Page("CCN search", f"{REPORTS}?field=ccn&q={terms['ccn']}", rows=scope),
        Page(
            f"state {PROXY_STATE}",
            f"{REPORTS}?state={PROXY_STATE}",
            rows=f"{counts['proxy']:,} in {PROXY_STATE}",
        ),
        Page(
            f"state {PROXY_STATE}, by facility descending",
            f"{REPORTS}?state={PROXY_STATE}&sort=-facility",
            rows=f"{counts['proxy']:,} in {PROXY_STATE}",
        ),
    ]
    return pages


def next_page_url(body: bytes) -> str | None:
    """The first link to a next page (a `cursor=` in its query) in the page."""
    for href in re.findall(rb'href="([^"]*cursor=[^"]*)"', body):
        url = html.unescape(href.decode())
        if url.startswith("?"):
            url = REPORTS + url
        return url
    return None


def wait_for_code() -> None:
    missing = [
        path
        for path in ("qsep/views/reports.py", "qsep/services/profile_review.py")
        if not (ROOT / path).exists()
    ]
    if missing:
        fail(f"Not built yet: {', '.join(missing)}")


def main() -> None:
    if shutil.which("wrk") is None:
        fail("wrk is missing: `make bench-reports` installs Debian's wrk when it can.")
    name = urlsplit(URL).path.strip("/")
    print(f"Migrating and, unless done before, seeding {name} ...", flush=True)
    ensure_seeded(URL, LEARNERS, RESEED)
    if os.environ.get("BENCH_REPORTS_SEED_ONLY") == "1":
        return
    wait_for_code()
    print("Collecting static files (manifest, compressed) ...", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)

    counts = scope_counts()
    terms = search_terms()
    session = coordinator_session()
    pages = pages_list(terms, counts)
    script = WORKDIR / "percentiles.lua"
    script.write_text(WRK_SCRIPT)

    load_before = os.getloadavg()[0]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = WORKDIR / "gunicorn.log"
    process = gunicorn_start(port, log, PRODUCTION_ENV, workers=WORKERS)
    try:
        wait_healthy(base, process, log)
        status, _, body = fetch(base, pages[1], session)
        following = next_page_url(body) if status == 200 else None
        if following is None:
            fail(f"No next-page link (cursor=) on {pages[1].url}.")
        pages.append(Page("second page", str(following), rows=pages[1].rows))
        for page in pages:
            status, _, _ = fetch(base, page, session)
            if status != 200:
                fail(
                    f"{page.url} answered {status} under gunicorn, not 200:\n"
                    f"{log.read_text()[-3000:]}"
                )
            page.alone_ms = statistics.median(
                fetch(base, page, session)[1] for _ in range(20)
            )
            print(f"== {page.label}: {page.url}", flush=True)
            wrk(base, page, session, script)
            status, _, _ = fetch(base, page, session)
            if status != 200:
                fail(f"{page.url} answered {status} after the load, not 200.")
        print(f"== CSV export of {LARGE_STATE}", flush=True)
        export = export_measure(base, process, session, f"{EXPORT}?state={LARGE_STATE}")
        print(export, flush=True)
    finally:
        gunicorn_stop(process)

    plan = ""
    slowest = max(
        (page for page in pages if page.signed_in), key=lambda p: p.p95_ms or 0
    )
    for page in pages:
        queries = in_process(page, session)
        if page is slowest:
            plan = explain(queries)
    print(f"EXPLAIN of {slowest.label}:\n{plan}", flush=True)

    print("== annual profile review", flush=True)
    review = review_measure()
    print(review, flush=True)

    results = results_markdown(
        pages,
        export,
        review,
        f"{slowest.label} (`{slowest.url}`)",
        plan,
        counts,
        load_before,
        os.getloadavg()[0],
    )
    print(results)
    if LEARNERS == FULL_LEARNERS:
        readme_write(results)
        print("Wrote bench/README.md.")
    else:
        print(f"Not written to bench/README.md: {LEARNERS:,} learners, not a million.")
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
