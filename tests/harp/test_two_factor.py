from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp import services
from harp.audit import AuditAction
from harp.models import (
    AuditEvent,
    BackupCode,
    BackupCodeDevice,
    OutboxMessage,
    PhoneDevice,
)
from harp.models.devices import backup_code_hash
from tests.harp.factories import UserFactory, reauthenticated, sign_in_verified
from tests.harp.gateways import RecordingGateway

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def start_sign_in(client, user_id: str):
    response = client.post(
        reverse("account_login"), {"login": user_id, "password": PASSWORD}
    )
    assert response.url == reverse("harp:two-factor-verify")


def verify(client, device, token: str):
    return client.post(
        reverse("harp:two-factor-verify"),
        {"device": device.persistent_id, "action": "verify", "token": token},
    )


@pytest.fixture
def app_user():
    user = UserFactory(username="appuser01")
    return user, TOTPDevice.objects.create(user=user, name="Phone app")


def test_the_right_app_code_signs_in_and_binds_the_session(client, app_user):
    user, device = app_user
    start_sign_in(client, "appuser01")
    response = verify(client, device, code_for(device))
    assert response.url == reverse("harp:profile")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(reverse("harp:profile")).status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.SIGN_IN, AuditAction.SECOND_FACTOR_VERIFIED} <= actions


def test_a_wrong_code_is_refused_with_a_clear_message(client, app_user, settings):
    _, device = app_user
    start_sign_in(client, "appuser01")
    response = verify(client, device, "000000")
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_FAILED).exists()


def test_an_app_code_is_accepted_only_once(client, app_user):
    _, device = app_user
    code = code_for(device)
    start_sign_in(client, "appuser01")
    assert verify(client, device, code).status_code == 302

    replay = client.__class__()
    start_sign_in(replay, "appuser01")
    response = verify(replay, device, code)
    assert response.status_code == 200
    assert "_auth_user_id" not in replay.session


def test_repeated_wrong_codes_lock_the_second_factor_and_sign_in(
    client, app_user, settings
):
    user, device = app_user
    start_sign_in(client, "appuser01")
    for _ in range(settings.LOCKOUT_FAILURES):
        verify(client, device, "000000")

    response = verify(client, device, code_for(device))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.is_locked
    assert AuditEvent.objects.filter(
        action=AuditAction.LOCKOUT, details__factor="second factor"
    ).exists()
    relogin = client.__class__().post(
        reverse("account_login"), {"login": "appuser01", "password": PASSWORD}
    )
    assert relogin.status_code == 200


def test_the_code_page_needs_a_password_first(client):
    response = client.get(reverse("harp:two-factor-verify"))
    assert response.url == "/login/"


def test_a_forged_device_of_someone_else_is_refused(client, app_user):
    other = UserFactory(username="otheruser1")
    their_device = TOTPDevice.objects.create(user=other, name="Theirs")
    start_sign_in(client, "appuser01")
    response = verify(client, their_device, code_for(their_device))
    assert response.url == reverse("harp:two-factor-verify")
    assert "_auth_user_id" not in client.session


def test_backup_codes_are_stored_hashed_and_each_works_once(client, app_user, rf):
    user, _ = app_user
    codes = services.backup_codes_generate(user=user, request=rf.get("/"))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(BackupCode.objects.values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in "".join(stored) for code in codes)
    assert backup_code_hash(codes[0]) in stored

    device = BackupCodeDevice.objects.get(user=user)
    start_sign_in(client, "appuser01")
    assert verify(client, device, codes[0].lower()).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.MFA_BACKUP_CODE_USED).exists()

    again = client.__class__()
    start_sign_in(again, "appuser01")
    assert verify(again, device, codes[0]).status_code == 200
    assert device.remaining == 9


def test_new_backup_codes_replace_the_old_ones(rf):
    user = UserFactory(username="codes0001")
    old = services.backup_codes_generate(user=user, request=rf.get("/"))
    services.backup_codes_generate(user=user, request=rf.get("/"))
    device = BackupCodeDevice.objects.get(user=user)
    assert not device.verify_token(old[0])


@pytest.mark.django_db(transaction=True)
def test_one_backup_code_submitted_twice_at_once_is_used_once(rf):
    if connection.vendor == "sqlite":
        pytest.skip("The race needs a server database; CI runs it on PostgreSQL.")
    user = UserFactory(username="racer0001")
    code = services.backup_codes_generate(user=user, request=rf.get("/"))[0]
    device = BackupCodeDevice.objects.get(user=user)
    start = threading.Barrier(4)

    def use() -> bool:
        start.wait(timeout=10)
        try:
            return services.second_factor_verify(
                user=user, device=device, token=code, request=rf.get("/")
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: use(), range(4)))
    assert sorted(results) == [False, False, False, True]
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1


def test_setting_up_an_app_shows_the_key_and_then_backup_codes_once(client):
    user = UserFactory(username="setup0001")
    client.force_login(user)
    page = client.get(reverse("harp:two-factor-setup-app")).content.decode()
    assert 'alt="QR code for your authenticator app' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "".join(re.search(r'id="totp-secret">([^<]+)<', page).group(1).split())

    wrong = client.post(reverse("harp:two-factor-setup-app"), {"token": "123"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(
        reverse("harp:two-factor-setup-app"), {"token": code_for(device)}
    )
    assert response.url == reverse("harp:two-factor-backup-codes")
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id
    codes_page = client.get(reverse("harp:two-factor-backup-codes")).content.decode()
    assert codes_page.count("<li><code>") == 10
    assert client.get(reverse("harp:two-factor-backup-codes")).url == reverse(
        "harp:two-factor-manage"
    )
    assert AuditEvent.objects.filter(action=AuditAction.MFA_DEVICE_ADDED).exists()


def test_email_codes_are_sent_through_the_outbox_and_confirm_the_device(client):
    user = UserFactory(username="emailer01")
    client.force_login(user)
    client.post(reverse("harp:two-factor-setup-email"), {"action": "send"})
    device = EmailDevice.objects.get(user=user, confirmed=False)
    message = OutboxMessage.objects.get(to=[user.email])
    assert device.token in message.body

    response = client.post(
        reverse("harp:two-factor-setup-email"),
        {"action": "verify", "token": device.token},
    )
    assert response.url == reverse("harp:two-factor-backup-codes")
    device.refresh_from_db()
    assert device.confirmed


@pytest.mark.parametrize("method", ["sms", "voice"])
def test_phone_codes_go_through_the_configured_gateway(client, settings, method):
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    RecordingGateway.sent.clear()
    user = UserFactory(username=f"phone{method}01")
    client.force_login(user)
    client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "send", "number": "(410) 555-0142", "method": method},
    )
    device = PhoneDevice.objects.get(user=user, confirmed=False)
    assert device.number == "4105550142"
    ((sent_method, number, text),) = RecordingGateway.sent
    assert (sent_method, number) == (method, "4105550142")
    # A voice reads the digits one by one.
    assert (device.token if method == "sms" else ", ".join(device.token)) in text

    client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "verify", "token": device.token},
    )
    device.refresh_from_db()
    assert device.confirmed


def test_a_bad_phone_number_gets_a_message_and_sends_nothing(client, settings):
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    RecordingGateway.sent.clear()
    user = UserFactory(username="badphone1")
    client.force_login(user)
    response = client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "send", "number": "12", "method": "sms"},
    )
    assert "10-digit" in response.content.decode()
    assert not PhoneDevice.objects.exists()
    assert RecordingGateway.sent == []


def test_the_last_everyday_device_cannot_be_removed(client, app_user, rf):
    user, device = app_user
    services.backup_codes_generate(user=user, request=rf.get("/"))
    sign_in_verified(client, user)
    reauthenticated(client, user)
    response = client.post(
        reverse("harp:two-factor-manage"),
        {"device": device.persistent_id, "action": "remove"},
        follow=True,
    )
    assert "only two-factor method" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_device_can_be_renamed_and_removed_when_another_remains(client, app_user):
    user, _ = app_user
    second = EmailDevice.objects.create(user=user, name="Email", email=user.email)
    sign_in_verified(client, user)
    reauthenticated(client, user)
    client.post(
        reverse("harp:two-factor-manage"),
        {"device": second.persistent_id, "action": "rename", "name": "Work email"},
    )
    second.refresh_from_db()
    assert second.name == "Work email"
    client.post(
        reverse("harp:two-factor-manage"),
        {"device": second.persistent_id, "action": "remove"},
    )
    assert not EmailDevice.objects.filter(pk=second.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.MFA_DEVICE_REMOVED).exists()


def test_someone_elses_device_cannot_be_renamed_or_removed(client, app_user):
    user, _ = app_user
    other = UserFactory(username="victim001")
    theirs = TOTPDevice.objects.create(user=other, name="Theirs")
    sign_in_verified(client, user)
    reauthenticated(client, user)
    for action in ("rename", "remove"):
        response = client.post(
            reverse("harp:two-factor-manage"),
            {"device": theirs.persistent_id, "action": action, "name": "Mine now"},
            follow=True,
        )
        assert "was not found" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_garbled_device_id_is_refused(client, app_user):
    user, _ = app_user
    sign_in_verified(client, user)
    reauthenticated(client, user)
    for forged in ("nonsense", "harp.user/1", "otp_totp.totpdevice/abc", "x.y/1"):
        response = client.post(
            reverse("harp:two-factor-manage"),
            {"device": forged, "action": "remove"},
            follow=True,
        )
        assert response.status_code == 200
        assert "was not found" in response.content.decode()


def test_an_unconfirmed_device_cannot_pass_the_sign_in_step(client, app_user):
    """A device still being set up has proved nothing: its right code is refused."""
    user, _ = app_user
    pending = EmailDevice.objects.create(
        user=user, name="Email", email=user.email, confirmed=False
    )
    pending.generate_token(valid_secs=600)
    start_sign_in(client, "appuser01")
    response = verify(client, pending, pending.token)
    assert response.url == reverse("harp:two-factor-verify")
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_VERIFIED
    ).exists()
    page = client.get(response.url).content.decode()
    assert "Choose one of your own two-factor methods." in page
    assert pending.persistent_id not in page


def test_an_unconfirmed_phone_is_not_sent_a_code_at_sign_in(client, app_user, settings):
    settings.SMS_GATEWAY = "tests.harp.gateways.RecordingGateway"
    RecordingGateway.sent.clear()
    user, _ = app_user
    pending = PhoneDevice.objects.create(
        user=user, name="Phone", number="4105550142", confirmed=False
    )
    start_sign_in(client, "appuser01")
    client.post(
        reverse("harp:two-factor-verify"),
        {"device": pending.persistent_id, "action": "send"},
    )
    assert RecordingGateway.sent == []


def test_the_service_refuses_an_unconfirmed_device(app_user, rf):
    user, _ = app_user
    pending = TOTPDevice.objects.create(user=user, name="New", confirmed=False)
    assert not services.second_factor_verify(
        user=user, device=pending, token=code_for(pending), request=rf.get("/")
    )


def test_each_app_set_up_page_shows_a_fresh_key_and_only_the_last_confirms(client):
    user = UserFactory(username="setup0002")
    client.force_login(user)
    url = reverse("harp:two-factor-setup-app")

    def secret_of(page: str) -> str:
        return "".join(re.search(r'id="totp-secret">([^<]+)<', page).group(1).split())

    first_page = client.get(url).content.decode()
    first = TOTPDevice.objects.get(user=user, confirmed=False)
    first_key = first.bin_key
    first_code = code_for(first)
    second_page = client.get(url).content.decode()
    second = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret_of(first_page) != secret_of(second_page)
    assert first_key != second.bin_key

    # A code from the key the first page showed confirms nothing.
    response = client.post(url, {"token": first_code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    response = client.post(url, {"token": code_for(second)})
    assert response.url == reverse("harp:two-factor-backup-codes")
    second.refresh_from_db()
    assert second.confirmed


def test_an_app_key_from_another_session_cannot_be_confirmed(client):
    """The POST confirms only the key this session's set-up page showed."""
    user = UserFactory(username="setup0003")
    client.force_login(user)
    url = reverse("harp:two-factor-setup-app")
    client.get(url)
    shown = TOTPDevice.objects.get(user=user, confirmed=False)

    elsewhere = client.__class__()
    elsewhere.force_login(user)
    response = elsewhere.post(url, {"token": code_for(shown)}, follow=True)
    assert "That key is no longer valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=shown.pk, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
