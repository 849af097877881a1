from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.urls import reverse

from harp.audit import AuditAction
from harp.models import AuditEvent, OutboxMessage, User, UserIdChangedError
from harp.services import challenge_answer_matches
from tests.harp.factories import UserFactory, sign_in_verified
from tests.proofing.helpers import pass_remote_proofing

pytestmark = pytest.mark.django_db

PROFILE = {
    "first_name": "Rosa",
    "middle_name": "Louise",
    "last_name": "Parks",
    "date_of_birth": "1981-02-04",
    "email": "rosa.parks@example.org",
    "email_confirm": "rosa.parks@example.org",
    "phone": "410-555-0142",
    "address_line1": "7500 Security Blvd",
    "address_line2": "",
    "city": "Baltimore",
    "state": "MD",
    "zip_code": "21244",
}
CREDENTIALS = {
    "user_id": "rparks1981",
    "password1": "violet kettle marches north",
    "password2": "violet kettle marches north",
    "challenge_question": "first_pet",
    "challenge_answer": "Biscuit",
}


def _profile(client, **changes):
    return client.post(
        reverse("harp:register-step", args=["profile"]), {**PROFILE, **changes}
    )


def _credentials(client, **changes):
    return client.post(
        reverse("harp:register-step", args=["credentials"]), {**CREDENTIALS, **changes}
    )


def _errors(response) -> str:
    return " ".join(
        str(error)
        for errors in response.context["form"].errors.values()
        for error in errors
    )


def test_registration_creates_the_account_and_emails_a_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    assert _profile(client).status_code == 302
    assert _credentials(client).url == reverse("proofing:start")
    pass_remote_proofing(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("harp:register"))
    assert response.url == reverse("harp:register-done")

    user = User.objects.get(username="rparks1981")
    assert user.full_name == "Rosa Louise Parks"
    assert user.date_of_birth == datetime.date(1981, 2, 4)
    assert (user.address_line1, user.city, user.state) == (
        "7500 Security Blvd",
        "Baltimore",
        "MD",
    )
    assert user.kind == User.Kind.HARP
    assert user.two_factor_required
    assert user.is_identity_proofed
    assert user.check_password("violet kettle marches north")
    assert challenge_answer_matches(user=user, answer="  biscuit ")
    assert "Biscuit" not in user.challenge_answer_hash
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (
        "rosa.parks@example.org",
        False,
        True,
    )
    assert AuditEvent.objects.filter(action=AuditAction.REGISTERED, actor=user).exists()
    row = OutboxMessage.objects.get(to=["rosa.parks@example.org"])
    assert row.status == OutboxMessage.Status.SENT
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert "harp_registration" not in client.session


def test_date_of_birth_and_address_are_encrypted_at_rest():
    UserFactory(
        username="encrypted1",
        date_of_birth=datetime.date(1970, 1, 2),
        address_line1="1 Secret Lane",
        zip_code="21244",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_of_birth, address_line1, zip_code FROM harp_user "
            "WHERE username = %s",
            ["encrypted1"],
        )
        stored = cursor.fetchone()
    assert all(value.startswith("gAAAA") for value in stored)
    assert "1970" not in stored[0] and "Secret" not in stored[1]
    assert User.objects.get(username="encrypted1").date_of_birth == datetime.date(
        1970, 1, 2
    )


def _register_to_the_end(client, django_capture_on_commit_callbacks, **profile):
    assert _profile(client, **profile).status_code == 302
    _credentials(client)
    pass_remote_proofing(client)
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(reverse("harp:register"))


def test_a_taken_email_gets_the_same_page_as_a_new_account_and_the_owner_is_told(
    client, django_capture_on_commit_callbacks
):
    """Registration never tells a stranger which addresses have accounts.

    An address already in use (in any case) is accepted at the profile step; at the
    end nothing is created, the address's owner is emailed, and the person sees the
    very page a new account gets.
    """
    owner = UserFactory(username="existing1", email="Rosa.Parks@Example.org")
    taken = _register_to_the_end(
        client,
        django_capture_on_commit_callbacks,
        email="ROSA.PARKS@example.org",
        email_confirm="ROSA.PARKS@example.org",
    )
    fresh = client.__class__()
    new = _register_to_the_end(
        fresh,
        django_capture_on_commit_callbacks,
        email="someone.new@example.org",
        email_confirm="someone.new@example.org",
        first_name="Rosa",
    )
    assert taken.url == new.url == reverse("harp:register-done")
    taken_page = client.get(taken.url).content.decode()
    new_page = fresh.get(new.url).content.decode()
    assert taken_page.replace("ROSA.PARKS@example.org", "X") == new_page.replace(
        "someone.new@example.org", "X"
    )
    assert (
        not User.objects.filter(username__iexact="rparks1981")
        .exclude(email="someone.new@example.org")
        .exists()
    )
    assert User.objects.filter(email__iexact="rosa.parks@example.org").get() == owner
    (notice,) = [m for m in mail.outbox if m.to == ["Rosa.Parks@Example.org"]]
    assert "Someone tried to register" in notice.subject
    assert "no new account was" in notice.body
    assert "harp_registration" not in client.session
    assert AuditEvent.objects.filter(
        action=AuditAction.REGISTRATION_EMAIL_TAKEN, target_id=str(owner.pk)
    ).exists()


def test_an_email_taken_during_registration_gets_the_same_page(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    """Another account takes the address between the last check and the creation:
    the account's unique constraint refuses it, with the same outcome."""
    from harp.views import accounts

    checks = []

    def taken_after_the_first_check(*, email):
        checks.append(email)
        return len(checks) > 1 and User.objects.filter(email__iexact=email).exists()

    monkeypatch.setattr(accounts, "user_email_taken", taken_after_the_first_check)
    _profile(client)
    _credentials(client)
    UserFactory(username="quicker01", email="Rosa.Parks@example.org")
    pass_remote_proofing(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("harp:register"))
    assert response.url == reverse("harp:register-done")
    assert not User.objects.filter(username__iexact="rparks1981").exists()
    assert [m.to for m in mail.outbox] == [["Rosa.Parks@example.org"]]


def test_taken_user_id_is_refused_without_regard_to_case(client):
    UserFactory(username="RParks1981")
    _profile(client)
    response = _credentials(client, user_id="rparks1981")
    assert "That user ID is taken" in _errors(response)
    assert User.objects.filter(username__iexact="rparks1981").count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "too short"),
        ("password1234", "too common"),
        ("Password2024!", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("123456789012", "too easy to guess"),
        ("qwertyuiopas", "too easy to guess"),
        ("harpharpharp!1", "too easy to guess"),
        ("rparks1981-rparks", "too similar"),
    ],
)
def test_weak_or_common_passwords_are_refused(client, password, message):
    _profile(client)
    response = _credentials(client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in _errors(response)
    assert not User.objects.filter(username="rparks1981").exists()


def test_a_long_passphrase_without_symbols_or_capitals_is_accepted(client):
    _profile(client)
    phrase = "correct staple orbit lantern"
    response = _credentials(client, password1=phrase, password2=phrase)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email_confirm": "other@example.org"}, "don't match"),
        ({"date_of_birth": "2099-01-01"}, "real date of birth"),
        ({"date_of_birth": "2015-01-01"}, "at least 18"),
        ({"date_of_birth": "not-a-date"}, "valid date"),
        ({"state": "ZZ"}, "valid choice"),
        ({"zip_code": "2124"}, "5-digit ZIP"),
        ({"phone": "555"}, "10-digit"),
        ({"last_name": ""}, "required"),
    ],
)
def test_bad_profile_input_gets_a_clear_message_and_changes_nothing(
    client, changes, message
):
    response = _profile(client, **changes)
    assert response.status_code == 200
    assert message in _errors(response)
    assert "harp_registration" not in client.session


def test_mismatched_passwords_and_bad_user_ids_are_refused(client):
    _profile(client)
    assert "don't match" in _errors(
        _credentials(client, password2="something else entirely")
    )
    assert "6 to 30 characters" in _errors(_credentials(client, user_id="ab"))
    assert "6 to 30 characters" in _errors(
        _credentials(client, user_id="9starts-with-digit")
    )
    assert "6 to 30 characters" in _errors(_credentials(client, user_id="has space1"))
    assert not User.objects.exists()


def test_a_later_step_waits_for_the_earlier_one(client):
    response = client.get(reverse("harp:register-step", args=["credentials"]))
    assert response.url == reverse("harp:register-step", args=["profile"])
    assert (
        client.get(reverse("harp:register-step", args=["no-such-step"])).status_code
        == 404
    )


def test_user_id_taken_between_the_check_and_the_creation_gets_a_message(client):
    _profile(client)
    _credentials(client)
    # Another person takes the user ID while this one answers the proofing
    # questions; creating the account fails cleanly and asks for another user ID.
    UserFactory(username="RPARKS1981", email="other@example.org")
    pass_remote_proofing(client)
    response = client.get(reverse("harp:register"), follow=True)
    assert "That user ID is taken" in response.content.decode()
    assert response.request["PATH_INFO"] == reverse(
        "harp:register-step", args=["credentials"]
    )
    assert User.objects.filter(username__iexact="rparks1981").count() == 1


def test_a_user_id_can_never_be_changed_through_the_model():
    user = UserFactory(username="fixedid1")
    user.username = "changedid1"
    with pytest.raises(UserIdChangedError):
        user.save()
    assert User.objects.filter(username="fixedid1").exists()


def test_the_admin_shows_the_user_id_read_only_and_ignores_a_forged_change(client):
    admin = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, admin)
    user = UserFactory(username="fixedid2", email="fixed@example.org")
    url = reverse("admin:harp_user_change", args=[user.pk])
    page = client.get(url).content.decode()
    assert 'name="username"' not in page
    response = client.post(
        url,
        {
            "username": "forged-id",
            "email": "fixed@example.org",
            "first_name": "Pat",
            "last_name": "Forged",
            "phone": "410-555-0199",
            "kind": "harp",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.username == "fixedid2"
    # Legal name changes only on the help desk's identity correction page.
    assert user.last_name != "Forged"
    assert user.phone == "410-555-0199"


def test_signed_in_people_are_not_offered_registration(client):
    sign_in_verified(client, UserFactory(username="already1"))
    assert client.get(reverse("harp:register")).url == reverse("harp:profile")
