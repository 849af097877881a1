from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.adapter import SIGN_IN_FAILED_MESSAGE
from harp.audit import AuditAction
from harp.models import AuditEvent, OutboxMessage, User
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def sign_in(client, user_id: str, password: str = PASSWORD):
    return client.post(
        reverse("account_login"), {"login": user_id, "password": password}
    )


def failure_message(settings) -> str:
    return SIGN_IN_FAILED_MESSAGE.format(
        failures=settings.LOCKOUT_FAILURES, minutes=settings.LOCKOUT_DURATION // 60
    )


def test_an_unconfirmed_account_cannot_sign_in_and_is_told_why(client):
    UserFactory(username="unconfirmed1", email_verified=False)
    response = sign_in(client, "unconfirmed1")
    page = client.get(response.url).content.decode()
    assert "Confirm your email address first" in page
    assert reverse("harp:resend-confirmation") in page
    assert "_auth_user_id" not in client.session


def test_a_user_without_a_device_is_signed_in_but_kept_on_set_up(client):
    UserFactory(username="newcomer1")
    response = sign_in(client, "newcomer1")
    assert response.url == reverse("harp:profile")
    assert client.get(reverse("harp:profile")).url == reverse("harp:two-factor-setup")
    assert client.get(reverse("harp:home")).url == reverse("harp:two-factor-setup")
    setup = client.get(reverse("harp:two-factor-setup"))
    assert b"Finish setting up your account" in setup.content
    assert client.get(reverse("harp:status")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN).count() == 1


def test_a_user_with_a_device_must_give_a_code_before_being_signed_in(client):
    user = UserFactory(username="hasdevice1")
    TOTPDevice.objects.create(user=user, name="Phone app")
    response = sign_in(client, "hasdevice1")
    assert response.url == reverse("harp:two-factor-verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("harp:profile")).url.startswith(reverse("account_login"))


@pytest.mark.parametrize("user_id", ["realuser1", "nosuchuser1"])
def test_wrong_password_and_unknown_user_id_get_the_same_message(
    client, settings, user_id
):
    UserFactory(username="realuser1")
    response = sign_in(client, user_id, "wrong password here")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [failure_message(settings)]


def test_user_id_is_matched_without_regard_to_case(client):
    UserFactory(username="MixedCase1")
    assert sign_in(client, "mixedcase1").status_code == 302


def test_repeated_failures_lock_sign_in_with_the_same_message(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    user = UserFactory(username="target01")
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, "target01", "wrong password here")

    response = sign_in(client, "target01")  # the right password, now locked
    assert response.context["form"].non_field_errors() == [failure_message(settings)]
    user.refresh_from_db()
    assert user.is_locked
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, actor=user).exists()
    assert OutboxMessage.objects.filter(
        to=[user.email], subject__icontains="locked"
    ).exists()
    assert "_auth_user_id" not in client.session


def test_re_locking_a_user_id_all_day_does_not_flood_its_owners_inbox(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    settings.LOCKOUT_CLIENT_FAILURES = 1000
    user = UserFactory(username="target02")
    from harp.lockout import password_lockout

    for _ in range(settings.LOCKOUT_NOTICE_LIMIT + 3):
        for _ in range(settings.LOCKOUT_FAILURES):
            sign_in(client, "target02", "wrong password here")
        # The lock runs out; the attacker starts again.
        password_lockout.unlock("target02")
        User.objects.filter(pk=user.pk).update(locked_until=None)
    locks = AuditEvent.objects.filter(action=AuditAction.LOCKOUT, actor=user)
    assert locks.count() == settings.LOCKOUT_NOTICE_LIMIT + 3
    notices = OutboxMessage.objects.filter(to=[user.email], subject__icontains="locked")
    assert notices.count() == settings.LOCKOUT_NOTICE_LIMIT


def test_an_unknown_user_id_locks_exactly_like_a_real_one(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, "ghostuser1", "wrong password here")
    event = AuditEvent.objects.get(action=AuditAction.LOCKOUT)
    assert event.actor is None and event.actor_label == "ghostuser1"
    response = sign_in(client, "ghostuser1", "wrong password here")
    assert response.context["form"].non_field_errors() == [failure_message(settings)]


def test_fewer_failures_than_the_limit_do_not_lock(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    UserFactory(username="careful01")
    for _ in range(settings.LOCKOUT_FAILURES - 1):
        sign_in(client, "careful01", "wrong password here")
    assert sign_in(client, "careful01").status_code == 302


def test_help_desk_can_unlock_and_the_person_signs_in_again(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    from django.contrib.auth.models import Group

    user = UserFactory(username="lockedout1")
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, "lockedout1", "wrong password here")

    # The group as migrations make it: it unlocks without changing accounts.
    help_desk = Group.objects.get(name="Help desk")
    agent = UserFactory(username="helpdesk01", is_staff=True)
    agent.groups.add(help_desk)
    staff = client.__class__()
    sign_in_verified(staff, agent)
    response = staff.post(
        reverse("admin:harp_user_changelist"),
        {"action": "unlock", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_locked
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK, actor=agent).exists()
    assert sign_in(client, "lockedout1").status_code == 302


def test_staff_without_the_unlock_permission_cannot_unlock(client, settings):
    settings.LOCKOUT_SLOWDOWN_AFTER = 0  # the wait before a lock: test_account_limits
    from django.contrib.auth.models import Permission

    user = UserFactory(username="lockedout2")
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, "lockedout2", "wrong password here")
    viewer = UserFactory(username="viewer001", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    sign_in_verified(client, viewer)
    client.post(
        reverse("admin:harp_user_changelist"),
        {"action": "unlock", "_selected_action": [user.pk]},
    )
    user.refresh_from_db()
    assert user.is_locked


def test_admin_is_not_reachable_without_the_second_factor(client):
    staff = UserFactory(username="staffer01", is_staff=True, is_superuser=True)
    client.force_login(staff)  # password only: no device, no verified session
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("harp:two-factor-setup")

    TOTPDevice.objects.create(user=staff, name="Phone app")
    response = client.get(reverse("admin:index"))
    assert response.url == "/login/"
    assert "_auth_user_id" not in client.session


def test_admin_login_page_is_the_portal_sign_in(client):
    response = client.get("/admin/login/")
    assert response.url.startswith("/login/")


def test_verified_staff_reach_the_admin(client):
    staff = UserFactory(username="staffer02", is_staff=True, is_superuser=True)
    sign_in_verified(client, staff)
    assert client.get(reverse("admin:index")).status_code == 200


def test_sign_in_page_without_csrf_token_is_refused(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    UserFactory(username="csrfuser1")
    response = strict.post(
        reverse("account_login"), {"login": "csrfuser1", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_user_model_kind_defaults_to_harp():
    assert User().kind == User.Kind.HARP
