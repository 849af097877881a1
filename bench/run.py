"""Benchmarks on this machine: outbox throughput and the base pages' render time.

Runs against a throw-away SQLite file unless BENCH_DATABASE_URL names another
database (it must be one you can empty). Prints a Markdown table and writes it to
bench/RESULTS.md. Nothing here leaves the process.
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

    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}, in-process (Django test client, eager Celery).\n\n"
    )
    table = "| what | runs | result |\n| --- | --- | --- |\n" + "".join(
        f"| {what} | {runs} | {result} |\n" for what, runs, result in rows
    )
    print(header + table)
    (ROOT / "bench" / "RESULTS.md").write_text(
        "# Benchmark results\n\n" + header + table
    )


if __name__ == "__main__":
    main()
