"""The production processes, run natively: gunicorn, a Celery worker and beat.

Starts them in production form (DJANGO_DEBUG=0) against the machine's real Redis and,
when DATABASE_URL names one, a fresh PostgreSQL database; signs up through gunicorn
over loopback, and reads the email the worker writes to EMAIL_FILE_PATH. One web
process can reach the broker; the other is pointed at a closed port, as in a broker
outage, so only beat's re-send can deliver its email. Every wait here is bounded.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import broker_url_or_skip
from tests.proofing.helpers import stub_answers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEADLINE_SECONDS = 45


def _redis_urls() -> tuple[str, str]:
    """A broker and a cache on Redis database indexes of their own, emptied first.

    Nothing else's queue is read or purged, and no rate limit left in the cache by
    an earlier run changes what this one sees.
    """
    url = broker_url_or_skip()
    import redis

    server = re.sub(r"/\d*$", "", url.rstrip("/"))
    urls = (f"{server}/7", f"{server}/8")
    for each in urls:
        redis.Redis.from_url(each).flushdb()
    return urls


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{ROOT / 'var' / 'processes-test.sqlite3'}"
        return
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    name = f"hub_processes_{secrets.token_hex(4)}"
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def portal(tmp_path_factory, database_url) -> Iterator[dict[str, object]]:
    broker, cache = _redis_urls()
    tmp = tmp_path_factory.mktemp("processes")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    (ROOT / "var").mkdir(exist_ok=True)
    base_env = {
        key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ
    }
    env = {
        **base_env,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SSN_FINGERPRINT_KEY": secrets.token_urlsafe(32),
        "PROOFING_ALLOW_STUB": "1",
        # Text and voice codes go to the console gateway's log on this one machine.
        "ALLOW_CONSOLE_DELIVERY": "1",
        "FIELD_ENCRYPTION_KEY": "Zv6PSFkIm5Y04aaJJJYjpfxxo4Fv5_SCTVRim6KKicY=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": cache,
        "EMAIL_FILE_PATH": str(mail_dir),
        "STATIC_ROOT": str(tmp / "static"),
        "OUTBOX_RETRY_AFTER": "1",
        "OUTBOX_RESEND_INTERVAL": "1",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command, "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=180,
        )
    web_port, outage_port = _free_port(), _free_port()
    gunicorn = [str(BIN / "gunicorn"), "config.wsgi", "--workers", "2", "--bind"]
    commands = {
        "web": ([*gunicorn, f"127.0.0.1:{web_port}"], env),
        "web-without-broker": (
            [*gunicorn, f"127.0.0.1:{outage_port}"],
            {**env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"},
        ),
        "worker": (
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-l",
                "INFO",
            ],
            env,
        ),
        "beat": (
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "-l",
                "INFO",
                "--schedule",
                str(tmp / "beat-schedule"),
            ],
            env,
        ),
    }
    processes = {}
    logs = {}
    try:
        for name, (command, process_env) in commands.items():
            logs[name] = open(tmp / f"{name}.log", "w+")  # noqa: SIM115
            processes[name] = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=process_env,
                stdout=logs[name],
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for port in (web_port, outage_port):
            _wait_for(lambda port=port: _healthz(port) == 200, "gunicorn to answer")
        yield {
            "web": f"http://127.0.0.1:{web_port}",
            "web_without_broker": f"http://127.0.0.1:{outage_port}",
            "mail_dir": mail_dir,
            "logs": tmp,
        }
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs.values():
            log.close()


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"Timed out after {DEADLINE_SECONDS}s waiting for {what}.")


def _healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz", timeout=3
        ) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class _Browser:
    """Just enough of a browser for the registration steps: cookies and CSRF.

    Production cookies are Secure, which urllib's cookie jar will not send over
    plain HTTP, so they are kept here by hand.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(NoRedirect)

    def _open(self, path: str, data: dict[str, str] | None = None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Referer": f"{self.base}{path}",
        }
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310
            f"{self.base}{path}", data=body, headers=headers
        )
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return response.status, response.read().decode(errors="replace")

    def submit(self, path: str, fields: dict[str, str]) -> int:
        _, page = self._open(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, _ = self._open(path, {"csrfmiddlewaretoken": token.group(1), **fields})
        return status


def _register(base: str, user_id: str, email: str, ssn: str) -> int:
    """Register through gunicorn as a person would, step by step."""
    browser = _Browser(base)
    profile = {
        "first_name": "Proc",
        "last_name": "Tester",
        "date_of_birth": "1980-04-28",
        "email": email,
        "email_confirm": email,
        "phone": "410-555-0142",
        "address_line1": "7500 Security Blvd",
        "city": "Baltimore",
        "state": "MD",
        "zip_code": "21244",
    }
    assert browser.submit("/register/profile/", profile) == 302
    assert (
        browser.submit(
            "/register/credentials/",
            {
                "user_id": user_id,
                "password1": "violet kettle marches north",
                "password2": "violet kettle marches north",
                "challenge_question": "first_pet",
                "challenge_answer": "Biscuit",
            },
        )
        == 302
    )
    fields = ("first_name", "last_name", "date_of_birth", "phone", "address_line1")
    identity = {key: profile[key] for key in (*fields, "city", "state", "zip_code")}
    assert browser.submit("/proofing/", {**identity, "ssn": ssn}) == 302
    _, page = browser._open("/proofing/questions/")
    answers = stub_answers(
        ssn=ssn,
        date_of_birth=profile["date_of_birth"],
        last_name=profile["last_name"],
        ids=sorted(set(re.findall(r'type="radio" name="([^"]+)"', page))),
    )
    assert browser.submit("/proofing/questions/", answers) == 302
    status, _ = browser._open("/register/")
    return status


def _emails_to(mail_dir: Path, address: str) -> int:
    return sum(
        path.read_text(errors="replace").count(f"To: {address}")
        for path in mail_dir.glob("*")
    )


def test_health_check_through_gunicorn(portal):
    with urllib.request.urlopen(f"{portal['web']}/healthz", timeout=5) as response:  # noqa: S310
        assert response.status == 200
        assert b'"database": "ok"' in response.read()


def test_worker_sends_the_sign_up_email_once(portal):
    assert (
        _register(portal["web"], "procuser1", "proc1@example.org", "666-20-0001") == 302
    )
    _wait_for(
        lambda: _emails_to(portal["mail_dir"], "proc1@example.org") >= 1,
        "the worker to send the confirmation email",
    )
    time.sleep(3)  # Several beat runs later, it has still been sent only once.
    assert _emails_to(portal["mail_dir"], "proc1@example.org") == 1


def test_email_written_while_the_broker_is_down_is_sent_once_by_beat(portal):
    assert (
        _register(
            portal["web_without_broker"],
            "procuser2",
            "proc2@example.org",
            "666-20-0002",
        )
        == 302
    )
    _wait_for(
        lambda: _emails_to(portal["mail_dir"], "proc2@example.org") >= 1,
        "beat's re-send to deliver the email the web process could not queue",
    )
    time.sleep(3)
    assert _emails_to(portal["mail_dir"], "proc2@example.org") == 1
    log = (portal["logs"] / "web-without-broker.log").read_text()
    assert "Could not queue outbox email" in log
