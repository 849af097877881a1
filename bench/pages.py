"""Every page of the portal at a million learners, under gunicorn and wrk.

`make bench-pages` runs it. BENCH_DATABASE_URL names a PostgreSQL database on
this machine (127.0.0.1 or localhost only) that `bench/seed_scale.py` fills, or
has filled (a seeded database is reused): 1,000,000 learners, 5,000,000
enrollments, 1,000,000 certificates, 2,000 courses, 10,000 pending role requests
at one provider, 20,000 manual-proofing cases.

It starts gunicorn in the production form (DEBUG off, whitenoise manifest,
Redis cache and sessions) with 4 sync workers and settings `bench.settings`,
which add two yardsticks to the portal's URLs in the same process: a trivial
view (`/bench/trivial/`) and django-allauth's own login page
(`/bench/allauth-login/`). It signs in one persona per kind of page (sessions
bound to a confirmed authenticator app, as after a real two-factor sign-in),
checks every page answers 200 to its persona, and for each runs
`wrk -t2 -c16 -dNs` over loopback with a Lua hook for p50/p99, printing req/s,
p50, p99 and the ratio to the trivial view measured in the same run. The
certificate PDF is measured alone and with 10 connections at once.

It then counts each page's SQL queries in-process and runs EXPLAIN ANALYZE on
every one of them, naming any sequential scan that read more than 10,000 rows of
a table of more than 100,000;
samples each worker's resident memory after the load; and, at full size, writes
the table into bench/README.md.

BENCH_PAGES_DURATION (wrk seconds, default 8) and BENCH_PAGES_ONLY (a substring
of the labels to run) shorten a run; BENCH_PAGES_LEARNERS seeds a smaller trial
database (its numbers are printed, not written).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder leads sys.path, where bench/http.py would
# shadow the standard library's `http`: the project's root goes there instead.
sys.path[0] = str(ROOT)

import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.seed_scale import FULL_LEARNERS, ensure_seeded, prepare
from bench.server import (
    WRK_SCRIPT,
    database_url,
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
from bench.server import fetch as server_fetch

LEARNERS = int(os.environ.get("BENCH_PAGES_LEARNERS", FULL_LEARNERS))
DURATION = int(os.environ.get("BENCH_PAGES_DURATION", "8"))
ONLY = os.environ.get("BENCH_PAGES_ONLY", "")
WORKERS = 4
CONNECTIONS = 16
PDF_CONNECTIONS = 10
BIG_TABLE_ROWS = 100_000
# A sequential scan of a big table that reads more rows than this is reported.
SCAN_ROWS_LIMIT = 10_000
RSS_TARGET_MIB = 200
SECTION_START = "<!-- bench-pages results: written by bench/pages.py -->"
SECTION_END = "<!-- /bench-pages results -->"

URL = database_url("hub_bench_scale")
WORKDIR = Path(tempfile.mkdtemp(prefix="hub-bench-pages-"))
PRODUCTION_ENV = production_env(URL, WORKDIR)
PRODUCTION_ENV["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.update(PRODUCTION_ENV)
# The in-process query counts and EXPLAIN use Django's test client ("testserver").
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
os.environ.pop("CELERY_BROKER_URL", None)
prepare(URL, LEARNERS)

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Page:
    label: str
    url: str
    persona: str = ""  # "" is an anonymous visitor
    kind: str = "signed in"  # yardstick, public, signed in, admin, pdf
    connections: int = CONNECTIONS
    queries: int | None = None
    big_scans: list[str] = field(default_factory=list)
    alone_ms: float | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: str = ""


def sessions_make() -> dict[str, str]:
    """A session per persona, bound to its confirmed authenticator app."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from harp.models import User

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    sessions = {}
    for user in User.objects.filter(username__startswith="bench").exclude(
        username__regex=r"\d"
    ):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            continue
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        sessions[user.username.removeprefix("bench")] = str(session.session_key)
    return sessions


def pages_list() -> list[Page]:
    from harp.models import User
    from qsep.models import Certificate, Course

    learner = User.objects.get(username="benchlearner")
    certificate = (
        Certificate.objects.filter(enrollment__learner=learner)
        .order_by("pk")
        .values_list("code", flat=True)
        .first()
    )
    other_certificate = (
        Certificate.objects.exclude(enrollment__learner=learner)
        .order_by("pk")
        .values_list("code", flat=True)
        .first()
    )
    course = (
        Course.objects.filter(slug__startswith="bench-course-")
        .order_by("pk")
        .values_list("slug", flat=True)
        .first()
    )
    case = "/admin/proofing/manualproofingcase/"
    pages = [
        Page("trivial Django view", "/bench/trivial/", kind="yardstick"),
        Page(
            "django-allauth's own login page", "/bench/allauth-login/", kind="yardstick"
        ),
        # What every signed-in page pays before its own work: the session, the
        # person, their second factor, the middleware.
        Page(
            "trivial Django view, signed in",
            "/bench/trivial/",
            "learner",
            kind="yardstick",
        ),
        Page("home", "/", kind="public"),
        Page("sign in", "/login/", kind="public"),
        Page("catalog", "/training/", kind="public"),
        Page("catalog search", "/training/?q=Long+Term+Care", kind="public"),
        Page("course page", f"/training/courses/{course}/", kind="public"),
        Page("verify a certificate", f"/verify/{other_certificate}/", kind="public"),
        Page("My Profile", "/profile/", "learner"),
        Page("My Training (200 enrollments)", "/training/my/", "learner"),
        Page("transcript", "/training/transcript/", "learner"),
        Page("My Dashboard", "/training/dashboard/", "learner"),
        Page("approvals (10,000 pending)", "/roles/approvals/", "official"),
        Page("help-desk proofing queue", "/helpdesk/proofing/", "helpdesk"),
        Page("help-desk home", "/helpdesk/", "helpdesk"),
        Page("Find by Learner", "/training/reports/learners/", "coordinator"),
        Page("Training status", "/training/reports/training-status/", "coordinator"),
        Page("admin: users", "/admin/harp/user/", "admin", kind="admin"),
        Page(
            "admin: users ?q=smith", "/admin/harp/user/?q=smith", "admin", kind="admin"
        ),
        Page("admin: users (help desk)", "/admin/harp/user/", "helpdesk", kind="admin"),
        Page("admin: enrollments", "/admin/qsep/enrollment/", "admin", kind="admin"),
        Page("admin: certificates", "/admin/qsep/certificate/", "admin", kind="admin"),
        Page(
            "admin: role requests",
            "/admin/iqies_roles/rolerequest/",
            "admin",
            kind="admin",
        ),
        Page("admin: manual-proofing cases", case, "admin", kind="admin"),
        Page("admin: audit events", "/admin/harp/auditevent/", "admin", kind="admin"),
        Page("admin: outbox", "/admin/harp/outboxmessage/", "admin", kind="admin"),
        Page(
            "certificate PDF, 10 at once",
            f"/training/certificates/{certificate}/pdf/",
            "learner",
            kind="pdf",
            connections=PDF_CONNECTIONS,
        ),
    ]
    if ONLY:
        pages = [p for p in pages if p.kind == "yardstick" or ONLY in p.label]
    return pages


def cookie(session: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session}"


def fetch(base: str, page: Page, sessions: dict[str, str]) -> tuple[int, float]:
    """One request as the page's persona: (status, milliseconds)."""
    status, ms, _ = server_fetch(base + page.url, persona_cookie(page, sessions))
    return status, ms


def persona_cookie(page: Page, sessions: dict[str, str]) -> str | None:
    return cookie(sessions[page.persona]) if page.persona else None


def wrk(base: str, page: Page, sessions: dict[str, str], script: Path) -> None:
    load = wrk_load(
        base + page.url,
        connections=page.connections,
        duration=DURATION,
        script=script,
        cookie=persona_cookie(page, sessions),
    )
    page.rps, page.p50_ms, page.p99_ms = load.rps, load.p50_ms, load.p99_ms
    page.errors = load.errors


def big_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
            [BIG_TABLE_ROWS],
        )
        return {row[0] for row in cursor.fetchall()}


def sequential_reads(plan: dict[str, Any], big: set[str]) -> list[tuple[str, int]]:
    """Each sequential scan of a big table in an EXPLAIN ANALYZE plan, with the
    rows it read (returned and filtered out, over all its loops)."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in big:
        loops = plan.get("Actual Loops", 1)
        read = (
            plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        ) * loops
        found.append((plan["Relation Name"], int(read)))
    for child in plan.get("Plans", []):
        found += sequential_reads(child, big)
    return found


def in_process(page: Page, sessions: dict[str, str], big: set[str]) -> None:
    """Count the page's SQL from one request in this process and EXPLAIN ANALYZE
    each statement, noting every sequential scan that read more than
    SCAN_ROWS_LIMIT rows of a big table (a scan a LIMIT stops early is no
    whole-table scan)."""
    client = Client()
    if page.persona:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.persona]
    client.get(page.url)  # warm caches the way a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.url)
    if response.status_code != 200:
        fail(f"{page.url} answered {response.status_code} in-process, not 200.")
    page.queries = len(captured.captured_queries)
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0][0]["Plan"]
            for table, read in sequential_reads(plan, big):
                if read > SCAN_ROWS_LIMIT:
                    page.big_scans.append(f"{table} ({read:,} rows)")


def pdf_alone(base: str, page: Page, sessions: dict[str, str]) -> list[float]:
    return [fetch(base, page, sessions)[1] for _ in range(10)]


def pdf_at_once(base: str, page: Page, sessions: dict[str, str]) -> list[float]:
    """Ten requests for the PDF started together: each one's milliseconds."""
    with ThreadPoolExecutor(PDF_CONNECTIONS) as pool:
        results = list(
            pool.map(lambda _: fetch(base, page, sessions), range(PDF_CONNECTIONS))
        )
    if any(status != 200 for status, _ in results):
        fail(f"The PDF answered {[s for s, _ in results]} when asked 10 at once.")
    return [ms for _, ms in results]


def target(page: Page, trivial: Page, allauth: Page) -> tuple[str, bool]:
    ratio = (page.rps or 0) / (trivial.rps or 1)
    if page.kind == "yardstick":
        return "yardstick", True
    if page.label == "sign in":
        return "≥ 2x allauth's login", (page.rps or 0) >= 2 * (allauth.rps or 0)
    if page.kind == "public":
        return "≥ 40% of trivial", ratio >= 0.40
    if page.kind == "admin":
        return "alone < 300 ms", (page.alone_ms or 1e9) < 300
    if page.kind == "pdf":
        return "alone < 300 ms, 10 at once < 1 s", False  # decided in main()
    return "≥ 10% of trivial, p99 < 100 ms", ratio >= 0.10 and (
        page.p99_ms or 1e9
    ) < 100


def results_markdown(
    pages: list[Page],
    pdf: tuple[list[float], list[float]] | None,
    rss_mib: list[float],
    counts: dict[str, int],
    load: tuple[float, float],
) -> str:
    trivial = next(p for p in pages if p.url == "/bench/trivial/" and not p.persona)
    allauth = next(p for p in pages if p.url == "/bench/allauth-login/")
    import django as dj

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    gunicorn_version = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    gunicorn_version = re.sub(r"[^\d.]", "", gunicorn_version.split()[-1])
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, Django "
        f"{dj.get_version()}, PostgreSQL {pg_version}, gunicorn {gunicorn_version} "
        f"({WORKERS} sync workers, DEBUG off, Redis cache and sessions); "
        f"`wrk -t2 -c{CONNECTIONS} -d{DURATION}s` over loopback on the same "
        f"machine. Data: {counts['learners']:,} learners, "
        f"{counts['enrollments']:,} enrollments, {counts['certificates']:,} "
        f"certificates, {counts['courses']:,} courses, {counts['pending']:,} "
        f"pending role requests at one provider, {counts['cases']:,} "
        f"manual-proofing cases. Load average (1 min) {load[0]:.1f} before and "
        f"{load[1]:.1f} after.",
        "",
        "| page | as | SQL | big-table scans (rows read) | alone | req/s | of trivial "
        "| p50 | p99 | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    pdf_met = None
    if pdf is not None:
        alone, at_once = pdf
        pdf_met = statistics.median(alone) < 300 and max(at_once) < 1000
    for page in pages:
        goal, met = target(page, trivial, allauth)
        if page.kind == "pdf":
            met = bool(pdf_met)
        ratio = (page.rps or 0) / (trivial.rps or 1)
        lines.append(
            f"| {page.label} `{page.url[:60]}` | {page.persona or 'anonymous'} "
            f"| {page.queries if page.queries is not None else '—'} "
            f"| {', '.join(page.big_scans) or 'none'} "
            f"| {page.alone_ms:.1f} ms | {page.rps:,.0f} | {ratio:.0%} "
            f"| {page.p50_ms:.1f} ms | {page.p99_ms:.1f} ms | {goal} "
            f"| {'met' if met else '**missed**'}"
            f"{' (' + page.errors + ')' if page.errors else ''} |"
        )
    if pdf is not None:
        alone, at_once = pdf
        lines += [
            "",
            f"Certificate PDF (workers warmed by 10 at once first): alone p50 "
            f"{statistics.median(alone):.0f} ms, max {max(alone):.0f} ms (target "
            f"< 300 ms); 10 requests at once on "
            f"{WORKERS} workers: slowest {max(at_once):.0f} ms, median "
            f"{statistics.median(at_once):.0f} ms (target each < 1 s).",
        ]
    lines += [
        "",
        f"Worker memory after the run (VmRSS): {', '.join(f'{m:.0f}' for m in rss_mib)}"
        f" MiB (target < {RSS_TARGET_MIB} MB each: "
        f"{'met' if rss_mib and max(rss_mib) < RSS_TARGET_MIB else '**missed**'}).",
    ]
    return "\n".join(lines)


def counts_read() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM qsep_learnerprofile), "
            "(SELECT reltuples::bigint FROM pg_class "
            "WHERE relname = 'qsep_enrollment'), "
            "(SELECT reltuples::bigint FROM pg_class "
            "WHERE relname = 'qsep_certificate'), "
            "(SELECT COUNT(*) FROM qsep_course), "
            "(SELECT COUNT(*) FROM iqies_roles_rolerequest WHERE status = 'pending'), "
            "(SELECT COUNT(*) FROM proofing_manualproofingcase)"
        )
        row = cursor.fetchone()
    keys = ("learners", "enrollments", "certificates", "courses", "pending", "cases")
    return dict(zip(keys, row, strict=True))


def readme_write(results: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    block = f"{SECTION_START}\n{results}\n{SECTION_END}"
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1]
        text = before + block + after
    else:
        text += f"\n{block}\n"
    readme.write_text(text)


def main() -> None:
    if shutil.which("wrk") is None:
        fail("wrk is missing: `make bench-pages` installs Debian's wrk when it can.")
    ensure_seeded(URL, LEARNERS)
    print("Collecting static files (manifest, compressed) ...", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    sessions = sessions_make()
    pages = pages_list()
    for page in pages:
        if page.persona and page.persona not in sessions:
            fail(f"No persona {page.persona!r} in the seeded database.")
    script = WORKDIR / "percentiles.lua"
    script.write_text(WRK_SCRIPT)
    load_before = os.getloadavg()[0]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = WORKDIR / "gunicorn.log"
    process = gunicorn_start(port, log, PRODUCTION_ENV, workers=WORKERS)
    pdf: tuple[list[float], list[float]] | None = None
    try:
        wait_healthy(base, process, log)
        for page in pages:
            status, _ = fetch(base, page, sessions)
            if status != 200:
                fail(
                    f"{page.url} answered {status} to {page.persona or 'anonymous'} "
                    f"under gunicorn, not 200:\n{log.read_text()[-3000:]}"
                )
        for page in pages:
            if page.kind == "pdf":
                # Every worker's first PDF loads WeasyPrint's fonts: a burst of
                # ten warms all four, as a running portal's workers are.
                pdf_at_once(base, page, sessions)
            page.alone_ms = statistics.median(
                fetch(base, page, sessions)[1] for _ in range(10)
            )
            if page.kind == "pdf":
                pdf = (
                    pdf_alone(base, page, sessions),
                    pdf_at_once(base, page, sessions),
                )
            wrk(base, page, sessions, script)
            print(
                f"{page.label:45} {page.rps:8.0f} req/s  p50 {page.p50_ms:7.1f} ms  "
                f"p99 {page.p99_ms:7.1f} ms  alone {page.alone_ms:6.1f} ms "
                f"{page.errors}",
                flush=True,
            )
        rss_mib = [(rss_kib(pid) or 0) / 1024 for pid in gunicorn_workers(process)]
    finally:
        gunicorn_stop(process)
    big = big_tables()
    for page in pages:
        if page.kind != "yardstick":
            in_process(page, sessions, big)
    results = results_markdown(
        pages, pdf, rss_mib, counts_read(), (load_before, os.getloadavg()[0])
    )
    print(results)
    if LEARNERS == FULL_LEARNERS and not ONLY:
        readme_write(results)
        print("Wrote bench/README.md.")
    else:
        print("Not written to bench/README.md: a partial or smaller run.")
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
