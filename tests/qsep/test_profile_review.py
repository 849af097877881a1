"""The annual profile review: the page, the sign-in redirect and the yearly emails."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from harp.models import AuditEvent, OutboxMessage
from qsep import tasks
from qsep.middleware import PROFILE_REVIEW_MESSAGE
from qsep.models import EmploymentType, LearnerProfile, ProviderType
from qsep.review_cycle import profile_review_cycle_start
from qsep.selectors.profile_review import learner_profile_review_due
from qsep.services import profile_review
from qsep.services.learners import learner_profile_ensure
from qsep.services.profile_review import (
    ProfileReviewError,
    learner_employment_update,
    learner_profile_review_confirm,
    profile_review_emails_queue,
)
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REVIEW_DAY = datetime.date(2026, 1, 15)
LONG_AGO = timezone.make_aware(datetime.datetime(2024, 3, 1, 12, 0))


@pytest.fixture(autouse=True)
def _review_on_january_15(settings):
    settings.PROFILE_REVIEW_DATE = "01-15"


@pytest.fixture
def survey_types():
    return [
        ProviderType.objects.create(name="Home Health Agency"),
        ProviderType.objects.create(name="Hospice"),
        ProviderType.objects.create(name="Skilled Nursing Facility"),
    ]


def learner(username: str, **fields):
    fields.setdefault("first_name", "Lee")
    return UserFactory(
        username=username, kind="learner", two_factor_required=False, **fields
    )


def surveyor(
    username: str,
    survey_types,
    *,
    employment_type: str = EmploymentType.STATE_SURVEYOR,
    reviewed_at: datetime.datetime | None = None,
    **fields,
):
    """A surveyor who last confirmed their profile at `reviewed_at` (None: never)."""
    user = learner(username, **fields)
    learner_employment_update(
        user=user, employment_type=employment_type, survey_types=survey_types[:1]
    )
    # As if time had passed since they last confirmed.
    LearnerProfile.objects.filter(user=user).update(profile_reviewed_at=reviewed_at)
    return user


def profile_of(user) -> LearnerProfile:
    return LearnerProfile.objects.get(user=user)


# The cycle -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (datetime.date(2026, 1, 14), datetime.date(2025, 1, 15)),
        (datetime.date(2026, 1, 15), datetime.date(2026, 1, 15)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 1, 15)),
        (datetime.date(2024, 2, 29), datetime.date(2024, 1, 15)),
    ],
)
def test_cycle_starts_on_the_latest_review_date_on_or_before_today(today, start):
    assert profile_review_cycle_start(today) == start


def test_cycle_with_a_review_date_late_in_the_year(settings):
    settings.PROFILE_REVIEW_DATE = "12-31"
    assert profile_review_cycle_start(datetime.date(2026, 6, 1)) == datetime.date(
        2025, 12, 31
    )
    assert profile_review_cycle_start(datetime.date(2026, 12, 31)) == datetime.date(
        2026, 12, 31
    )


@pytest.mark.parametrize("value", ["02-29", "13-01", "00-10", "1-15", "January 15"])
def test_a_review_date_that_does_not_come_every_year_is_refused(settings, value):
    settings.PROFILE_REVIEW_DATE = value
    with pytest.raises(ImproperlyConfigured, match="PROFILE_REVIEW_DATE"):
        profile_review_cycle_start(datetime.date(2026, 3, 1))


def _load_settings(value: str) -> subprocess.CompletedProcess[str]:
    clean = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.PROFILE_REVIEW_DATE)",
        ],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PROFILE_REVIEW_DATE": value,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_review_date_stops_the_portal_at_start_up():
    refused = _load_settings("02-29")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "PROFILE_REVIEW_DATE must be a month and day" in refused.stderr
    accepted = _load_settings("12-31")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == "12-31"


def test_due_only_for_surveyors_not_confirmed_since_the_cycle_started(survey_types):
    never = surveyor("surveyor01", survey_types)
    last_year = surveyor("surveyor02", survey_types, reviewed_at=LONG_AGO)
    this_year = surveyor("surveyor03", survey_types, reviewed_at=timezone.now())
    other = surveyor(
        "other01", survey_types, employment_type=EmploymentType.OTHER, reviewed_at=None
    )
    assert learner_profile_review_due(user=never)
    assert learner_profile_review_due(user=last_year)
    assert not learner_profile_review_due(user=this_year)
    assert not learner_profile_review_due(user=other)
    assert not learner_profile_review_due(user=learner("noprofile01"))


# The page --------------------------------------------------------------------


def test_page_needs_sign_in(client):
    response = client.get(reverse("qsep:employment"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_learner_saves_employment_and_it_is_confirmed(client, survey_types):
    user = learner("learner01")
    client.force_login(user)
    page = client.get(reverse("qsep:employment"))
    assert page.status_code == 200
    assert b"Employment and survey types" in page.content
    assert b"Hospice" in page.content

    response = client.post(
        reverse("qsep:employment"),
        {
            "employment_type": EmploymentType.FEDERAL_SURVEYOR,
            "survey_types": [survey_types[0].pk, survey_types[2].pk],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("harp:profile")
    profile = profile_of(user)
    assert profile.employment_type == EmploymentType.FEDERAL_SURVEYOR
    assert set(profile.survey_types.all()) == {survey_types[0], survey_types[2]}
    assert profile.profile_reviewed_at is not None
    event = AuditEvent.objects.get(action="qsep.employment_updated")
    assert event.actor == user
    assert event.details["survey_types_added"] == sorted(
        [survey_types[0].pk, survey_types[2].pk]
    )


def test_harp_user_without_a_learner_profile_gets_one_on_saving(client, survey_types):
    user = UserFactory(username="harpuser01")
    sign_in_verified(client, user)
    assert client.get(reverse("qsep:employment")).status_code == 200

    response = client.post(
        reverse("qsep:employment"), {"employment_type": EmploymentType.OTHER}
    )

    assert response.status_code == 302
    profile = profile_of(user)
    assert profile.employment_type == EmploymentType.OTHER
    assert list(profile.survey_types.all()) == []


def test_non_surveyor_needs_no_survey_types(client, survey_types):
    user = learner("learner02")
    client.force_login(user)
    response = client.post(
        reverse("qsep:employment"), {"employment_type": EmploymentType.OTHER}
    )
    assert response.status_code == 302
    assert profile_of(user).employment_type == EmploymentType.OTHER


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"employment_type": EmploymentType.STATE_SURVEYOR},
            "Surveyors choose at least one provider/survey type.",
        ),
        (
            {"employment_type": EmploymentType.CONTRACT_SURVEYOR, "survey_types": []},
            "Surveyors choose at least one provider/survey type.",
        ),
        ({}, "Choose your employment type."),
        ({"employment_type": "astronaut"}, "Select a valid choice"),
        (
            {
                "employment_type": EmploymentType.STATE_SURVEYOR,
                "survey_types": [999999],
            },
            "Choose provider/survey types from the list.",
        ),
        (
            {"employment_type": EmploymentType.STATE_SURVEYOR, "survey_types": ["abc"]},
            "Choose provider/survey types from the list.",
        ),
    ],
)
def test_bad_input_shows_a_message_and_writes_nothing(
    client, survey_types, data, message
):
    user = learner("learner03")
    client.force_login(user)
    response = client.post(reverse("qsep:employment"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert b"Check the form" in response.content
    assert not LearnerProfile.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action__startswith="qsep.").exists()


def test_forged_survey_type_among_real_ones_changes_nothing(client, survey_types):
    user = surveyor("surveyor04", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)
    response = client.post(
        reverse("qsep:employment"),
        {
            "employment_type": EmploymentType.FEDERAL_SURVEYOR,
            "survey_types": [survey_types[1].pk, 999999],
        },
    )
    assert response.status_code == 200
    assert "Choose provider/survey types from the list." in response.content.decode()
    profile = profile_of(user)
    assert profile.employment_type == EmploymentType.STATE_SURVEYOR
    assert list(profile.survey_types.all()) == [survey_types[0]]
    assert profile.profile_reviewed_at == LONG_AGO


def test_saving_unchanged_values_confirms_and_records_the_date(client, survey_types):
    user = surveyor("surveyor05", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)
    page = client.get(reverse("qsep:employment"))
    assert b"Your yearly review is due." in page.content
    assert b'value="state_surveyor" class="usa-radio__input"' in page.content
    assert b"checked" in page.content

    response = client.post(
        reverse("qsep:employment"),
        {
            "employment_type": EmploymentType.STATE_SURVEYOR,
            "survey_types": [survey_types[0].pk],
        },
    )

    assert response.status_code == 302
    profile = profile_of(user)
    assert profile.profile_reviewed_at > LONG_AGO
    assert AuditEvent.objects.filter(
        action="qsep.profile_review_confirmed", actor=user
    ).exists()
    assert not learner_profile_review_due(user=user)


def test_confirming_an_incomplete_profile_is_refused(survey_types):
    user = learner("learner04")
    learner_profile_ensure(user=user)
    with pytest.raises(ProfileReviewError, match="employment type"):
        learner_profile_review_confirm(user=user)
    LearnerProfile.objects.filter(user=user).update(
        employment_type=EmploymentType.STATE_SURVEYOR
    )
    with pytest.raises(ProfileReviewError, match="provider/survey type"):
        learner_profile_review_confirm(user=user)
    assert profile_of(user).profile_reviewed_at is None


def test_service_refuses_a_surveyor_without_survey_types(survey_types):
    user = learner("learner05")
    with pytest.raises(ProfileReviewError):
        learner_employment_update(
            user=user, employment_type=EmploymentType.STATE_SURVEYOR, survey_types=[]
        )
    assert not LearnerProfile.objects.filter(user=user).exists()


def test_my_profile_shows_employment_and_links_to_the_review(client, survey_types):
    user = surveyor("surveyor06", survey_types, reviewed_at=timezone.now())
    client.force_login(user)
    page = client.get(reverse("harp:profile")).content.decode()
    assert "State surveyor" in page
    assert "Home Health Agency" in page
    assert "Edit employment and survey types" in page
    assert reverse("qsep:employment") in page

    LearnerProfile.objects.filter(user=user).update(profile_reviewed_at=LONG_AGO)
    page = client.get(reverse("harp:profile")).content.decode()
    assert "Review employment and survey types (due)" in page


# The sign-in redirect --------------------------------------------------------


def test_due_surveyor_is_sent_to_the_review_page_from_every_page(client, survey_types):
    user = surveyor("surveyor07", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)  # signs in: the due check runs here

    for url in (
        reverse("harp:profile"),
        reverse("qsep:catalog"),
        reverse("qsep:my"),
        "/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("qsep:employment")
    posted = client.post(reverse("qsep:certifications"), {})
    assert posted.status_code == 302
    assert posted["Location"] == reverse("qsep:employment")

    page = client.get(reverse("qsep:employment"))
    assert page.status_code == 200
    assert PROFILE_REVIEW_MESSAGE in page.content.decode()
    # The public pages stay open.
    assert client.get(reverse("harp:status")).status_code == 200

    client.post(
        reverse("qsep:employment"),
        {
            "employment_type": EmploymentType.STATE_SURVEYOR,
            "survey_types": [survey_types[0].pk, survey_types[1].pk],
        },
    )
    assert client.get(reverse("qsep:catalog")).status_code == 200
    assert client.get(reverse("harp:profile")).status_code == 200


def test_due_surveyor_can_sign_out(client, survey_types):
    user = surveyor("surveyor08", survey_types)
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] != reverse("qsep:employment")
    assert client.get("/").status_code == 200
    assert "_auth_user_id" not in client.session


def test_bad_review_post_keeps_the_redirect(client, survey_types):
    user = surveyor("surveyor09", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)
    client.post(
        reverse("qsep:employment"), {"employment_type": EmploymentType.STATE_SURVEYOR}
    )
    assert client.get(reverse("qsep:catalog"))["Location"] == reverse("qsep:employment")


def test_surveyor_who_confirmed_this_cycle_is_not_redirected(client, survey_types):
    user = surveyor("surveyor10", survey_types, reviewed_at=timezone.now())
    client.force_login(user)
    assert client.get(reverse("qsep:catalog")).status_code == 200
    assert client.get(reverse("harp:profile")).status_code == 200


def test_non_surveyors_are_never_redirected(client, survey_types):
    other = surveyor(
        "other02", survey_types, employment_type=EmploymentType.OTHER, reviewed_at=None
    )
    client.force_login(other)
    assert client.get(reverse("qsep:catalog")).status_code == 200
    client.logout()
    client.force_login(learner("learner06"))  # no profile at all
    assert client.get(reverse("qsep:my")).status_code == 200


def test_confirmed_in_another_session_ends_the_redirect(client, survey_types):
    user = surveyor("surveyor11", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)
    learner_profile_review_confirm(user=user)  # from another browser
    assert client.get(reverse("qsep:catalog"))["Location"] == reverse("qsep:employment")
    assert client.get(reverse("qsep:employment")).status_code == 200
    assert client.get(reverse("qsep:catalog")).status_code == 200


def test_two_factor_set_up_comes_before_the_review(client, survey_types):
    user = UserFactory(username="harpsurveyor01")
    learner_employment_update(
        user=user,
        employment_type=EmploymentType.CONTRACT_SURVEYOR,
        survey_types=survey_types[:1],
    )
    LearnerProfile.objects.filter(user=user).update(profile_reviewed_at=LONG_AGO)
    client.force_login(user)  # password accepted; no second factor yet

    response = client.get(reverse("harp:profile"))
    assert response["Location"] == reverse("harp:two-factor-setup")
    assert client.get(reverse("qsep:employment"))["Location"] == reverse(
        "harp:two-factor-setup"
    )
    assert client.get(reverse("harp:two-factor-setup")).status_code == 200

    sign_in_verified(client, user)  # set up and signed in with both factors
    response = client.get(reverse("harp:profile"))
    assert response["Location"] == reverse("qsep:employment")
    assert client.get(reverse("harp:two-factor-manage")).status_code == 200
    assert client.get(reverse("qsep:employment")).status_code == 200


def test_redirect_costs_no_query_per_request(
    client, survey_types, django_assert_max_num_queries
):
    user = surveyor("surveyor12", survey_types, reviewed_at=LONG_AGO)
    client.force_login(user)
    # The session and the user: the due flag itself is read from the session.
    with django_assert_max_num_queries(2):
        assert client.get(reverse("qsep:catalog")).status_code == 302


# The yearly emails -----------------------------------------------------------


def _emails_by_recipient() -> dict[str, int]:
    counts: dict[str, int] = {}
    for to in OutboxMessage.objects.values_list("to", flat=True):
        counts[to[0]] = counts.get(to[0], 0) + 1
    return counts


@pytest.fixture
def population(survey_types):
    """Five due surveyors, and people who must not be emailed."""
    due = [
        surveyor(f"due{n:02d}", survey_types, reviewed_at=None if n % 2 else LONG_AGO)
        for n in range(5)
    ]
    surveyor(
        "other03", survey_types, employment_type=EmploymentType.OTHER, reviewed_at=None
    )
    surveyor(
        "confirmed01",
        survey_types,
        reviewed_at=timezone.make_aware(datetime.datetime(2026, 1, 15, 9, 0)),
    )
    learner("plainlearner01")
    return due


def test_run_twice_emails_each_due_surveyor_once(population):
    assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 5
    assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 0
    assert profile_review_emails_queue(today=REVIEW_DAY.replace(month=6)) == 0

    assert _emails_by_recipient() == {user.email: 1 for user in population}
    assert set(
        LearnerProfile.objects.filter(user__in=population).values_list(
            "review_requested_for", flat=True
        )
    ) == {2026}
    assert not LearnerProfile.objects.filter(
        user__username__in=["other03", "confirmed01"],
        review_requested_for__isnull=False,
    ).exists()


def test_emails_are_sent_through_the_outbox_after_each_batch(
    population, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 5
    assert len(callbacks) == 3  # one task per batch of two
    assert len(mail.outbox) == 5
    message = next(m for m in mail.outbox if m.to == [population[0].email])
    assert message.subject.endswith("Review your employment and provider/survey types")
    assert "due00" in message.body
    assert "2026" in message.body


def test_email_text_is_not_html_escaped(survey_types):
    surveyor("obrien01", survey_types, first_name="Siobhán O'Brien & Co")
    profile_review_emails_queue(today=REVIEW_DAY)
    body = OutboxMessage.objects.get().body
    assert "Hello Siobhán O'Brien & Co," in body
    assert "&#x27;" not in body
    assert "&amp;" not in body


def test_nothing_is_sent_before_the_review_date(population):
    assert profile_review_emails_queue(today=REVIEW_DAY - datetime.timedelta(1)) == 0
    assert OutboxMessage.objects.count() == 0
    assert profile_review_emails_queue(today=REVIEW_DAY) == 5


def test_people_emailed_last_year_are_emailed_again_this_year(population):
    LearnerProfile.objects.filter(user__in=population[:3]).update(
        review_requested_for=2025
    )
    LearnerProfile.objects.filter(user__in=population[3:]).update(
        review_requested_for=2024
    )
    assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 5
    assert _emails_by_recipient() == {user.email: 1 for user in population}


def test_people_already_emailed_this_year_are_not_emailed_again(population):
    LearnerProfile.objects.filter(user__in=population[:2]).update(
        review_requested_for=2026
    )
    assert profile_review_emails_queue(today=REVIEW_DAY) == 3
    assert set(_emails_by_recipient()) == {user.email for user in population[2:]}


def test_surveyors_without_an_address_or_account_are_marked_but_not_emailed(
    population,
):
    population[0].is_active = False
    population[0].save(update_fields=["is_active"])
    type(population[1]).objects.filter(pk=population[1].pk).update(email="")
    assert profile_review_emails_queue(today=REVIEW_DAY) == 3
    assert profile_review_emails_queue(today=REVIEW_DAY) == 0
    assert not LearnerProfile.objects.filter(
        user__in=population, review_requested_for__isnull=True
    ).exists()


def test_a_run_that_stops_half_way_is_continued_without_duplicates(population):
    real = profile_review.outbox_messages_create_bulk
    calls = {"n": 0}

    def fails_on_the_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the worker died")
        return real(**kwargs)

    with (
        mock.patch.object(
            profile_review,
            "outbox_messages_create_bulk",
            side_effect=fails_on_the_second_batch,
        ),
        pytest.raises(RuntimeError),
    ):
        profile_review_emails_queue(today=REVIEW_DAY, batch_size=2)

    # The first batch is kept, marked and emailed; the failed one left no trace.
    assert OutboxMessage.objects.count() == 2
    assert LearnerProfile.objects.filter(review_requested_for=2026).count() == 2

    assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 3
    assert _emails_by_recipient() == {user.email: 1 for user in population}


def test_another_run_marking_a_batch_first_means_no_second_email(population):
    """Two runs at once: the other run marks and emails everyone between this run's
    read of a batch and its UPDATE; this run's UPDATE then changes no row."""
    real = profile_review._mark_requested
    state = {"interleaved": False}

    def other_run_first(**kwargs):
        if not state["interleaved"]:
            state["interleaved"] = True
            assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 5
        return real(**kwargs)

    with mock.patch.object(
        profile_review, "_mark_requested", side_effect=other_run_first
    ):
        assert profile_review_emails_queue(today=REVIEW_DAY, batch_size=2) == 0

    assert _emails_by_recipient() == {user.email: 1 for user in population}


@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_email_each_surveyor_once(survey_types):
    if connection.vendor == "sqlite":
        pytest.skip("The race needs a server database; CI runs it on PostgreSQL.")
    people = [surveyor(f"race{n:02d}", survey_types) for n in range(20)]
    start = threading.Barrier(4)

    def run() -> int:
        start.wait(timeout=10)
        try:
            return profile_review_emails_queue(today=REVIEW_DAY, batch_size=3)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        queued = list(pool.map(lambda _: run(), range(4)))

    assert sum(queued) == 20
    assert _emails_by_recipient() == {user.email: 1 for user in people}


def test_email_run_queries_do_not_grow_with_the_batch(
    survey_types, django_assert_max_num_queries
):
    # One batch: the read, the UPDATE, the outbox INSERT and two savepoints with
    # their releases; then the look-up for another year group.
    for n in range(3):
        surveyor(f"small{n:02d}", survey_types)
    with django_assert_max_num_queries(8):
        assert profile_review_emails_queue(today=REVIEW_DAY) == 3
    LearnerProfile.objects.update(review_requested_for=None)
    for n in range(15):
        surveyor(f"large{n:02d}", survey_types)
    with django_assert_max_num_queries(8):
        assert profile_review_emails_queue(today=REVIEW_DAY) == 18


def test_beat_task_queues_the_emails(settings, population):
    settings.PROFILE_REVIEW_DATE = "01-01"  # a cycle that has started, whatever today
    assert tasks.profile_review_emails_task.apply().get() == 5
    assert tasks.profile_review_emails_task.apply().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["profile-review-emails"]
    assert entry["task"] == "qsep.tasks.profile_review_emails_task"
