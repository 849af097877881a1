"""A whole way in, in real Chromium: register, confirm, two factors, recover."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, totp_code
from tests.proofing.helpers import PASSING_SSN, latest_attempt, right_answers

PASSWORD = "violet kettle marches north"


def fill_registration(
    page, *, profile: dict[str, str], user_id: str, challenge: tuple[str, str]
) -> None:
    """The two form steps of registration, checking each page with axe-core."""
    assert_accessible(page)
    for label, value in profile.items():
        field = page.get_by_label(label, exact=True)
        if label == "State":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url("**/register/credentials/")
    assert_accessible(page)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Challenge question").select_option(challenge[0])
    page.get_by_label("Answer").fill(challenge[1])
    page.get_by_role("button", name="Continue").click()


def register(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Register").first.click()
    page.wait_for_url("**/register/profile/")
    fill_registration(
        page,
        profile={
            "Legal first name": "Rosa",
            "Legal last name": "Parks",
            "Date of birth": "1981-02-04",
            "Email address": "rosa.parks@example.org",
            "Email address again": "Rosa.Parks@example.org",
            "Phone number": "410-555-0142",
            "Home street address": "7500 Security Blvd",
            "City": "Baltimore",
            "State": "MD",
            "ZIP code": "21244",
        },
        user_id="rparks1981",
        challenge=("first_pet", "Biscuit"),
    )

    # Remote proofing, with the stub's passing persona; the profile is filled in.
    page.wait_for_url("**/proofing/")
    assert_accessible(page)
    expect(page.locator("#proofing-details")).to_contain_text("Rosa Parks")
    page.get_by_label("Social Security number").fill(PASSING_SSN)
    page.get_by_role("button", name="Get my questions").click()
    page.wait_for_url("**/proofing/questions/")
    assert_accessible(page)
    for question_id, answer in right_answers(latest_attempt()).items():
        # The design system draws its own radio buttons; people click the label.
        radio = page.locator(f'input[name="{question_id}"][value="{answer}"]')
        page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
        expect(radio).to_be_checked()
    page.get_by_role("button", name="Submit answers").click()

    page.wait_for_url("**/register/done/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("check your email")
    assert_accessible(page)


def confirm_email(page) -> None:
    message = [m for m in mail.outbox if "rosa.parks@example.org" in m.to][-1]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()


def sign_in_with_password(page) -> None:
    page.goto("/login/")
    page.get_by_label("User ID").fill("rparks1981")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")


def test_register_confirm_set_up_two_factors_and_recover_with_a_backup_code(page):
    register(page)

    # Before confirming, sign-in is refused with the reason and a way to resend.
    sign_in_with_password(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your email")
    assert_accessible(page)

    confirm_email(page)
    sign_in_with_password(page)

    # First sign-in: nothing else is reachable until a second factor is set up.
    page.wait_for_url("**/account/two-factor/setup/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Finish setting up your account"
    )
    assert_accessible(page)
    page.goto("/profile/")
    page.wait_for_url("**/account/two-factor/setup/")

    page.get_by_role("link", name="Use an authenticator app").click()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Verify and turn on").click()

    page.wait_for_url("**/account/two-factor/backup-codes/")
    assert_accessible(page)
    codes = page.locator(".portal-backup-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my codes").click()
    page.wait_for_url("**/profile/")
    expect(page.get_by_text("Proofed on", exact=False)).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # Every later sign-in asks for the second factor. The code just used is spent,
    # so the app's next code is the one that works.
    sign_in_with_password(page)
    page.wait_for_url("**/login/verify/")
    assert_accessible(page)
    page.get_by_label("Code").fill(totp_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My Profile")
    expect(page.locator("main").get_by_text("rparks1981", exact=True)).to_be_visible()
    sign_out(page)

    # The phone is lost: a backup code gets the person back in, once.
    sign_in_with_password(page)
    page.wait_for_url("**/login/verify/")
    page.get_by_role("link", name="Use a backup code").click()
    assert_accessible(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/profile/")
    assert_accessible(page)
    sign_out(page)

    sign_in_with_password(page)
    page.get_by_role("link", name="Use a backup code").click()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    assert_accessible(page)
