"""A role request in the browser: requested, approved by the security official."""

from __future__ import annotations

from django.core import mail
from playwright.sync_api import expect

from iqies_roles.models import RoleAssignment
from tests.browser.conftest import assert_accessible, person, sign_in
from tests.iqies_roles.factories import provider, role

REQUESTER_KEY = "JBSWY3DPEHPK3PXPREQUESTERBBBBBBB"
OFFICIAL_KEY = "JBSWY3DPEHPK3PXPOFFICIALBBBBBBBB"


def test_request_provider_assessment_submitter_and_the_official_approves(
    page, browser, live_server
):
    hospital = provider("210001", name="Chesapeake General Hospital", city="Baltimore")
    official = person("officer01", OFFICIAL_KEY)
    RoleAssignment.objects.create(
        user=official, role=role("provider-security-official"), organization=hospital
    )
    person("submitter1", REQUESTER_KEY, email="submitter@example.org")

    sign_in(page, "submitter1", REQUESTER_KEY)
    page.get_by_role("link", name="Request a role").click()
    page.wait_for_url("**/roles/request/")
    assert_accessible(page)
    page.locator('label[for="id_category_0"]').click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/roles/request/role/")
    assert_accessible(page)
    page.locator("label", has_text="Assessment Submitter").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/roles/request/organizations/")
    page.get_by_label("CCN").fill("21-0001")
    page.get_by_role("button", name="Add CCN").click()
    expect(
        page.get_by_text("Chesapeake General Hospital, Baltimore MD")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/roles/request/review/")
    assert_accessible(page)
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url("**/profile/")
    expect(page.get_by_text("Role request submitted.")).to_be_visible()
    assert_accessible(page)

    desk_context = browser.new_context(base_url=live_server.url)
    desk = desk_context.new_page()
    sign_in(desk, "officer01", OFFICIAL_KEY)
    desk.get_by_role("link", name="Role approvals").click()
    desk.wait_for_url("**/roles/approvals/")
    assert_accessible(desk)
    desk.get_by_role("link", name="Tester").first.click()
    assert_accessible(desk)
    desk.locator('label[for="id_decision_0"]').click()
    desk.get_by_role("button", name="Save decision").click()
    desk.wait_for_url("**/roles/approvals/")
    expect(desk.get_by_text("No requests are waiting for you.")).to_be_visible()
    desk_context.close()

    page.reload()
    expect(
        page.get_by_text("Assessment Submitter, Chesapeake General Hospital (210001)")
    ).to_be_visible()
    assert any(
        "approved" in m.subject and m.to == ["submitter@example.org"]
        for m in mail.outbox
    )
