"""What the benchmarks under a real server share: the local database they may drop,
the production environment, gunicorn started and stopped, and wrk's numbers.

Used by `bench/http.py` (`make bench-http`) and `bench/reports.py`
(`make bench-reports`). Importing it has no side effects.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def fail(message: str) -> None:
    print(f"!!! {message}", file=sys.stderr)
    raise SystemExit(1)


def database_url(example: str = "hub_bench") -> str:
    """BENCH_DATABASE_URL, refused unless it is PostgreSQL on this machine."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        fail(
            "Set BENCH_DATABASE_URL to a PostgreSQL database it may drop, e.g. "
            f"postgres://postgres@127.0.0.1:5432/{example}"
        )
    if (parts.hostname or "") not in LOCAL_HOSTS:
        fail(
            f"Refusing {parts.hostname!r}: only 127.0.0.1 or localhost is benchmarked."
        )
    if not parts.path.strip("/"):
        fail("BENCH_DATABASE_URL names no database.")
    return url


def admin_url(url: str) -> str:
    """The same server's `postgres` database, from which others are made."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_recreate(url: str) -> None:
    """Drop and create the benchmark database, from the server's `postgres` one."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.strip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        quoted = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(quoted))


def production_env(url: str, workdir: Path) -> dict[str, str]:
    """One set of keys for the benchmark's process and gunicorn: sessions are
    signed, and the auth hash keyed, with SECRET_KEY; dates of birth are encrypted
    with the field key."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(
            secrets.token_bytes(32)
        ).decode(),
        "SSN_FINGERPRINT_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "ALLOW_CONSOLE_DELIVERY": "1",
        "PROOFING_ALLOW_STUB": "1",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "DATABASE_URL": url,
        "STATIC_ROOT": str(workdir / "static"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private-media"),
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def to_ms(text: str) -> float:
    """wrk's "812.00us", "1.20ms", "2.01s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def gunicorn_start(
    port: int, log: Path, env: dict[str, str], workers: int = 2
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own arguments)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def gunicorn_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gunicorn_workers(process: subprocess.Popen[bytes]) -> list[int]:
    """The process ids of the master's worker processes."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int | None:
    """A process's resident set (VmRSS) in KiB; None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else None


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            healthz = base + "/healthz"  # http://127.0.0.1
            with urllib.request.urlopen(healthz, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while workers boot
            pass
        time.sleep(0.5)
    fail(f"gunicorn did not answer /healthz in 60 s:\n{log.read_text()[-3000:]}")


# wrk's own summary has no p95; this Lua hook prints p50, p95 and p99 (in µs).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("PERCENTILES %d %d %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


def fetch(url: str, cookie: str | None = None) -> tuple[int, float, bytes]:
    """One request, redirects not followed: (status, milliseconds, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    request = urllib.request.Request(url)  # noqa: S310 (http://127.0.0.1)
    if cookie:
        request.add_header("Cookie", cookie)
    opener = urllib.request.build_opener(NoRedirect)
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status, body = error.code, b""
    return status, (time.perf_counter() - start) * 1000, body


@dataclass
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: str
    output: str


def wrk_load(
    url: str,
    *,
    connections: int,
    duration: int,
    script: Path,
    cookie: str | None = None,
) -> Load:
    """`wrk -t2 -cN -dNs` on one URL (loopback only), with WRK_SCRIPT's hook."""
    if (urlsplit(url).hostname or "") not in LOCAL_HOSTS:
        fail(f"Refusing to load {url}: only 127.0.0.1 or localhost is benchmarked.")
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 (our own arguments)
        [*command, url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50, p95, p99 = re.search(r"PERCENTILES (\d+) (\d+) (\d+)", output).groups()  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    errors = "; ".join(
        part
        for part in (
            f"{bad.group(1)} non-2xx/3xx" if bad else "",
            socket_errors.group(0) if socket_errors else "",
        )
        if part
    )
    return Load(
        rps=rps,
        p50_ms=int(p50) / 1000,
        p95_ms=int(p95) / 1000,
        p99_ms=int(p99) / 1000,
        errors=errors,
        output=output,
    )
