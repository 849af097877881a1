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


def test_the_same_email_cannot_make_a_second_account(client, settings):
    UserFactory(username="existing1", email="LEE@example.org")
    response = sign_up(client, how="none")
    page = response.content.decode()
    assert "An account already uses this email address" in page
    assert settings.HELP_DESK_EMAIL in page
    assert User.objects.count() == 1


def test_a_taken_user_id_is_refused(client):
    UserFactory(username="LeeLearner", email="other@example.org")
    response = sign_up(client, how="none")
    assert "That user ID is taken" in response.content.decode()
