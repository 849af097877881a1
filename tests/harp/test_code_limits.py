"""Codes by email, text and call are limited per account and per phone number."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice

from harp.audit import AuditAction
from harp.models import AuditEvent, OutboxMessage, PhoneDevice
from tests.harp.factories import UserFactory
from tests.harp.gateways import RecordingGateway

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
COOLDOWN = re.compile(r"You can ask for another code in (\d+) seconds\.")
CAP = "You have asked for the most codes allowed in a day. Try again after "


@pytest.fixture(autouse=True)
def recording_gateway(settings):
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    RecordingGateway.sent.clear()
    yield RecordingGateway.sent
    RecordingGateway.sent.clear()


def send_to(client, number: str, method: str = "sms"):
    return client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "send", "number": number, "method": method},
        follow=True,
    )


def numbers(count: int) -> list[str]:
    return [f"(410) 555-{100 + n:04d}" for n in range(count)]


def test_setup_sends_one_code_then_asks_to_wait(client, recording_gateway):
    """The attack as reported: set-up "send" for 12 numbers in a row."""
    user = UserFactory(username="spammer01")
    client.force_login(user)
    pages = [send_to(client, number).content.decode() for number in numbers(12)]

    assert len(recording_gateway) == 1
    assert "We sent a code to (***) ***-0100" in pages[0]
    for page in pages[1:]:
        match = COOLDOWN.search(page)
        assert match, page
        assert 0 < int(match.group(1)) <= 60
        assert "We sent a code" not in page
    # The first number's code is still the one pending, and still works.
    device = PhoneDevice.objects.get(user=user, confirmed=False)
    assert device.number == "4105550100"


def test_setup_sends_at_most_the_daily_cap_to_any_numbers(
    client, settings, recording_gateway
):
    settings.CODE_SEND_COOLDOWN = 0
    settings.CODE_SEND_NUMBER_COOLDOWN = 0
    settings.CODE_SEND_DAILY_LIMIT = 10
    user = UserFactory(username="spammer02")
    client.force_login(user)
    pages = [send_to(client, number).content.decode() for number in numbers(12)]

    assert len(recording_gateway) == 10
    assert [number for _, number, _ in recording_gateway] == [
        f"410555{100 + n:04d}" for n in range(10)
    ]
    for page in pages[10:]:
        assert re.search(
            CAP + r"\d{1,2}:\d{2} [AP]M( tomorrow)?, use another method, or call "
            r"the help desk at 1-800-555-0100\.",
            page,
        ), page
        assert "We sent a code" not in page
    events = AuditEvent.objects.filter(action=AuditAction.CODE_SEND_LIMIT_REACHED)
    assert events.count() == 2
    assert events.first().details == {"number": "***0111"}


def test_one_number_is_capped_whoever_asks(client, settings, recording_gateway):
    settings.CODE_SEND_COOLDOWN = 0
    settings.CODE_SEND_NUMBER_COOLDOWN = 0
    settings.CODE_SEND_NUMBER_DAILY_LIMIT = 5
    first, second = UserFactory(username="spammer03"), UserFactory(username="spammer04")
    other = client.__class__()
    client.force_login(first)
    other.force_login(second)
    pages = []
    for turn in range(4):
        # The same number, written differently each time, from two accounts.
        pages.append(send_to(client, "410-555-0199").content.decode())
        pages.append(send_to(other, f"+1 (410) 555 0199{' ' * turn}").content.decode())

    assert len(recording_gateway) == 5
    for page in pages[5:]:
        assert CAP in page
    # Another number is still fine for either account.
    assert "We sent a code" in send_to(other, "410-555-0142").content.decode()


def test_one_number_waits_out_its_cool_down_whoever_asks(client, recording_gateway):
    first, second = UserFactory(username="spammer05"), UserFactory(username="spammer06")
    other = client.__class__()
    client.force_login(first)
    other.force_login(second)
    assert "We sent a code" in send_to(client, "410-555-0199").content.decode()
    page = send_to(other, "4105550199", method="voice").content.decode()
    assert COOLDOWN.search(page)
    assert len(recording_gateway) == 1


def test_email_setup_resend_waits_out_the_cool_down(client):
    user = UserFactory(username="emailspam1")
    client.force_login(user)
    url = reverse("harp:two-factor-setup-email")
    first = client.post(url, {"action": "send"}, follow=True).content.decode()
    assert f"We emailed a code to {user.email}." in first
    device = EmailDevice.objects.get(user=user, confirmed=False)

    again = client.post(url, {"action": "send"}, follow=True).content.decode()
    assert COOLDOWN.search(again)
    assert "We emailed" not in again
    assert OutboxMessage.objects.filter(to=[user.email]).count() == 1
    # The code already sent still confirms the device.
    response = client.post(url, {"action": "verify", "token": device.token})
    assert response.url == reverse("harp:two-factor-backup-codes")


def test_email_setup_is_capped_per_day(client, settings):
    settings.CODE_SEND_COOLDOWN = 0
    settings.CODE_SEND_DAILY_LIMIT = 3
    user = UserFactory(username="emailspam2")
    client.force_login(user)
    url = reverse("harp:two-factor-setup-email")
    pages = [
        client.post(url, {"action": "send"}, follow=True).content.decode()
        for _ in range(5)
    ]
    assert OutboxMessage.objects.filter(to=[user.email]).count() == 3
    assert all(CAP in page for page in pages[3:])
    assert AuditEvent.objects.filter(
        action=AuditAction.CODE_SEND_LIMIT_REACHED, details={"channel": "email"}
    ).exists()


def start_sign_in(client, user_id: str):
    response = client.post(
        reverse("account_login"), {"login": user_id, "password": PASSWORD}
    )
    assert response.url == reverse("harp:two-factor-verify")


def ask_for_code(client, device):
    return client.post(
        reverse("harp:two-factor-verify"),
        {"device": device.persistent_id, "action": "send"},
    )


def test_sign_in_send_waits_out_the_cool_down(client, recording_gateway):
    user = UserFactory(username="signspam01")
    device = PhoneDevice.objects.create(
        user=user, name="Phone", number="4105550142", method="sms"
    )
    start_sign_in(client, "signspam01")
    first = ask_for_code(client, device).content.decode()
    assert "We sent a code to (***) ***-0142" in first
    for _ in range(3):
        page = ask_for_code(client, device).content.decode()
        assert COOLDOWN.search(page)
        assert "We sent a code" not in page
    assert len(recording_gateway) == 1


def test_sign_in_email_send_waits_out_the_cool_down(client):
    user = UserFactory(username="signspam02")
    device = EmailDevice.objects.create(user=user, name="Email", email=user.email)
    start_sign_in(client, "signspam02")
    assert "We emailed a code" in ask_for_code(client, device).content.decode()
    assert COOLDOWN.search(ask_for_code(client, device).content.decode())
    assert OutboxMessage.objects.filter(to=[user.email]).count() == 1


def test_set_up_and_sign_in_share_the_account_cap(client, settings, recording_gateway):
    settings.CODE_SEND_COOLDOWN = 0
    settings.CODE_SEND_NUMBER_COOLDOWN = 0
    settings.CODE_SEND_DAILY_LIMIT = 3
    user = UserFactory(username="signspam03")
    setup = client.__class__()
    setup.force_login(user)
    send_to(setup, "410-555-0150")
    send_to(setup, "410-555-0151")
    device = PhoneDevice.objects.create(
        user=user, name="Phone", number="4105550142", method="voice"
    )
    start_sign_in(client, "signspam03")
    assert (
        "We are calling (***) ***-0142" in ask_for_code(client, device).content.decode()
    )
    assert CAP in ask_for_code(client, device).content.decode()
    assert len(recording_gateway) == 3


def test_a_failed_delivery_says_so_keeps_nothing_and_may_be_retried(client, settings):
    settings.SMS_GATEWAY = "tests.harp.gateways.FailingGateway"
    user = UserFactory(username="failing01")
    client.force_login(user)
    page = send_to(client, "410-555-0142").content.decode()
    assert "We could not send the code. Try again, or choose another method." in page
    assert "We sent" not in page
    assert not PhoneDevice.objects.filter(user=user).exists()

    # The failed try gave its cool-down back: the next try goes out at once.
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    assert "We sent a code" in send_to(client, "410-555-0142").content.decode()


def test_a_failed_delivery_at_sign_in_says_so(client, settings):
    settings.SMS_GATEWAY = "tests.harp.gateways.FailingGateway"
    user = UserFactory(username="failing02")
    device = PhoneDevice.objects.create(
        user=user, name="Phone", number="4105550142", method="sms"
    )
    token_before = device.token
    start_sign_in(client, "failing02")
    response = ask_for_code(client, device)
    assert response.status_code == 200
    page = response.content.decode()
    assert "We could not send the code. Try again, or choose another method." in page
    assert "We sent" not in page
    device.refresh_from_db()
    assert device.token == token_before


def test_codes_are_not_sent_when_the_cache_is_down(client, settings, recording_gateway):
    user = UserFactory(username="nocache01")
    client.force_login(user)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    page = send_to(client, "410-555-0142").content.decode()
    assert "We could not send the code. Try again, or choose another method." in page
    assert recording_gateway == []
