"""Benchmarks on this machine: outbox throughput and the base pages' render time.

Runs against a throw-away SQLite file unless BENCH_DATABASE_URL names another
database (it must be one you can empty). Prints a Markdown table and adds it to
bench/README.md, keeping the last result per database. Nothing leaves the process.
"""

from __future__ import annotations

import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="hub-bench-")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"
)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from harp.models import OutboxMessage, SystemComponent  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))]


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def approval_queue_with_10000_pending() -> tuple[str, str, str]:
    """The officials' queue for one organization with 10,000 pending requests."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest

    user_model = get_user_model()
    hospital = Organization.objects.create(kind="provider", ccn="210999", name="Bench")
    official = user_model.objects.create_user(
        username="benchofficial", email="bench@example.org", password="x" * 16
    )
    device = TOTPDevice.objects.create(user=official, name="App")
    RoleAssignment.objects.create(
        user=official,
        role=Role.objects.get(code="provider-security-official"),
        organization=hospital,
    )
    now = timezone.now()
    requesters = user_model.objects.bulk_create(
        user_model(
            username=f"bench{n:05d}",
            email=f"bench{n:05d}@example.org",
            first_name="Bench",
            last_name=f"Requester {n}",
            identity_proofed_at=now,
        )
        for n in range(10_000)
    )
    submitter = Role.objects.get(code="assessment-submitter")
    RoleRequest.objects.bulk_create(
        RoleRequest(
            requester=requester,
            role=submitter,
            organization=hospital,
            category="provider",
        )
        for requester in requesters
    )
    client = Client()
    client.force_login(official)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get("/roles/approvals/")
    assert response.status_code == 200, response.status_code
    assert b"Page 1 of 400" in response.content
    samples = timed(lambda: client.get("/roles/approvals/"), 50)
    return (
        "GET /roles/approvals/ with 10,000 pending (page 1 of 400)",
        "50",
        f"p50 {statistics.median(samples):.1f} ms, "
        f"p95 {percentile(samples, 0.95):.1f} ms (target: under 100 ms)",
    )


def training_pages() -> list[tuple[str, str, str]]:
    """The catalog with 5,000 courses, My Training with 200, a certificate PDF."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qsep import services
    from qsep.models import Category, Course, Enrollment

    category = Category.objects.create(name="Bench category")
    Course.objects.bulk_create(
        Course(
            slug=f"bench-course-{n}",
            title=f"Bench course {n} on Long Term Care"
            if n % 7 == 0
            else f"Course {n}",
            description="Long Term Care topics." if n % 3 == 0 else "Other topics.",
            ceus=1,
        )
        for n in range(5_000)
    )
    through = Course.categories.through
    through.objects.bulk_create(
        through(course_id=pk, category_id=category.pk)
        for pk in Course.objects.values_list("pk", flat=True)
    )
    learner = get_user_model().objects.create_user(
        username="benchlearner",
        email="learner@example.org",
        password="x" * 16,
        first_name="Bench",
        last_name="Learner",
        kind="learner",
        two_factor_required=False,
    )
    courses = list(Course.objects.order_by("pk")[:200])
    Enrollment.objects.bulk_create(
        Enrollment(learner=learner, course=c) for c in courses
    )
    client = Client()
    client.force_login(learner)
    rows = []
    for label, url in (
        (
            "GET /training/?q=Long Term Care (5,000 courses)",
            "/training/?q=Long+Term+Care",
        ),
        ("GET /training/ (5,000 courses)", "/training/"),
        ("GET /training/my/ (200 enrollments)", "/training/my/"),
    ):
        assert client.get(url).status_code == 200
        samples = timed(lambda url=url: client.get(url), 50)
        rows.append(
            (
                label,
                "50",
                f"p50 {statistics.median(samples):.1f} ms, "
                f"p95 {percentile(samples, 0.95):.1f} ms (target: under 100 ms)",
            )
        )
    enrollment = Enrollment.objects.filter(learner=learner).first()
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=timezone.now())
    enrollment.refresh_from_db()
    certificate = services.certificate_issue(enrollment=enrollment)
    url = f"/training/certificates/{certificate.code}/pdf/"
    assert client.get(url)["Content-Type"] == "application/pdf"
    samples = timed(lambda: client.get(url), 10)
    rows.append(
        (
            "GET certificate PDF (WeasyPrint)",
            "10",
            f"p50 {statistics.median(samples):.0f} ms, "
            f"p95 {percentile(samples, 0.95):.0f} ms (target: under 1 s)",
        )
    )
    return rows


def main() -> None:
    logging.getLogger("celery").setLevel(logging.WARNING)
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("migrate", verbosity=0)
    rows = []

    count = 1000
    start = time.perf_counter()
    for n in range(count):
        with transaction.atomic():
            mail.send_mail("Bench", "Body", None, [f"user{n}@example.org"])
    elapsed = time.perf_counter() - start
    assert OutboxMessage.objects.filter(status="sent").count() == count
    rows.append(
        (
            "outbox: write, commit and send one email",
            f"{count}",
            f"{count / elapsed:.0f}/s",
        )
    )

    SystemComponent.objects.filter(name="QSEP").update(
        state="planned_outage", message="Saturday 2 to 4 AM."
    )
    client = Client()
    for path in ("/", "/status/", "/healthz"):
        client.get(path)
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            client.get(path)
        samples = timed(lambda path=path: client.get(path), 300)
        rows.append(
            (
                f"GET {path} ({queries.count} queries)",
                "300",
                f"p50 {statistics.median(samples):.1f} ms, "
                f"p95 {percentile(samples, 0.95):.1f} ms",
            )
        )

    rows.append(approval_queue_with_10000_pending())
    rows.extend(training_pages())

    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}, in-process (Django test client, eager Celery).\n\n"
    )
    table = "| what | runs | result |\n| --- | --- | --- |\n" + "".join(
        f"| {what} | {runs} | {result} |\n" for what, runs, result in rows
    )
    print(header + table)
    readme = ROOT / "bench" / "README.md"
    intro, _, rest = readme.read_text().partition("## Results\n")
    sections = {
        part.split("\n", 1)[0]: part for part in rest.split("### ") if part.strip()
    }
    sections[connection.vendor] = f"{connection.vendor}\n\n{header}{table}\n"
    readme.write_text(
        intro + "## Results\n\n" + "".join(f"### {part}" for part in sections.values())
    )


if __name__ == "__main__":
    main()
