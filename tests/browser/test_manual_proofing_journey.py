"""Failing remote proofing, proving with documents, and the help desk approving."""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, totp_code
from tests.browser.test_account_journey import PASSWORD, fill_registration
from tests.harp.factories import UserFactory
from tests.proofing.helpers import latest_attempt, stub_answers

SSN = "666-91-0001"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def choose(page, question_id: str, answer: str) -> None:
    radio = page.locator(f'input[name="{question_id}"][value="{answer}"]')
    page.locator(f'label[for="{radio.get_attribute("id")}"]').click()


def sign_in(page, user_id: str, password: str, secret: str | None, steps_ahead=0):
    page.goto("/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if secret is not None:
        page.wait_for_url("**/login/verify/")
        page.get_by_label("Code").fill(totp_code(secret, steps_ahead))
        page.get_by_role("button", name="Verify").click()


def test_fail_remote_proofing_send_documents_and_the_help_desk_approves(
    page, browser, live_server
):
    # Registration, with remote proofing answered wrongly.
    page.goto("/register/")
    fill_registration(
        page,
        profile={
            "Legal first name": "Mary",
            "Legal last name": "Jackson",
            "Date of birth": "1975-04-09",
            "Email address": "mary.jackson@example.org",
            "Email address again": "mary.jackson@example.org",
            "Phone number": "757-555-0100",
            "Home street address": "1 Langley Blvd",
            "City": "Hampton",
            "State": "VA",
            "ZIP code": "23681",
        },
        user_id="mjackson75",
        challenge=("birth_city", "Hampton"),
    )

    page.wait_for_url("**/proofing/")
    page.get_by_label("Social Security number").fill(SSN)
    page.get_by_role("button", name="Get my questions").click()
    page.wait_for_url("**/proofing/questions/")
    attempt = latest_attempt()
    right = stub_answers(
        ssn=SSN,
        date_of_birth="1975-04-09",
        last_name="Jackson",
        ids=[q["id"] for q in attempt.questions],
    )
    for question in attempt.questions:
        wrong = next(c for c in question["choices"] if c != right[question["id"]])
        choose(page, question["id"], wrong)
    page.get_by_role("button", name="Submit answers").click()

    page.wait_for_url("**/proofing/result/")
    expect(
        page.get_by_role("heading", name="We could not prove your identity online")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Prove my identity with documents").click()
    page.wait_for_url("**/register/done/")
    expect(page.get_by_text("prove your identity with documents")).to_be_visible()
    assert_accessible(page)

    # Confirm, sign in, set up an authenticator app.
    message = [m for m in mail.outbox if "mary.jackson@example.org" in m.to][-1]
    page.goto(
        re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    )
    page.get_by_role("button", name="Confirm").click()
    sign_in(page, "mjackson75", PASSWORD, secret=None)
    page.wait_for_url("**/account/two-factor/setup/")
    page.get_by_role("link", name="Use an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Verify and turn on").click()
    page.get_by_role("link", name="I have saved my codes").click()

    # My Profile leads to the documents page; upload and submit.
    page.wait_for_url("**/profile/")
    assert_accessible(page)
    page.get_by_role("link", name="Use documents instead").click()
    page.wait_for_url("**/proofing/manual/")
    assert_accessible(page)
    files = [
        ("photo_id", "drivers_license", "license.jpg", "image/jpeg", JPEG),
        ("financial", "", "bank.pdf", "application/pdf", PDF),
        ("financial", "", "payslip.pdf", "application/pdf", PDF),
    ]
    for kind, id_type, name, mime, content in files:
        page.get_by_label("What is this document?").select_option(kind)
        if id_type:
            page.get_by_label("Type of photo ID").select_option(id_type)
        page.get_by_label("File").set_input_files(
            {"name": name, "mimeType": mime, "buffer": content}
        )
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_text("The document was added.")).to_be_visible()
    expect(page.locator("#still-needed")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Waiting for the help desk")).to_be_visible()

    # A help-desk agent claims the case, opens a document and approves.
    agent = UserFactory(username="deskagent1", is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="work_proofing_queue"))
    agent_secret = "JBSWY3DPEHPK3PXPAGENTAAAAAAAAAAA"
    import base64

    TOTPDevice.objects.create(
        user=agent, name="App", key=base64.b32decode(agent_secret).hex()
    )
    desk_context = browser.new_context(base_url=live_server.url)
    desk = desk_context.new_page()
    sign_in(desk, "deskagent1", "correct horse battery", agent_secret)
    desk.wait_for_url("**/profile/")
    desk.get_by_role("link", name="Help desk").click()
    assert_accessible(desk)
    desk.get_by_role("link", name="Open manual proofing").click()
    desk.wait_for_url("**/helpdesk/proofing/")
    assert_accessible(desk)
    desk.get_by_role("link", name="Jackson, Mary").click()
    assert_accessible(desk)
    desk.get_by_role("button", name="Claim this case").click()
    with desk.expect_popup() as popup:
        desk.get_by_role("link", name=re.compile("license.jpg")).click()
    assert (
        popup.value.url.endswith("/")
        and "/helpdesk/proofing/documents/" in popup.value.url
    )
    popup.value.close()
    # PDFs are downloaded, never shown in the portal's own origin.
    with desk.expect_download() as download:
        desk.get_by_role("link", name=re.compile("bank.pdf")).click()
    assert download.value.suggested_filename == "document.pdf"
    desk.get_by_text("Approve: the documents prove this identity").click()
    assert_accessible(desk)
    desk.get_by_role("button", name="Save decision").click()
    desk.wait_for_url("**/helpdesk/proofing/")
    expect(desk.get_by_text("No cases are waiting.")).to_be_visible()
    desk_context.close()

    # The person signs in proofed.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "mjackson75", PASSWORD, secret, steps_ahead=1)
    page.wait_for_url("**/profile/")
    expect(page.get_by_text("Proofed on", exact=False)).to_be_visible()
    assert any("identity is proofed" in m.subject for m in mail.outbox)
