from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from harp import services
from harp.audit import AuditAction, client_ip
from harp.models import AuditEvent, AuditEventImmutableError
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    user = UserFactory(username="pat")
    return services.audit_event_record(
        action=AuditAction.UNLOCK, actor=user, target=user, details={"why": "call"}
    )


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="rootadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, admin)
    return client


def test_recorded_event_names_actor_target_and_details(event):
    assert event.actor_label == "pat"
    assert event.target_type == "harp.user"
    assert event.target_label == "pat"
    assert event.details == {"why": "call"}


def test_audit_event_cannot_be_changed_through_the_model(event):
    event.action = "harp.something_else"
    with pytest.raises(AuditEventImmutableError):
        event.save()
    event.refresh_from_db()
    assert event.action == AuditAction.UNLOCK


def test_audit_event_cannot_be_deleted_through_the_model(event):
    with pytest.raises(AuditEventImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_cannot_be_bulk_updated_or_deleted(event):
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.bulk_update([event], ["action"])
    event.refresh_from_db()
    assert event.action == AuditAction.UNLOCK


def test_a_user_with_audit_history_cannot_be_deleted(event):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        event.actor.delete()


def test_admin_lists_and_shows_audit_events_read_only(admin_client, event):
    listing = admin_client.get(reverse("admin:harp_auditevent_changelist"))
    assert listing.status_code == 200
    assert b"harp.unlock" in listing.content
    assert b"delete_selected" not in listing.content

    detail = admin_client.get(reverse("admin:harp_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content


def test_admin_refuses_to_add_change_or_delete_audit_events(admin_client, event):
    before = AuditEvent.objects.count()
    add = admin_client.post(
        reverse("admin:harp_auditevent_add"), {"action": "harp.forged"}
    )
    change = admin_client.post(
        reverse("admin:harp_auditevent_change", args=[event.pk]),
        {"action": "harp.forged", "actor_label": "someone"},
    )
    delete = admin_client.post(
        reverse("admin:harp_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    bulk = admin_client.post(
        reverse("admin:harp_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == AuditAction.UNLOCK
    assert AuditEvent.objects.count() == before


def _verified_user(username: str = "signer"):
    return UserFactory(username=username)


def test_sign_in_is_audited_with_address_and_browser(client):
    user = _verified_user()
    response = client.post(
        reverse("account_login"),
        {"login": "signer", "password": "correct horse battery"},
        HTTP_USER_AGENT="Mozilla/5.0 test",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert event.actor == user
    assert event.ip_address == "203.0.113.9"
    assert event.user_agent == "Mozilla/5.0 test"


def test_failed_sign_in_is_audited_without_saying_whether_the_user_exists(client):
    _verified_user()
    client.post(reverse("account_login"), {"login": "signer", "password": "wrong"})
    client.post(reverse("account_login"), {"login": "nobody", "password": "wrong"})

    events = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert sorted(e.actor_label for e in events) == ["nobody", "signer"]
    assert all(e.actor is None for e in events)
    assert all("password" not in str(e.details) for e in events)


def test_sign_out_is_audited(client):
    user = _verified_user()
    client.force_login(user)
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_OUT, actor=user).exists()


def test_email_confirmation_is_audited(client, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailConfirmationHMAC

    user = UserFactory(username="confirmer", email_verified=False)
    address = EmailAddress.objects.get(user=user)
    key = EmailConfirmationHMAC(address).key
    client.post(reverse("account_confirm_email", args=[key]))

    event = AuditEvent.objects.get(action=AuditAction.EMAIL_CONFIRMED)
    assert event.actor == user
    assert event.details == {"email": user.email}


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "remote", "expected"),
    [
        (0, "198.51.100.7", "203.0.113.1", "203.0.113.1"),
        (1, "198.51.100.7", "203.0.113.1", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "203.0.113.1", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "203.0.113.1", "198.51.100.7"),
        (1, "not-an-address", "203.0.113.1", None),
        (1, "", "203.0.113.1", "203.0.113.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    rf, settings, num_proxies, forwarded, remote, expected
):
    settings.NUM_PROXIES = num_proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected
