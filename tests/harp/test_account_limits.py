"""Limits on guessing and on email floods (findings 9, 11 and 12), each attacked."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.adapter import SIGN_IN_FAILED_MESSAGE
from harp.audit import AuditAction
from harp.lockout import KNOWN_DEVICE_COOKIE, sign_in_delay
from harp.models import AuditEvent
from tests.harp.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "amber trolley sings loudly"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(client, user_id: str, password: str = PASSWORD):
    return client.post(
        reverse("account_login"), {"login": user_id, "password": password}
    )


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def failure_message(settings) -> str:
    return SIGN_IN_FAILED_MESSAGE.format(
        failures=settings.LOCKOUT_FAILURES, minutes=settings.LOCKOUT_DURATION // 60
    )


# Finding 9: the challenge answer on a password reset link.


def reset_link(client, email: str, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    body = [m for m in mail.outbox if email in m.to][-1].body
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", body)
    return client.get(link.group(1)).url


def answer(client, form_url: str, challenge_answer: str):
    return client.post(
        form_url,
        {
            "challenge_answer": challenge_answer,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def test_wrong_challenge_answers_end_the_reset_link(
    client, settings, django_capture_on_commit_callbacks
):
    user = UserFactory(username="guessme01", email="guess@example.org")
    form_url = reset_link(
        client, "guess@example.org", django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    pages = []
    with django_capture_on_commit_callbacks(execute=True):
        for guess in ("Rex", "Fido", "Spot", "Max", "Buddy", "Rover", "Lassie", "Sam"):
            pages.append(answer(client, form_url, guess).content.decode())
        right = answer(client, form_url, "Biscuit")
    assert "After 3 wrong answers this link stops working" in pages[0]
    assert "no longer works" in pages[2]
    assert right.status_code == 200
    assert "This link no longer works" in right.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert (
        AuditEvent.objects.filter(action=AuditAction.CHALLENGE_ANSWER_FAILED).count()
        == settings.RESET_ANSWER_FAILURES
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_RESET_LINK_ENDED, target_id=str(user.pk)
    ).exists()
    (told,) = [m for m in mail.outbox if m.to == ["guess@example.org"]]
    assert "no longer works" in told.body


def test_a_new_link_works_but_too_many_wrong_answers_stop_reset_for_a_day(
    client, settings, django_capture_on_commit_callbacks
):
    user = UserFactory(username="guessme02", email="guess2@example.org")
    first = reset_link(client, "guess2@example.org", django_capture_on_commit_callbacks)
    for guess in ("Rex", "Fido", "Spot"):
        answer(client, first, guess)
    time.sleep(1.05)  # a reset key carries its time in seconds: a new second, a new key
    second = reset_link(
        client, "guess2@example.org", django_capture_on_commit_callbacks
    )
    assert answer(client, second, "Rex").status_code == 200  # still usable
    for guess in ("Fido", "Spot"):
        answer(client, second, guess)
    time.sleep(1.05)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "guess2@example.org"})
    body = mail.outbox[-1].body
    third = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", body)
    response = client.get(third.group(1))
    assert "This link no longer works" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_LOCKED).exists()


def test_the_right_answer_within_the_limit_still_resets(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(username="guessme03", email="guess3@example.org")
    form_url = reset_link(
        client, "guess3@example.org", django_capture_on_commit_callbacks
    )
    answer(client, form_url, "Rex")
    assert answer(client, form_url, "Biscuit").status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_emails_are_rate_limited(
    client, settings, django_capture_on_commit_callbacks
):
    assert settings.ACCOUNT_RATE_LIMITS.get("reset_password")
    UserFactory(username="flooded01", email="flooded@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(12):
            client.post(
                reverse("account_reset_password"), {"email": "flooded@example.org"}
            )
    assert 1 <= len(mail.outbox) <= 5


# Finding 11: someone else keeping a person locked out.


def full_sign_in(client, user_id: str, device: TOTPDevice, steps_ahead: int = 0):
    response = sign_in(client, user_id)
    assert response.url == reverse("harp:two-factor-verify"), errors(response)
    return client.post(
        reverse("harp:two-factor-verify"),
        {
            "device": device.persistent_id,
            "action": "verify",
            "token": code_for(device, steps_ahead),
        },
    )


@pytest.fixture
def victim():
    user = UserFactory(username="approver1", email="approver@example.org")
    return user, TOTPDevice.objects.create(user=user, name="Phone app")


def test_a_lock_caused_by_others_does_not_stop_the_persons_known_device(
    client, settings, victim
):
    user, device = victim
    assert full_sign_in(client, "approver1", device).url == reverse("harp:profile")
    assert KNOWN_DEVICE_COOKIE in client.cookies
    client.post(reverse("account_logout"))

    attacker = Client()
    for _ in range(20):
        sign_in_delay.clear("approver1")  # a patient attacker waits out each delay
        attacker.post(
            reverse("account_login"),
            {"login": "approver1", "password": "guessing again"},
        )
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT).exists()
    # Everyone else, the right password included, is still refused.
    stranger = Client()
    assert errors(sign_in(stranger, "approver1")) == [failure_message(settings)]

    response = full_sign_in(client, "approver1", device, steps_ahead=1)
    assert response.url == reverse("harp:profile")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.KNOWN_DEVICE_PASSED_LOCK, target_id=str(user.pk)
    ).exists()
    assert errors(sign_in(Client(), "approver1")) == [failure_message(settings)]


def test_the_wait_others_caused_does_not_stop_the_known_device(client, victim):
    _user, device = victim
    full_sign_in(client, "approver1", device)
    client.post(reverse("account_logout"))
    attacker = Client()
    for _ in range(4):
        attacker.post(
            reverse("account_login"),
            {"login": "approver1", "password": "guessing again"},
        )
    assert "Wait" in errors(sign_in(Client(), "approver1"))[0]
    response = full_sign_in(client, "approver1", device, steps_ahead=1)
    assert response.url == reverse("harp:profile")


def test_a_known_device_still_needs_the_second_factor(client, victim):
    _user, device = victim
    full_sign_in(client, "approver1", device)
    client.post(reverse("account_logout"))
    response = sign_in(client, "approver1")
    assert response.url == reverse("harp:two-factor-verify")
    assert "_auth_user_id" not in client.session


def test_a_known_devices_own_failures_count_against_it(client, settings, victim):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0
    _, device = victim
    full_sign_in(client, "approver1", device)
    client.post(reverse("account_logout"))
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, "approver1", "guessing again")
    assert errors(sign_in(client, "approver1")) == [failure_message(settings)]


def test_a_cookie_for_another_account_passes_no_lock(client, settings, victim):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0
    _, device = victim
    full_sign_in(client, "approver1", device)  # the attacker's own account
    client.post(reverse("account_logout"))
    UserFactory(username="target002")
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(Client(), "target002", "guessing again")
    assert errors(sign_in(client, "target002")) == [failure_message(settings)]


@pytest.mark.parametrize("user_id", ["slowuser1", "nosuchid1"])
def test_a_few_failures_make_the_user_id_wait_before_the_lock(
    client, settings, user_id
):
    UserFactory(username="slowuser1")
    for _ in range(settings.LOCKOUT_SLOWDOWN_AFTER):
        sign_in(client, user_id, "wrong password here")
    waiting = errors(sign_in(client, user_id))
    assert waiting == [
        "Too many failed sign-in attempts for this user ID. Wait "
        f"{settings.LOCKOUT_SLOWDOWN_SECONDS} seconds, then try again."
    ]
    assert "_auth_user_id" not in client.session
    sign_in_delay.clear(user_id)  # the wait has passed
    response = sign_in(client, user_id, "wrong password here")
    assert errors(response) == [failure_message(settings)]
    # Each further failure doubles the wait.
    assert errors(sign_in(client, user_id))[0].startswith(
        f"Too many failed sign-in attempts for this user ID. Wait "
        f"{2 * settings.LOCKOUT_SLOWDOWN_SECONDS} seconds"
    )


def test_the_wait_ends_and_the_right_password_signs_in(client, settings):
    UserFactory(username="slowuser2")
    settings.LOCKOUT_SLOWDOWN_SECONDS = 1
    for _ in range(settings.LOCKOUT_SLOWDOWN_AFTER):
        sign_in(client, "slowuser2", "wrong password here")
    time.sleep(1.1)
    assert sign_in(client, "slowuser2").status_code == 302


def test_many_failures_from_one_client_address_lock_that_address(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0
    settings.LOCKOUT_CLIENT_FAILURES = 6
    UserFactory(username="bystander")
    for n in range(6):
        sign_in(client, f"sprayed{n:02d}", "Winter2025!")
    assert errors(sign_in(client, "bystander")) == [failure_message(settings)]
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere, "bystander").status_code == 302


# Finding 12: recovery emails.


def test_forgot_user_id_sends_at_most_the_limit_of_emails(
    client, settings, django_capture_on_commit_callbacks
):
    UserFactory(username="floodme01", email="flood@example.org")
    responses = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            responses.append(
                client.post(
                    reverse("harp:forgot-user-id"), {"email": "flood@example.org"}
                )
            )
    assert len(mail.outbox) == settings.RECOVERY_EMAILS_PER_ADDRESS
    limited = responses[-1]
    assert limited.status_code == 429
    assert "as many of these emails as we can" in limited.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.RECOVERY_RATE_LIMITED).exists()


def test_the_limit_message_is_the_same_for_an_address_without_an_account(
    client, settings
):
    for _ in range(settings.RECOVERY_EMAILS_PER_ADDRESS + 1):
        response = client.post(
            reverse("harp:forgot-user-id"), {"email": "nobody@example.org"}
        )
    assert response.status_code == 429
    assert "as many of these emails as we can" in response.content.decode()


def test_one_client_cannot_flood_many_addresses(
    client, settings, django_capture_on_commit_callbacks
):
    settings.RECOVERY_EMAILS_PER_CLIENT = 5
    for n in range(8):
        UserFactory(username=f"spread{n:03d}", email=f"spread{n}@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            client.post(
                reverse("harp:forgot-user-id"), {"email": f"spread{n}@example.org"}
            )
    assert len(mail.outbox) == 5


def test_resend_confirmation_is_limited_too(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN = 0
    UserFactory(
        username="pending02", email="pending2@example.org", email_verified=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            response = client.post(
                reverse("harp:resend-confirmation"), {"email": "pending2@example.org"}
            )
    assert len(mail.outbox) <= settings.RECOVERY_EMAILS_PER_ADDRESS
    assert response.status_code == 429
