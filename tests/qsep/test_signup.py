from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from harp.models import User
from qsep.models import LearnerProfile
from tests.harp.factories import UserFactory
from tests.iqies_roles.factories import provider

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Lee",
    "last_name": "Learner",
    "email": "lee@example.org",
    "email_confirm": "lee@example.org",
    "user_id": "leelearner",
    "password1": "quiet harbor lantern moss",
    "password2": "quiet harbor lantern moss",
    "action": "create",
}


def sign_up(client, **changes):
    return client.post(reverse("qsep:signup-learner"), {**FORM, **changes})


def test_the_sign_up_page_offers_both_ways_in(client):
    page = client.get(reverse("qsep:signup")).content.decode()
    assert "CMS &amp; State Agencies" in page and reverse("harp:register") in page
    assert "Providers and Other Learners" in page


def test_a_learner_signs_up_with_a_ccn_and_must_confirm(
    client, django_capture_on_commit_callbacks
):
    hospital = provider("210001", name="Chesapeake General Hospital")
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, how="ccn", ccn="21-0001")
    assert response.url == reverse("harp:register-done")
    user = User.objects.get(username="leelearner")
    assert user.kind == User.Kind.LEARNER and not user.two_factor_required
    assert LearnerProfile.objects.get(user=user).facility == hospital
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    refused = client.post(
        reverse("account_login"), {"login": "leelearner", "password": FORM["password1"]}
    )
    assert (
        "Confirm your email address first" in client.get(refused.url).content.decode()
    )


def test_a_zip_code_lists_every_facility_in_it(client):
    first = provider("210001", name="Alpha Nursing", zip_code="21201")
    provider("215001", name="Beta Home Health", zip_code="21201")
    provider("490011", name="Elsewhere", zip_code="23510", state="VA")
    page = sign_up(client, how="zip", zip_code="21201", action="find").content.decode()
    assert "Alpha Nursing" in page and "Beta Home Health" in page
    assert "Elsewhere" not in page
    assert not User.objects.exists()
    missing = sign_up(client, how="zip", zip_code="21201")
    assert "Choose your facility from the list" in missing.content.decode()
    done = sign_up(client, how="zip", zip_code="21201", facility=str(first.pk))
    assert done.status_code == 302
    assert LearnerProfile.objects.get().facility == first


def test_a_learner_may_have_no_facility(client):
    assert sign_up(client, how="none").status_code == 302
    assert LearnerProfile.objects.get().facility is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"how": "ccn", "ccn": "990001"}, "not a state code"),
        ({"how": "ccn", "ccn": "219999"}, "No facility with that CCN"),
        ({"how": "zip", "zip_code": "00000"}, "No facility is registered in that ZIP"),
        ({"how": "none", "email_confirm": "x@example.org"}, "addresses don&#x27;t"),
        (
            {"how": "none", "password1": "password1234", "password2": "password1234"},
            "too common",
        ),
        (
            {
                "how": "",
            },
            "This field is required",
        ),
    ],
)
def test_bad_input_gets_a_message_and_creates_nothing(client, changes, message):
    provider("210001")
    response = sign_up(client, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_a_taken_email_gets_the_same_page_and_its_owner_is_emailed(
    client, django_capture_on_commit_callbacks
):
    """Sign-up never tells a stranger which addresses have accounts."""
    UserFactory(username="existing1", email="LEE@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        taken = sign_up(client, how="none")
    fresh = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        new = sign_up(
            fresh, how="none", email="new@example.org", email_confirm="new@example.org"
        )
    assert taken.status_code == new.status_code == 302
    assert taken.url == new.url == reverse("harp:register-done")
    page = client.get(taken.url).content.decode()
    assert page.replace("LEE@example.org", "X").replace(
        "lee@example.org", "X"
    ) == fresh.get(new.url).content.decode().replace("new@example.org", "X")
    assert User.objects.get(username__iexact="leelearner").email == "new@example.org"
    (notice,) = [m for m in mail.outbox if m.to == ["LEE@example.org"]]
    assert "Someone tried to register" in notice.subject
    assert "/login/forgot-user-id/" in notice.body


def test_a_taken_email_in_a_race_gets_the_same_page(client, monkeypatch):
    """Another sign-up takes the address between the check and the creation."""
    from qsep import views

    monkeypatch.setattr(views, "user_email_taken", _taken_only_after_first_call())
    UserFactory(username="racer0001", email="lee@example.org")
    response = sign_up(client, how="none")
    assert response.url == reverse("harp:register-done")
    assert not User.objects.filter(username__iexact="leelearner").exists()


def _taken_only_after_first_call():
    calls = []

    def taken(*, email):
        calls.append(email)
        return len(calls) > 1

    return taken


def test_a_taken_user_id_is_refused(client):
    UserFactory(username="LeeLearner", email="other@example.org")
    response = sign_up(client, how="none")
    assert "That user ID is taken" in response.content.decode()
