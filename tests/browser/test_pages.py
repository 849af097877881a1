from __future__ import annotations

from playwright.sync_api import expect

from harp.models import SystemComponent
from tests.browser.conftest import assert_accessible, axe_violations
from tests.harp.factories import SystemComponentFactory


def test_home_and_status_pages_pass_axe(page):
    page.goto("/")
    assert page.title().endswith("Identity & Training Hub")
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Identity & Training Hub"
    )
    assert_accessible(page)

    page.get_by_role("link", name="System status").first.click()
    page.wait_for_url("**/status/")
    assert page.get_by_role("heading", level=1).inner_text() == "System status"
    assert_accessible(page)


def test_status_banner_and_page_pass_axe_in_every_state(page):
    for position, state in enumerate(SystemComponent.State):
        SystemComponentFactory(
            name=f"System {position}", state=state, message=f"Note {position}"
        )

    page.goto("/")
    banners = page.locator(".usa-site-alert")
    assert banners.count() == 3
    assert "System outage" in banners.first.inner_text()
    assert_accessible(page)

    page.goto("/status/")
    assert page.locator("tbody tr").count() == 4
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_axe_reports_a_serious_violation_when_there_is_one(page):
    """The harness itself must be able to fail: a text field without a label."""
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<input type=\"text\">')"
    )
    assert any(v["id"] == "label" for v in axe_violations(page))


def test_sign_in_and_register_pages_pass_axe_and_show_errors_accessibly(page):
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/login/")
    assert_accessible(page)

    page.get_by_label("User ID").fill("nobody1")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").first).to_contain_text("incorrect")
    assert_accessible(page)

    page.get_by_role("link", name="Register").first.click()
    page.wait_for_url("**/register/profile/")
    assert_accessible(page)
