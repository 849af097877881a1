from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from harp.audit import AuditAction
from harp.models import AuditEvent
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db


def _reset_link(client, email: str, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    body = [m for m in mail.outbox if email in m.to][-1].body
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", body)
    response = client.get(link.group(1))
    # allauth moves the key into the session and the address bar loses it.
    return response.url


def test_forgot_user_id_emails_the_user_id_on_file(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="forgetme1", email="Forget.Me@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("harp:forgot-user-id"), {"email": "forget.me@EXAMPLE.org"}
        )
    assert response.url == reverse("account_login")
    (message,) = mail.outbox
    assert message.to == ["Forget.Me@example.org"]
    assert "Your user ID: forgetme1" in message.body
    assert AuditEvent.objects.filter(action=AuditAction.USER_ID_RECOVERY).exists()


def test_forgot_user_id_says_the_same_for_an_unknown_address(client):
    known = client.post(
        reverse("harp:forgot-user-id"), {"email": "nobody@example.org"}, follow=True
    )
    assert "If an account uses that email address" in known.content.decode()
    assert mail.outbox == []


def test_forgot_user_id_with_a_malformed_address_gets_a_message(client):
    response = client.post(reverse("harp:forgot-user-id"), {"email": "not an email"})
    assert response.status_code == 200
    assert "valid email address" in response.content.decode()


def test_forgot_password_needs_the_challenge_answer(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(username="resetme01", email="reset.me@example.org")
    form_url = _reset_link(
        client, "reset.me@example.org", django_capture_on_commit_callbacks
    )
    page = client.get(form_url).content.decode()
    assert "What was the name of your first pet?" in page

    wrong = client.post(
        form_url,
        {
            "challenge_answer": "Rex",
            "password1": "amber trolley sings loudly",
            "password2": "amber trolley sings loudly",
        },
    )
    assert "match the one on file" in wrong.content.decode()
    user.refresh_from_db()
    assert user.check_password("correct horse battery")

    right = client.post(
        form_url,
        {
            "challenge_answer": " biscuit ",
            "password1": "amber trolley sings loudly",
            "password2": "amber trolley sings loudly",
        },
    )
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.check_password("amber trolley sings loudly")
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_RESET, actor=user
    ).exists()


def test_forgot_password_still_refuses_a_weak_new_password(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(username="resetme02", email="reset.two@example.org")
    form_url = _reset_link(
        client, "reset.two@example.org", django_capture_on_commit_callbacks
    )
    response = client.post(
        form_url,
        {
            "challenge_answer": "Biscuit",
            "password1": "password1234",
            "password2": "password1234",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("correct horse battery")


def test_a_tampered_reset_link_is_refused(client):
    UserFactory(username="resetme03")
    response = client.get("/accounts/password/reset/key/1-forged-key/", follow=True)
    assert (
        "invalid" in response.content.decode().lower()
        or "expired" in response.content.decode().lower()
    )


def test_resend_confirmation_sends_a_new_link_to_an_unconfirmed_address(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="pending01", email="pending@example.org", email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("harp:resend-confirmation"),
            {"email": "Pending@example.org"},
            follow=True,
        )
    assert (
        "If an unconfirmed account uses that email address" in response.content.decode()
    )
    (message,) = mail.outbox
    assert "/accounts/confirm-email/" in message.body
    assert "pending@example.org" not in response.content.decode()


def test_resend_confirmation_says_the_same_and_sends_nothing_for_others(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="confirmed1", email="done@example.org")
    for email in ("done@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("harp:resend-confirmation"), {"email": email}, follow=True
            )
        assert (
            "If an unconfirmed account uses that email address"
            in response.content.decode()
        )
    assert mail.outbox == []


def test_an_expired_confirmation_link_says_so_and_offers_a_new_one(client, settings):
    user = UserFactory(username="late00001", email_verified=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = -1
    page = client.get(reverse("account_confirm_email", args=[key])).content.decode()
    assert "This link has expired or is not valid" in page
    assert reverse("harp:resend-confirmation") in page
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert not EmailAddress.objects.get(user=user).verified
    assert response.status_code in (200, 302, 404)


def test_a_confirmation_link_confirms_the_address(client):
    user = UserFactory(username="ontime001", email_verified=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    client.post(reverse("account_confirm_email", args=[key]))
    assert EmailAddress.objects.get(user=user).verified


def test_my_profile_shows_identity_proofing_state_and_devices(client):
    user = UserFactory(username="profile01", first_name="Ada", last_name="Lovelace")
    device = sign_in_verified(client, user)
    page = client.get(reverse("harp:profile")).content.decode()
    for text in (
        "Ada",
        "Lovelace",
        "profile01",
        user.email,
        "Not yet proofed",
        device.name,
    ):
        assert text in page
    assert "Your identity is not yet proofed" in page


def test_my_profile_needs_sign_in(client):
    response = client.get(reverse("harp:profile"))
    assert response.url.startswith(reverse("account_login"))


# The header's My Dashboard unread count, the person's permissions and the status
# banner are cached after the first page. (13 before the second factors' names
# were read in one query rather than one per kind of device.)
PROFILE_QUERIES = 10


def test_my_profile_lists_confirmed_second_factors_as_device_list_orders_them(
    client, rf
):
    from django_otp.plugins.otp_email.models import EmailDevice

    from harp import selectors, services
    from harp.models import PhoneDevice

    user = UserFactory(username="profile03")
    services.backup_codes_generate(user=user, request=rf.get("/"))
    EmailDevice.objects.create(user=user, name="Work <mail>", email=user.email)
    EmailDevice.objects.create(user=user, name="Not yet", confirmed=False)
    PhoneDevice.objects.create(user=user, name="Cell", number="+12025550123")
    sign_in_verified(client, user)
    names = [device.name for device in selectors.device_list(user=user)]
    assert selectors.device_names(user=user) == names
    assert "Not yet" not in names and names[-1] == "Backup codes"
    html = client.get(reverse("harp:profile")).content.decode()
    shown = re.findall(r"<li>([^<]*)</li>", html.split("Two-factor authentication")[1])
    assert shown == [name.replace("<", "&lt;").replace(">", "&gt;") for name in names]


def test_my_profile_runs_a_fixed_number_of_queries(
    client, rf, django_assert_num_queries
):
    from django_otp.plugins.otp_email.models import EmailDevice

    from harp import services

    user = UserFactory(username="profile02")
    sign_in_verified(client, user)
    services.backup_codes_generate(user=user, request=rf.get("/"))
    client.get(reverse("harp:profile"))
    with django_assert_num_queries(PROFILE_QUERIES):
        client.get(reverse("harp:profile"))
    for n in range(5):
        EmailDevice.objects.create(user=user, name=f"Email {n}", email=user.email)
    with django_assert_num_queries(PROFILE_QUERIES):
        client.get(reverse("harp:profile"))
