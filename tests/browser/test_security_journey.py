"""Issue 10's security pages in real Chromium: confirming it's you before a
two-factor change, the help desk's identity correction, and the code cool-down."""

from __future__ import annotations

import re
import time

from django.contrib.auth.models import Group
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from harp.groups import HELP_DESK, help_desk_group_sync
from harp.models import PhoneDevice
from tests.browser.conftest import (
    FACTORY_PASSWORD,
    assert_accessible,
    person,
    sign_in,
    totp_code,
)
from tests.harp.gateways import RecordingGateway

HOLDER_KEY = "JBSWY3DPEHPK3PXPHOLDERAAAAAAAAAA"
HELPDESK_KEY = "JBSWY3DPEHPK3PXPHELPDESKAAAAAAAA"
PHONE_KEY = "JBSWY3DPEHPK3PXPPHONEAAAAAAAAAAA"
TOTP_STEP = 30  # seconds, django-otp's default
COOLDOWN = re.compile(r"You can ask for another code in \d+ seconds?\.")


def wrong_code(key: str) -> str:
    """Six digits the app shows at none of the steps the portal would accept."""
    valid = {totp_code(key, steps) for steps in range(-2, 4)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def assert_one_h1_and_labelled_fields(page) -> None:
    expect(page.locator("h1")).to_have_count(1)
    fields = page.locator(
        "main input:not([type=hidden]):not([type=submit]), main select, main textarea"
    )
    for index in range(fields.count()):
        field = fields.nth(index)
        field_id = field.get_attribute("id")
        assert field_id, f"an unlabelled field on {page.url}"
        expect(page.locator(f'label[for="{field_id}"]')).to_have_count(1)


def unspent_code(user, key: str) -> str:
    """The app's code once the one used to sign in is spent.

    A TOTP code works once, so a person whose current code went into signing in
    waits for the next 30-second step. The portal accepts a code one step ahead,
    so the test types that one at once; counting from the step last used (rather
    than from the clock) stays right when signing in crossed a step boundary.
    """
    last_t = TOTPDevice.objects.get(user=user, confirmed=True).last_t
    steps_ahead = max(0, last_t + 1 - int(time.time()) // TOTP_STEP)
    return totp_code(key, steps_ahead=steps_ahead)


def confirm_its_me(page, user, key: str) -> None:
    """On /account/confirm/: the password and an unspent code from the app."""
    page.get_by_label("Password", exact=True).fill(FACTORY_PASSWORD)
    page.get_by_label("Code").fill(unspent_code(user, key))
    page.get_by_role("button", name="Confirm").click()


def test_adding_email_codes_asks_to_confirm_its_you_first(page):
    holder = person("holder01", HOLDER_KEY, email="holder01@example.org")
    sign_in(page, "holder01", HOLDER_KEY)

    page.get_by_role("link", name="Manage two-factor authentication").click()
    page.wait_for_url("**/account/two-factor/")
    assert_accessible(page)
    page.get_by_role("link", name="Add a method").click()
    page.wait_for_url("**/account/two-factor/setup/")
    page.get_by_role("link", name="Use email").click()

    # Sent to confirm it's them first, with the way back in the address.
    page.wait_for_url(
        "**/account/confirm/?next=%2Faccount%2Ftwo-factor%2Fsetup%2Femail%2F"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it\u2019s you")
    expect(page.get_by_text("For your security, confirm it's you")).to_be_visible()
    assert_one_h1_and_labelled_fields(page)
    assert_accessible(page)

    # A wrong code: the form says so, on the code field, and nothing is confirmed.
    page.get_by_label("Password", exact=True).fill(FACTORY_PASSWORD)
    page.get_by_label("Code").fill(wrong_code(HOLDER_KEY))
    page.get_by_role("button", name="Confirm").click()
    expect(
        page.get_by_text("That code is not right, or it has expired.")
    ).to_be_visible()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert "/account/confirm/" in page.url
    assert_one_h1_and_labelled_fields(page)
    assert_accessible(page)

    # The password and a right code: back to where they were going.
    confirm_its_me(page, holder, HOLDER_KEY)
    page.wait_for_url("**/account/two-factor/setup/email/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get codes by email")
    page.get_by_role("button", name="Send me a code").click()
    expect(
        page.get_by_text("We emailed a code to holder01@example.org.")
    ).to_be_visible()
    assert_accessible(page)
    sent = [m for m in mail.outbox if m.to == ["holder01@example.org"]][-1]
    code = re.search(r"code is (\d{6})", sent.body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify and turn on").click()

    # Their first backup codes come with it; then the method is listed.
    page.wait_for_url("**/account/two-factor/backup-codes/")
    page.get_by_role("link", name="I have saved my codes").click()
    page.goto("/account/two-factor/")
    expect(page.locator("tbody th", has_text="Email")).to_have_count(1)
    assert holder.emaildevice_set.filter(confirmed=True).count() == 1
    assert any(
        m.to == ["holder01@example.org"]
        and "two-factor authentication changed" in m.subject
        and "A two-factor method was added: Email." in m.body
        for m in mail.outbox
    )

    # Still within the confirmation's window, the email page opens straight away.
    page.goto("/profile/")
    page.get_by_role("link", name="Email address").click()
    page.wait_for_url("**/accounts/email/")
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)


def test_the_help_desk_corrects_a_last_name_and_the_person_proves_again(page):
    help_desk_group_sync()  # as harp's migration makes the group
    agent = person("helpdesk", HELPDESK_KEY, is_staff=True)
    agent.groups.add(Group.objects.get(name=HELP_DESK))
    proofed = person("gbrooks", "JBSWY3DPEHPK3PXPBROOKSAAAAAAAAAA", last_name="Brooks")
    assert proofed.identity_proofed_at is not None

    sign_in(page, "helpdesk", HELPDESK_KEY)
    page.goto("/admin/")
    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("link", name="gbrooks").click()
    page.wait_for_url(f"**/admin/harp/user/{proofed.pk}/change/")
    assert_accessible(page)
    # No way to grant rights or take the account over from here.
    for name in ("is_superuser", "groups", "password", "email"):
        expect(page.locator(f'[name="{name}"]')).to_have_count(0)
    expect(page.locator('a[href$="/password/"]')).to_have_count(0)

    page.get_by_role("link", name="Correct identity details").click()
    page.wait_for_url(f"**/admin/harp/user/{proofed.pk}/identity/")
    expect(page.get_by_text("gbrooks has proved their identity.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Legal last name").fill("Brooks-Hale")
    page.get_by_label("Reason for the correction").fill(
        "Ticket 4411: married name, marriage certificate seen."
    )
    page.get_by_role("button", name="Save the corrected details").click()

    page.wait_for_url(f"**/admin/harp/user/{proofed.pk}/change/")
    expect(
        page.get_by_text(
            "Corrected legal last name. gbrooks must prove their identity again. "
            "They were emailed about the change."
        )
    ).to_be_visible()
    proofed.refresh_from_db()
    assert proofed.last_name == "Brooks-Hale"
    assert proofed.identity_proofed_at is None
    assert any(
        m.to == [proofed.email] and "identity details were corrected" in m.subject
        for m in mail.outbox
    )


def test_asking_for_a_phone_code_twice_in_a_row_says_when_to_ask_again(page, settings):
    # The live server runs in this process, so settings reach its requests.
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    RecordingGateway.sent.clear()
    phoneless = person("phoneless", PHONE_KEY)
    sign_in(page, "phoneless", PHONE_KEY)

    page.goto("/account/two-factor/setup/phone/")
    page.wait_for_url("**/account/confirm/**")
    confirm_its_me(page, phoneless, PHONE_KEY)
    page.wait_for_url("**/account/two-factor/setup/phone/")
    assert_accessible(page)

    page.get_by_label("Mobile or landline number").fill("410-555-0142")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("We sent a code to (***) ***-0142.")).to_be_visible()
    # "Send a new code" offers the same number again.
    expect(page.get_by_label("Mobile or landline number")).to_have_value("4105550142")
    page.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_text(COOLDOWN)).to_be_visible()
    # The code already sent still works: its form is still there.
    expect(page.get_by_role("heading", name="Enter the code we sent")).to_be_visible()
    assert_accessible(page)

    assert [(kind, number) for kind, number, _ in RecordingGateway.sent] == [
        ("sms", "4105550142")
    ]
    # One unconfirmed device, waiting for the code that was sent.
    assert PhoneDevice.objects.filter(user__username="phoneless").count() == 1
    RecordingGateway.sent.clear()
