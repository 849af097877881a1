from __future__ import annotations

import re

from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from playwright.sync_api import expect

from harp.groups import HELP_DESK, help_desk_group_sync
from harp.models import SystemComponent
from harp.services import dashboard_message_send, user_sign_in_failed
from iqies_roles.models import RoleAssignment
from qsep.models import ProviderType
from tests.browser.conftest import (
    FACTORY_PASSWORD,
    assert_accessible,
    axe_violations,
    person,
    sign_in,
)
from tests.harp.factories import SystemComponentFactory, UserFactory
from tests.iqies_roles.factories import role
from tests.qsep.report_factories import (
    COORDINATOR_ROLE,
    agency,
    complete,
    course,
    make_learner,
    plan,
    proxy,
)


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


# -- The pages of QSEP operations (issue 11), each persona's, with data and errors

COORDINATOR_KEY = "JBSWY3DPEHPK3PXPPAGESCOORDAAAAAA"
AGENT_KEY = "JBSWY3DPEHPK3PXPPAGESAGENTAAAAAA"


def sign_in_learner(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("User ID").fill(username)
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profile/")


def test_learner_dashboard_and_employment_pages_pass_axe(page):
    ProviderType.objects.create(name="Home Health Agency")
    learner = make_learner("pagelearner1", last="Lovelace", first="Ada")
    for number in range(3):
        dashboard_message_send(
            recipient=learner,
            subject=f"Message {number}",
            body="A line of news.\n\nAnother paragraph.",
            link="/training/my/" if number else "",
        )
    sign_in_learner(page, "pagelearner1")

    page.get_by_role("link", name=re.compile("My Dashboard")).click()
    page.wait_for_url("**/training/dashboard/")
    expect(page.locator("tbody tr")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("link", name="Show read").click()
    expect(page.get_by_text("You have no read messages.")).to_be_visible()
    assert_accessible(page)

    page.goto("/training/profile/")
    assert_accessible(page)
    page.get_by_role("button", name="Save and confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Choose your employment type."
    )
    assert_accessible(page)
    page.locator("label", has_text="State surveyor").click()
    page.get_by_role("button", name="Save and confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text("at least one")
    assert_accessible(page)


def test_coordinator_report_and_broadcast_pages_pass_axe(page):
    coordinator = person("pagecoord01", COORDINATOR_KEY)
    group, _ = Group.objects.get_or_create(name="Training coordinators")
    group.permissions.add(Permission.objects.get(codename="review_certification"))
    coordinator.groups.add(group)
    RoleAssignment.objects.create(
        user=coordinator, role=role(COORDINATOR_ROLE), organization=agency("MD")
    )
    proxy(coordinator, "VA")
    first, second = course("hand-hygiene"), course("fire-safety")
    plan("surveyor-basics", first, second)
    done = make_learner("pagelearn01", last="Franklin", first="Rosalind")
    complete(done, first)
    complete(done, second)
    make_learner("pagelearn02", last="Curie", first="Marie")
    make_learner("pagelearn03", last="Meitner", first="Lise", state="VA")

    sign_in(page, "pagecoord01", COORDINATOR_KEY)
    page.get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url("**/training/reports/")
    assert_accessible(page)

    page.get_by_role("link", name="Find by Learner").click()
    assert_accessible(page)
    page.get_by_label("Search by").select_option("email")
    page.get_by_label("Search for").fill("not an address")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("whole email address")
    assert_accessible(page)
    page.goto("/training/reports/learners/?state=MD&sort=-completed")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("link", name="Franklin, Rosalind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Franklin, Rosalind")
    assert_accessible(page)

    page.goto("/training/reports/training-status/")
    assert_accessible(page)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert").first).to_contain_text("Choose a training plan.")
    assert_accessible(page)
    page.get_by_label("Training plan", exact=True).select_option("surveyor-basics")
    page.get_by_label("State", exact=True).select_option("MD")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    assert_accessible(page)

    page.goto("/training/dashboard/broadcast/")
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)


def test_help_desk_activation_unlock_and_transfer_pages_pass_axe(page):
    help_desk_group_sync()
    agent = person("pageagent01", AGENT_KEY, is_staff=True)
    agent.groups.add(Group.objects.get(name=HELP_DESK))
    waiting = UserFactory(username="waiting01", email_verified=False)
    UserFactory(username="lockedout1")
    for _ in range(20):
        if user_sign_in_failed(
            typed_user_id="lockedout1", request=RequestFactory().post("/login/")
        ):
            break
    agency("DE")
    learner = make_learner("pagelearn09", last="Goodall", first="Jane")

    sign_in(page, "pageagent01", AGENT_KEY)
    page.get_by_role("link", name="Help desk").click()
    page.wait_for_url("**/helpdesk/")
    assert_accessible(page)

    page.get_by_role("link", name="Open activation requests").click()
    expect(page.locator("#activation-requests tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.get_by_label("User ID or email address").fill("nobody99")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("No unconfirmed account")
    assert_accessible(page)
    page.goto(f"/helpdesk/activation/{waiting.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm the email address").click()
    expect(page.get_by_role("alert").first).to_contain_text("Give the reason.")
    assert_accessible(page)

    page.goto("/helpdesk/unlocks/")
    expect(page.locator("#locked-accounts tbody tr")).to_have_count(1)
    assert_accessible(page)

    page.goto("/helpdesk/transfers/")
    assert_accessible(page)
    page.get_by_label("User ID or email address").fill("pagelearn09")
    page.get_by_role("button", name="Find the learner").click()
    expect(page.locator("#found-learners tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.goto(f"/helpdesk/transfers/{learner.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Transfer the learner").click()
    expect(page.get_by_role("alert").first).to_contain_text("Choose the State Agency")
    assert_accessible(page)
