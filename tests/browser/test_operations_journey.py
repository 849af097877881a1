"""QSEP operations in the browser: a proxy, Find by Learner, a transfer, My Dashboard.

An admin grants a State Training Coordinator of Maryland a proxy for Virginia; the
coordinator finds a Virginia learner, sorts by location both ways and reads the CSV
export; the help desk moves the learner to Delaware; the coordinator no longer finds
them; the learner reads the transfer message on My Dashboard, ticks it read and
finds it under Show read.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import expect

from harp.groups import HELP_DESK, help_desk_group_sync
from harp.services import dashboard_message_send
from iqies_roles.models import RoleAssignment
from qsep.models import CoordinatorProxy, LearnerProfile
from tests.browser.conftest import FACTORY_PASSWORD, assert_accessible, person, sign_in
from tests.iqies_roles.factories import role
from tests.qsep.report_factories import COORDINATOR_ROLE, agency, make_learner

ADMIN_KEY = "JBSWY3DPEHPK3PXPADMINAAAAAAAAAAA"
COORDINATOR_KEY = "JBSWY3DPEHPK3PXPCOORDINATORBBBBB"
AGENT_KEY = "JBSWY3DPEHPK3PXPHELPDESKAAAAAAAA"


def build_world():
    maryland, virginia, delaware = agency("MD"), agency("VA"), agency("DE")
    admin = person("siteadmin1", ADMIN_KEY, is_staff=True, is_superuser=True)

    coordinator = person(
        "mdcoord01", COORDINATOR_KEY, first_name="Ida", last_name="Wells"
    )
    coordinators, _ = Group.objects.get_or_create(name="Training coordinators")
    coordinators.permissions.add(
        Permission.objects.get(codename="review_certification")
    )
    coordinator.groups.add(coordinators)
    RoleAssignment.objects.create(
        user=coordinator, role=role(COORDINATOR_ROLE), organization=maryland
    )

    # Browser tests empty the database between tests: the group's data migration
    # is gone, so it is made again the way the migrations make it.
    help_desk_group_sync()
    agent = person("deskagent2", AGENT_KEY, is_staff=True)
    agent.groups.add(Group.objects.get(name=HELP_DESK))

    make_learner("mdlearner1", last="Banneker", first="Ben", state="MD")
    make_learner("mdlearner2", last="Tubman", first="Harriet", state="MD")
    make_learner("valearner2", last="Adams", first="Abby", state="VA")
    learner = make_learner("valearner1", last="Carver", first="George", state="VA")
    assert LearnerProfile.objects.get(user=learner).state_agency == virginia
    return admin, coordinator, agent, learner, delaware


def locations(page) -> list[str]:
    return page.locator('tbody td[data-label="Location"]').all_inner_texts()


def search_by_name(page, name: str) -> None:
    page.goto("/training/reports/learners/")
    page.get_by_label("Search by").select_option("name")
    page.get_by_label("Search for").fill(name)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/training/reports/learners/?*")


def test_proxy_find_export_transfer_and_the_learner_reads_the_message(
    page, browser, live_server
):
    admin, coordinator, _agent, learner, delaware = build_world()
    today = timezone.localdate()

    # An admin grants the Maryland coordinator a proxy for Virginia.
    sign_in(page, "siteadmin1", ADMIN_KEY)
    page.goto("/admin/qsep/coordinatorproxy/add/")
    page.locator("#id_coordinator").fill(str(coordinator.pk))
    page.locator("#id_state_agency").select_option(label=str(agency("VA")))
    page.locator("#id_starts_on").fill(today.isoformat())
    page.locator("#id_ends_on").fill((today + timedelta(days=30)).isoformat())
    page.locator("#id_reason").fill("Covering Virginia while its coordinator is away")
    page.locator('input[name="_save"]').click()
    page.wait_for_url("**/admin/qsep/coordinatorproxy/")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    proxy = CoordinatorProxy.objects.get()
    assert (proxy.coordinator, proxy.state_agency) == (coordinator, agency("VA"))
    assert proxy.granted_by == admin

    # The coordinator finds the Virginia learner.
    coordinating = browser.new_context(base_url=live_server.url, accept_downloads=True)
    coord = coordinating.new_page()
    coord.set_default_timeout(15_000)
    sign_in(coord, "mdcoord01", COORDINATOR_KEY)
    coord.get_by_role("link", name="Reports", exact=True).click()
    coord.wait_for_url("**/training/reports/")
    expect(coord.locator("main")).to_contain_text("Virginia State Agency (VA)")
    assert_accessible(coord)
    coord.get_by_role("link", name="Find by Learner").click()
    coord.wait_for_url("**/training/reports/learners/")
    assert_accessible(coord)
    search_by_name(coord, "carver")
    row = coord.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("valearner1")
    expect(row.first.locator('td[data-label="Location"]')).to_have_text(
        "Virginia State Agency (VA)"
    )
    assert_accessible(coord)

    # Every learner of both states, sorted by location one way, then the other.
    coord.get_by_role("link", name="Show every learner").click()
    expect(coord.locator("tbody tr")).to_have_count(4)
    assert_accessible(coord)
    location = coord.locator("thead th", has_text="Location")
    location.get_by_role("link").click()
    expect(location).to_have_attribute("aria-sort", "ascending")
    assert locations(coord) == [
        "Maryland State Agency (MD)",
        "Maryland State Agency (MD)",
        "Virginia State Agency (VA)",
        "Virginia State Agency (VA)",
    ]
    assert_accessible(coord)
    location.get_by_role("link").click()
    expect(location).to_have_attribute("aria-sort", "descending")
    assert locations(coord) == [
        "Virginia State Agency (VA)",
        "Virginia State Agency (VA)",
        "Maryland State Agency (MD)",
        "Maryland State Agency (MD)",
    ]
    assert coord.locator("thead th[aria-sort]").count() == 1
    assert_accessible(coord)

    # The CSV holds the whole result in the same order.
    with coord.expect_download() as download:
        coord.get_by_role("link", name="Export the whole result as CSV").click()
    assert download.value.suggested_filename.startswith("learners-all-states-")
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Name",
        "User ID",
        "Email",
        "State Agency",
        "State",
        "Facility",
        "CCN",
        "Courses completed",
        "Last activity",
    ]
    assert [r[4] for r in rows[1:]] == ["VA", "VA", "MD", "MD"]
    carver = next(r for r in rows[1:] if r[1] == "valearner1")
    assert carver[:5] == [
        "Carver, George",
        "valearner1",
        "valearner1@example.org",
        "Virginia State Agency",
        "VA",
    ]

    # The help desk moves the learner to Delaware, a state the coordinator lacks.
    desk_context = browser.new_context(base_url=live_server.url)
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    sign_in(desk, "deskagent2", AGENT_KEY)
    desk.get_by_role("link", name="Help desk").click()
    desk.wait_for_url("**/helpdesk/")
    assert_accessible(desk)
    desk.get_by_role("link", name="Open transfers").click()
    desk.wait_for_url("**/helpdesk/transfers/")
    assert_accessible(desk)
    desk.get_by_label("User ID or email address").fill("valearner1")
    desk.get_by_role("button", name="Find the learner").click()
    found = desk.locator("#found-learners tbody tr")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Virginia State Agency")
    assert_accessible(desk)
    found.get_by_role("link", name=re.compile("Transfer")).click()
    desk.wait_for_url(f"**/helpdesk/transfers/{learner.pk}/")
    expect(desk.locator("#current-agency")).to_have_text("Virginia State Agency (VA)")
    assert_accessible(desk)

    # Without a reason nothing moves, and the page says why.
    desk.get_by_label("New State Agency").select_option(label=f"DE: {delaware.name}")
    desk.get_by_role("button", name="Transfer the learner").click()
    expect(desk.get_by_role("alert").first).to_contain_text(
        "Give the reason for the transfer."
    )
    assert LearnerProfile.objects.get(user=learner).state_agency == agency("VA")
    assert_accessible(desk)
    desk.get_by_label("New State Agency").select_option(label=f"DE: {delaware.name}")
    desk.get_by_label("Reason for the transfer").fill(
        "The learner took a job in Delaware; ticket 4411"
    )
    desk.get_by_role("button", name="Transfer the learner").click()
    desk.wait_for_url("**/helpdesk/transfers/")
    expect(
        desk.get_by_text("valearner1 moved to Delaware State Agency.")
    ).to_be_visible()
    expect(desk.locator("#recent-transfers tbody tr").first).to_contain_text(
        "valearner1"
    )
    assert_accessible(desk)
    desk_context.close()

    # The coordinator no longer finds the learner, by name or in the CSV.
    search_by_name(coord, "carver")
    expect(coord.locator("tbody tr")).to_have_count(0)
    expect(coord.get_by_role("status")).to_contain_text("No learners match")
    assert_accessible(coord)
    response = coord.request.get(
        f"/training/reports/learners/{learner.pk}/", fail_on_status_code=False
    )
    assert response.status == 404
    coordinating.close()

    # The learner reads the message on My Dashboard, ticks it read, filters.
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("User ID").fill("valearner1")
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profile/")
    unread = page.locator("header [data-dashboard-unread]")
    expect(unread).to_have_text("(1 unread)")
    page.get_by_role("link", name=re.compile("My Dashboard")).click()
    page.wait_for_url("**/training/dashboard/")
    subject = "You moved to Delaware State Agency"
    message = page.locator("tbody tr", has_text=subject)
    expect(message).to_have_count(1)
    assert_accessible(page)
    message.locator("summary").click()
    expect(message).to_contain_text("from Virginia State Agency to Delaware")
    # The box saves at once (the script hides the Save button) and the count follows.
    expect(message.get_by_role("button", name=re.compile("Save"))).to_be_hidden()
    box = message.get_by_role("checkbox")
    message.locator("label.usa-checkbox__label").click()
    expect(box).to_be_checked()
    expect(unread).to_have_text("")
    expect(message).to_have_class(re.compile("portal-message--read"))
    assert_accessible(page)

    page.get_by_role("link", name="Show read").click()
    page.wait_for_url("**/training/dashboard/?show=read*")
    expect(page.locator("tbody tr", has_text=subject)).to_have_count(1)
    expect(page.locator("tbody tr").first.get_by_role("checkbox")).to_be_checked()
    # (No axe here: it needs JavaScript; the journey above checks this page.)
    page.get_by_role("link", name="Show unread").click()
    page.wait_for_url("**/training/dashboard/?show=unread*")
    expect(page.get_by_text("You have no unread messages.")).to_be_visible()
    assert_accessible(page)


def test_without_javascript_the_save_button_marks_a_message_read_and_unread(
    browser, live_server
):
    learner = make_learner("valearner3", last="Hopper", first="Grace", state="VA")
    dashboard_message_send(
        recipient=learner, subject="Your course is complete", body="Well done."
    )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.get_by_label("User ID").fill("valearner3")
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profile/")
    page.get_by_role("link", name=re.compile("My Dashboard")).click()
    page.wait_for_url("**/training/dashboard/")
    unread = page.locator("header [data-dashboard-unread]")
    expect(unread).to_have_text("(1 unread)")
    row = page.locator("tbody tr", has_text="Your course is complete")
    row.locator("label.usa-checkbox__label").click()
    row.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_url("**/training/dashboard/")
    expect(unread).to_have_text("")
    expect(page.locator("tbody tr").first.get_by_role("checkbox")).to_be_checked()
    # (No axe here: it needs JavaScript; the journey above checks this page.)

    page.locator("tbody tr label.usa-checkbox__label").first.click()
    page.locator("tbody tr").first.get_by_role(
        "button", name=re.compile("Save")
    ).click()
    expect(unread).to_have_text("(1 unread)")
    context.close()
