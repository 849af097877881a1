"""Security changes need a recent re-authentication with the second factor (finding 7).

Each attack is a signed-in session (a borrowed workstation, a stolen session cookie)
trying to change the email address, the password or the second factors without the
password and a current code.
"""

from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp import services
from harp.audit import AuditAction
from harp.models import AuditEvent, BackupCodeDevice
from tests.harp.factories import UserFactory, reauthenticated, sign_in_verified

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
CONFIRM = "/account/confirm/"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


@pytest.fixture
def person(client):
    user = UserFactory(username="changer01", email="old@example.org")
    device = sign_in_verified(client, user)
    return user, device


def confirm(client, device, *, password=PASSWORD, token=None, next_url="/profile/"):
    return client.post(
        f"{CONFIRM}?next={next_url}",
        {
            "device": device.persistent_id,
            "password": password,
            "token": token if token is not None else code_for(device),
            "next": next_url,
        },
    )


def test_adding_and_making_an_email_primary_without_reauthentication_is_refused(
    client, person
):
    user, _ = person
    spare = EmailAddress.objects.create(
        user=user, email="spare@example.org", verified=True, primary=False
    )
    added = client.post(
        reverse("account_email"), {"action_add": "", "email": "thief@example.org"}
    )
    made_primary = client.post(
        reverse("account_email"), {"action_primary": "", "email": spare.email}
    )
    for response in (added, made_primary):
        assert response.status_code == 302
        assert response.url.startswith(CONFIRM)
    assert not EmailAddress.objects.filter(email="thief@example.org").exists()
    user.refresh_from_db()
    assert user.email == "old@example.org"
    assert EmailAddress.objects.get(user=user, primary=True).email == "old@example.org"
    assert mail.outbox == []


def test_after_reauthentication_the_email_changes_and_the_old_address_is_told(
    client, person, django_capture_on_commit_callbacks
):
    user, device = person
    page = client.get(f"{CONFIRM}?next=/accounts/email/").content.decode()
    assert "Confirm it’s you" in page  # noqa: RUF001
    response = confirm(client, device, next_url="/accounts/email/")
    assert response.url == "/accounts/email/"
    assert AuditEvent.objects.filter(action=AuditAction.REAUTHENTICATED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_email"), {"action_add": "", "email": "new@example.org"}
        )
    new = EmailAddress.objects.get(email="new@example.org")
    assert new.user == user and not new.verified
    told = [m for m in mail.outbox if m.to == ["old@example.org"]]
    assert any("new@example.org" in m.body for m in told)
    assert any(m.to == ["new@example.org"] for m in mail.outbox)  # its confirmation

    new.verified = True
    new.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_email"), {"action_primary": "", "email": new.email}
        )
    user.refresh_from_db()
    assert user.email == "new@example.org"
    (changed,) = [m for m in mail.outbox if m.to == ["old@example.org"]]
    assert "changed from old@example.org to new@example.org" in changed.body
    assert "&#x27;" not in changed.body and "&amp;" not in changed.body


def test_password_change_needs_reauthentication_and_the_person_is_told(
    client, person, django_capture_on_commit_callbacks
):
    user, device = person
    form = {
        "oldpassword": PASSWORD,
        "password1": "amber trolley sings loudly",
        "password2": "amber trolley sings loudly",
    }
    refused = client.post(reverse("account_change_password"), form)
    assert refused.url.startswith(CONFIRM)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    confirm(client, device)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_change_password"), form)
    user.refresh_from_db()
    assert user.check_password("amber trolley sings loudly")
    (told,) = [m for m in mail.outbox if m.to == [user.email]]
    assert "Your password was changed" in told.body


def test_removing_renaming_a_device_or_new_backup_codes_without_reauth_is_refused(
    client, person, rf
):
    user, _ = person
    second = EmailDevice.objects.create(user=user, name="Email", email=user.email)
    services.backup_codes_generate(user=user, request=rf.get("/"))
    old_codes = BackupCodeDevice.objects.get(user=user).pk
    for data in (
        {"device": second.persistent_id, "action": "remove"},
        {"device": second.persistent_id, "action": "rename", "name": "Mine now"},
    ):
        response = client.post(reverse("harp:two-factor-manage"), data)
        assert response.url.startswith(CONFIRM)
    response = client.post(reverse("harp:two-factor-backup-codes"))
    assert response.url.startswith(CONFIRM)
    second.refresh_from_db()
    assert second.name == "Email"
    assert BackupCodeDevice.objects.get(user=user).pk == old_codes
    assert not AuditEvent.objects.filter(action=AuditAction.MFA_DEVICE_REMOVED).exists()


def test_adding_another_device_needs_reauthentication(client, person):
    response = client.get(reverse("harp:two-factor-setup-app"))
    assert response.url.startswith(CONFIRM)
    response = client.post(reverse("harp:two-factor-setup-email"), {"action": "send"})
    assert response.url.startswith(CONFIRM)
    assert not EmailDevice.objects.exists()


def test_the_first_device_of_a_new_account_needs_no_reauthentication(client):
    newcomer = UserFactory(username="newcomer9")
    client.force_login(newcomer)  # the first sign-in: no device, no code to give
    assert client.get(reverse("harp:two-factor-setup-app")).status_code == 200


def test_device_changes_are_emailed_to_the_person(
    client, person, django_capture_on_commit_callbacks
):
    user, _device = person
    second = EmailDevice.objects.create(user=user, name="Work email", email=user.email)
    reauthenticated(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("harp:two-factor-backup-codes"))  # the first set
        client.post(reverse("harp:two-factor-backup-codes"))  # replaces it
        client.post(
            reverse("harp:two-factor-manage"),
            {"device": second.persistent_id, "action": "remove"},
        )
    bodies = [m.body for m in mail.outbox if m.to == [user.email]]
    assert sum("new set of backup codes" in body for body in bodies) == 1
    assert any("was removed: Work email" in body for body in bodies)


def test_a_wrong_code_or_password_does_not_reauthenticate_and_is_recorded(
    client, person
):
    _user, device = person
    wrong_code = confirm(client, device, token="000000")
    assert "That code is not right" in wrong_code.content.decode()
    wrong_password = confirm(client, device, password="not my password")
    assert "That password is not right" in wrong_password.content.decode()
    assert (
        AuditEvent.objects.filter(action=AuditAction.REAUTHENTICATION_FAILED).count()
        == 2
    )
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "thief@example.org"}
    )
    assert response.url.startswith(CONFIRM)
    assert not EmailAddress.objects.filter(email="thief@example.org").exists()


def test_the_password_alone_does_not_reauthenticate(client, person):
    _user, device = person
    response = client.post(
        CONFIRM, {"device": device.persistent_id, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "harp_reauthenticated" not in client.session


def test_reauthentication_ends_after_its_window(client, person, settings):
    _user, device = person
    confirm(client, device)
    settings.REAUTH_WINDOW = 0
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "late@example.org"}
    )
    assert response.url.startswith(CONFIRM)


def test_reauthentication_never_sends_people_to_another_site(client, person):
    _, device = person
    response = confirm(client, device, next_url="https://attacker.example/")
    assert response.url == reverse("harp:profile")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/3rdparty/",
        "/accounts/social/connections/",
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/login/code/",
        "/accounts/login/code/confirm/",
        "/accounts/password/set/",
        "/accounts/reauthenticate/",
        "/accounts/phone/change/",
        "/accounts/signup/passkey/",
    ],
)
def test_allauth_pages_the_portal_does_not_offer_are_not_there(client, person, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"password": PASSWORD}).status_code == 404


def test_the_allauth_pages_the_portal_offers_are_there(client):
    assert client.get(reverse("account_reset_password")).status_code == 200
    assert reverse("account_email") == "/accounts/email/"
    assert reverse("account_login") == "/login/"
    assert client.get("/accounts/signup/").url == "/register/"


def test_my_profile_links_the_email_and_password_pages(client, person):
    page = client.get(reverse("harp:profile")).content.decode()
    assert reverse("account_email") in page
    assert reverse("account_change_password") in page


@pytest.mark.django_db(transaction=True)
def test_the_same_address_added_twice_at_once_is_added_once():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection
    from django.test import Client

    if connection.vendor == "sqlite":
        pytest.skip("The race needs a server database; CI runs it on PostgreSQL.")
    user = UserFactory(username="twiceadd1", email="twice@example.org")
    browser = Client(raise_request_exception=False)
    sign_in_verified(browser, user)
    reauthenticated(browser, user)
    start = Barrier(2)

    def add() -> int:
        start.wait(timeout=10)
        try:
            response = browser.post(
                reverse("account_email"), {"action_add": "", "email": "new@example.org"}
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: add(), range(2)))
    assert 500 not in answers, answers
    assert EmailAddress.objects.filter(user=user, email="new@example.org").count() == 1
