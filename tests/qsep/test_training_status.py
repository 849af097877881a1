"""The Training status report: for a training plan and one of the coordinator's
states, who has completed it, who is in progress and who has not started."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from harp.models import AuditEvent
from qsep import services
from tests.qsep.report_factories import (
    complete,
    coordinator,
    course,
    csv_rows,
    make_learner,
    plan,
    proxy,
    superuser_client,
)

pytestmark = pytest.mark.django_db

STATUS = reverse("qsep:reports-training-status")
CSV = reverse("qsep:reports-training-status-csv")


def user_ids(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'data-label="User ID">([^<]+)<', response.content.decode())


def statuses(response) -> dict[str, str]:
    page = response.content.decode()
    rows = re.findall(
        r'data-label="User ID">([^<]+)<.*?data-label="Status">([^<]+)<', page, re.S
    )
    return dict(rows)


@pytest.fixture
def onboarding():
    """A two-course plan and MD learners in every state of it, plus a VA learner.

    adams: both courses completed      -> completed
    baker: one completed, one enrolled -> in progress
    clark: one enrolled                -> in progress
    davis: only a course outside the plan, completed -> not started
    evans: nothing                     -> not started
    """
    first, second, other = course("first"), course("second"), course("other")
    made = plan("onboarding", first, second)
    people = {
        name: make_learner(f"{name}01", last=name.title())
        for name in ("adams", "baker", "clark", "davis", "evans")
    }
    people["virginia"] = make_learner("virginia01", last="Virginia", state="VA")
    complete(people["adams"], first)
    complete(people["adams"], second)
    complete(people["baker"], first)
    services.enrollment_create(learner=people["baker"], course=second)
    services.enrollment_create(learner=people["clark"], course=first)
    complete(people["davis"], other)
    complete(people["virginia"], first)
    return made


def test_each_learner_of_the_state_lands_in_the_right_bucket(onboarding):
    browser, _ = coordinator("MD")
    response = browser.get(STATUS, {"plan": "onboarding", "state": "MD"})
    assert statuses(response) == {
        "adams01": "Completed",
        "baker01": "In progress",
        "clark01": "In progress",
        "davis01": "Not started",
        "evans01": "Not started",
    }
    assert "2 of 2" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "found"),
    [
        ("completed", ["adams01"]),
        ("in_progress", ["baker01", "clark01"]),
        ("not_started", ["davis01", "evans01"]),
        ("", ["adams01", "baker01", "clark01", "davis01", "evans01"]),
    ],
)
def test_the_status_filter(onboarding, status, found):
    browser, _ = coordinator("MD")
    params = {"plan": "onboarding", "state": "MD", "status": status}
    assert user_ids(browser.get(STATUS, params)) == found


def test_a_single_state_is_chosen_for_the_coordinator(onboarding):
    browser, _ = coordinator("MD")
    page = browser.get(STATUS).content.decode()
    assert '<option value="MD" selected>' in page
    assert user_ids(browser.get(STATUS, {"plan": "onboarding"}))[0] == "adams01"


def test_a_proxy_state_can_be_reported_and_others_cannot(onboarding):
    browser, user = coordinator("MD")
    assert browser.get(STATUS, {"plan": "onboarding", "state": "VA"}).status_code == 404
    assert browser.get(CSV, {"plan": "onboarding", "state": "VA"}).status_code == 404
    proxy(user, "VA")
    response = browser.get(STATUS, {"plan": "onboarding", "state": "VA"})
    assert statuses(response) == {"virginia01": "In progress"}
    expired, expired_user = coordinator("MD", username="coordinator2")
    proxy(expired_user, "VA", days_left=-1)
    assert expired.get(STATUS, {"plan": "onboarding", "state": "VA"}).status_code == 404


def test_a_superuser_reports_any_state(onboarding):
    browser, _ = superuser_client()
    response = browser.get(STATUS, {"plan": "onboarding", "state": "VA"})
    assert user_ids(response) == ["virginia01"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"plan": "no-such-plan", "state": "MD"}, "Choose a training plan from the"),
        ({"state": "MD"}, "Choose a training plan."),
        ({"plan": "onboarding", "state": "MD", "status": "x"}, "Choose a status"),
    ],
)
def test_bad_choices_get_a_clear_message(onboarding, params, message):
    browser, _ = coordinator("MD")
    response = browser.get(STATUS, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert user_ids(response) == []
    export = browser.get(CSV, params)
    assert export.status_code == 302 and export["Location"].startswith(STATUS)


def test_a_coordinator_of_two_states_must_choose_one(onboarding):
    browser, user = coordinator("MD")
    proxy(user, "VA")
    response = browser.get(STATUS, {"plan": "onboarding"})
    assert "Choose a state." in response.content.decode()
    assert user_ids(response) == []


def test_forged_cursors_answer_404(onboarding, settings):
    settings.QSEP_REPORT_PAGE_SIZE = 2
    browser, _ = coordinator("MD")
    params = {"plan": "onboarding", "state": "MD"}
    page = browser.get(STATUS, params).content.decode()
    cursor = re.search(r"cursor=([^\"&]+)", page).group(1)
    assert browser.get(STATUS, {**params, "cursor": "nonsense"}).status_code == 404
    # A genuine cursor of another filter (or of Find by Learner) is refused.
    other = {**params, "status": "not_started", "cursor": cursor}
    assert browser.get(STATUS, other).status_code == 404
    learners = reverse("qsep:reports-learners")
    assert browser.get(learners + "?cursor=" + cursor).status_code == 404


def test_pages_cover_every_learner_once_both_ways(onboarding, settings):
    settings.QSEP_REPORT_PAGE_SIZE = 2
    browser, _ = coordinator("MD")
    response = browser.get(STATUS, {"plan": "onboarding", "state": "MD"})
    seen, pages = [], []
    while True:
        pages.append(user_ids(response))
        seen += pages[-1]
        found = re.search(
            r'href="\?([^"]*cursor=[^"]+)"[^>]*><span[^>]*>Next',
            response.content.decode(),
        )
        if not found:
            break
        response = browser.get(STATUS + "?" + found.group(1).replace("&amp;", "&"))
    assert seen == ["adams01", "baker01", "clark01", "davis01", "evans01"]
    back = re.search(
        r'href="\?([^"]*cursor=[^"]+)"[^>]*><span[^>]*>Previous',
        response.content.decode(),
    )
    previous = browser.get(STATUS + "?" + back.group(1).replace("&amp;", "&"))
    assert user_ids(previous) == pages[-2]


def test_the_csv_streams_every_learner_with_a_status_and_is_audited(
    onboarding, settings
):
    settings.QSEP_REPORT_EXPORT_BATCH = 2
    browser, user = coordinator("MD")
    response = browser.get(CSV, {"plan": "onboarding", "state": "MD"})
    assert 'filename="training-status-onboarding-MD-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Name",
        "User ID",
        "Email",
        "Facility",
        "CCN",
        "Plan courses completed",
        "Status",
    ]
    assert [(row[1], row[5], row[6]) for row in rows[1:]] == [
        ("adams01", "2", "Completed"),
        ("baker01", "1", "In progress"),
        ("clark01", "0", "In progress"),
        ("davis01", "0", "Not started"),
        ("evans01", "0", "Not started"),
    ]
    event = AuditEvent.objects.get(action=services.TrainingAction.REPORT_EXPORTED)
    assert event.actor == user
    assert event.details == {
        "report": "training-status",
        "filters": {"plan": "onboarding", "state": "MD", "status": ""},
    }
    rows = csv_rows(
        browser.get(CSV, {"plan": "onboarding", "state": "MD", "status": "completed"})
    )
    assert [row[1] for row in rows[1:]] == ["adams01"]


def test_training_status_runs_a_fixed_number_of_queries(
    onboarding, settings, django_assert_max_num_queries
):
    settings.QSEP_REPORT_PAGE_SIZE = 10
    browser, _ = coordinator("MD")
    params = {"plan": "onboarding", "state": "MD"}
    with django_assert_max_num_queries(QUERIES):
        assert len(user_ids(browser.get(STATUS, params))) == 5
    first = course("more")
    for number in range(20):
        learner = make_learner(f"more{number:03d}", last=f"More{number:03d}")
        services.enrollment_create(learner=learner, course=first)
    with django_assert_max_num_queries(QUERIES):
        assert len(user_ids(browser.get(STATUS, params))) == 10


# Session, user, device, role states, proxy states, State Agencies, the plans of
# the form (choices and the chosen one), the plan's courses, the page; the status
# banner, the dashboard badge, and the permissions for the header.
QUERIES = 14


def test_rows_built_in_one_pass_link_each_learner_and_escape_names(onboarding):
    """The rows are HTML built in Python (qsep/report_rows.py), as the template
    showed them: the name links to the learner's record, every value escaped."""
    odd = make_learner("o'hara<1>", last='<b>"Odd"</b>', first="A&B", middle="Q")
    browser, _ = coordinator("MD")
    page = browser.get(STATUS, {"plan": "onboarding", "state": "MD"}).content.decode()
    assert (
        f'<a href="{reverse("qsep:reports-learner", args=[odd.pk])}">'
        "&lt;b&gt;&quot;Odd&quot;&lt;/b&gt;, A&amp;B Q</a></th>"
        '<td data-label="User ID">o&#x27;hara&lt;1&gt;</td>'
    ) in page
    assert '<td data-label="Plan courses completed">0 of 2</td>' in page
    assert '<td data-label="Status">Not started</td>' in page
