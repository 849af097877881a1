"""The browser-test harness: the portal on a free port, Debian's Chromium, axe-core.

pytest-django's `live_server` starts the portal in a thread on a free port; Playwright
drives `/usr/bin/chromium` (Playwright cannot download its own browser here); axe-core
comes from npm and is injected into each page it checks.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.harp.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}
# The password `tests.harp.factories.UserFactory` gives every account.
FACTORY_PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(item.path).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (make test does)."
        if os.environ.get("CI"):
            pytest.fail(f"CI never skips browser tests. {message}")
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM
    # calls from such a thread unless told the caller is synchronous, as tests are.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page) -> list[dict[str, object]]:
    """Run axe-core on the page and return its serious and critical violations."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does).")
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n" + json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [node["target"] for node in v["nodes"]],
            }
            for v in violations
        ],
        indent=2,
    )


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show, `steps_ahead` periods from now."""
    compact = secret.replace(" ", "")
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def person(username: str, key: str, **fields):
    """A proofed account (UserFactory) with an authenticator app on base32 `key`."""
    fields.setdefault("identity_proofed_at", timezone.now())
    user = UserFactory(username=username, **fields)
    TOTPDevice.objects.create(user=user, name="App", key=base64.b32decode(key).hex())
    return user


def sign_in(page, username: str, key: str) -> None:
    """Password, then the authenticator app's current code; lands on My Profile."""
    page.goto("/login/")
    page.get_by_label("User ID").fill(username)
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/verify/")
    page.get_by_label("Code").fill(totp_code(key))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/profile/")
