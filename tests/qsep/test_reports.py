"""Find by Learner, the learner detail page and their scope: a coordinator sees the
learners of their own State Agency and of their proxy states, nobody else's."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from harp.models import AuditEvent
from qsep import services
from qsep.models import Certificate
from qsep.selectors.report_scope import Cursor, Position
from qsep.services.learners import learner_completion_record
from tests.harp.factories import UserFactory, sign_in_verified
from tests.qsep.report_factories import (
    active,
    agency,
    complete,
    coordinator,
    course,
    csv_rows,
    facility,
    make_learner,
    proxy,
    superuser_client,
    unassigned_learner,
)

pytestmark = pytest.mark.django_db

LEARNERS = reverse("qsep:reports-learners")
CSV = reverse("qsep:reports-learners-csv")


def detail(user) -> str:
    return reverse("qsep:reports-learner", args=[user.pk])


def user_ids(response) -> list[str]:
    """The user IDs in the results table, top to bottom."""
    assert response.status_code == 200
    return re.findall(r'data-label="User ID">([^<]+)<', response.content.decode())


@pytest.fixture
def four():
    """Four learners whose order differs for every column, two in MD, two in VA.

    name:      Adams, Baker, Clark, Davis
    user ID:   alpha01 (Adams), bravo03 (Clark), charlie04 (Davis), delta02 (Baker)
    location:  Maryland (Adams, Clark), then Virginia (Baker, Davis)
    facility:  Alpha (Baker), Beta (Davis), Mid (Clark), Zeta (Adams)
    completed: Baker 0, Clark 1, Adams 2, Davis 3
    activity:  Clark 10 days ago, Adams 5, Davis 3, Baker 1
    """
    people = {
        "adams": make_learner(
            "alpha01", last="Adams", place=facility("MD", 1, "Zeta Home")
        ),
        "baker": make_learner(
            "delta02", last="Baker", state="VA", place=facility("VA", 1, "Alpha Home")
        ),
        "clark": make_learner(
            "bravo03", last="Clark", place=facility("MD", 2, "Mid Home")
        ),
        "davis": make_learner(
            "charlie04", last="Davis", state="VA", place=facility("VA", 2, "Beta Home")
        ),
    }
    for name, done in (("clark", 1), ("adams", 2), ("davis", 3)):
        for _ in range(done):
            learner_completion_record(user=people[name])
    for name, days in (("clark", 10), ("adams", 5), ("davis", 3), ("baker", 1)):
        active(people[name], days)
    return people


ORDERS = {
    "name": ["alpha01", "delta02", "bravo03", "charlie04"],
    "user_id": ["alpha01", "bravo03", "charlie04", "delta02"],
    "location": ["alpha01", "bravo03", "delta02", "charlie04"],
    "facility": ["delta02", "charlie04", "bravo03", "alpha01"],
    "completed": ["delta02", "bravo03", "alpha01", "charlie04"],
    "activity": ["bravo03", "alpha01", "charlie04", "delta02"],
}


# --- Who may open the reports --------------------------------------------------------


ALL_PAGES = [
    reverse("qsep:reports"),
    LEARNERS,
    CSV,
    reverse("qsep:reports-training-status"),
    reverse("qsep:reports-training-status-csv"),
]


def test_anonymous_people_are_sent_to_sign_in(client, four):
    for url in [*ALL_PAGES, detail(four["adams"])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_people_who_coordinate_no_state_get_403(four):
    harp_user = Client()
    sign_in_verified(harp_user, UserFactory(username="surveyor1"))
    learner = Client()
    learner.force_login(four["adams"])
    for browser in (harp_user, learner):
        for url in [*ALL_PAGES, detail(four["baker"])]:
            assert browser.get(url).status_code == 403, url


def test_a_coordinator_with_only_the_group_permission_gets_403(four):
    # The Training coordinators group gives the header link, not a state.
    browser, _ = coordinator(username="groupedonly")
    assert browser.get(LEARNERS).status_code == 403


def test_a_coordinator_sees_their_own_state_only(four):
    browser, _ = coordinator("MD")
    assert user_ids(browser.get(LEARNERS)) == ["alpha01", "bravo03"]
    assert browser.get(detail(four["adams"])).status_code == 200
    assert browser.get(detail(four["baker"])).status_code == 404
    rows = csv_rows(browser.get(CSV))
    assert [row[1] for row in rows[1:]] == ["alpha01", "bravo03"]


def test_a_proxy_adds_its_state_and_the_location_column_shows_both(four):
    browser, user = coordinator("MD")
    proxy(user, "VA")
    response = browser.get(LEARNERS)
    assert user_ids(response) == ORDERS["name"]
    page = response.content.decode()
    assert "Maryland State Agency (MD)" in page
    assert "Virginia State Agency (VA)" in page
    assert browser.get(detail(four["baker"])).status_code == 200
    assert user_ids(browser.get(LEARNERS, {"state": "VA"})) == ["delta02", "charlie04"]


def test_an_expired_proxy_gives_nothing(four):
    browser, user = coordinator("MD")
    proxy(user, "VA", days_left=-1)
    assert user_ids(browser.get(LEARNERS)) == ["alpha01", "bravo03"]
    assert browser.get(detail(four["baker"])).status_code == 404
    assert browser.get(LEARNERS, {"state": "VA"}).status_code == 404
    assert browser.get(CSV, {"state": "VA"}).status_code == 404


def test_a_superuser_sees_every_state_and_learners_with_no_state_agency(four):
    agency("DE")
    nowhere = unassigned_learner("nowhere1", last="Nobody")
    browser, _ = superuser_client()
    assert set(user_ids(browser.get(LEARNERS))) == {*ORDERS["name"], "nowhere1"}
    # Location order puts learners with no State Agency last.
    assert user_ids(browser.get(LEARNERS, {"sort": "location"}))[-1] == "nowhere1"
    assert browser.get(detail(nowhere)).status_code == 200
    assert user_ids(browser.get(LEARNERS, {"state": "VA"})) == ["delta02", "charlie04"]
    assert user_ids(browser.get(LEARNERS, {"state": "DE"})) == []


def test_a_learner_with_no_state_agency_is_seen_by_superusers_only(four):
    nowhere = unassigned_learner("nowhere1", last="Nobody")
    browser, _ = coordinator("MD")
    assert "nowhere1" not in user_ids(browser.get(LEARNERS))
    assert browser.get(detail(nowhere)).status_code == 404


# --- Forged input --------------------------------------------------------------------


def test_forged_learner_ids_answer_404(four):
    browser, _ = coordinator("MD")
    staff = UserFactory(username="notalearner")  # a user with no learner profile
    for pk in (four["baker"].pk, staff.pk, 999999):
        assert (
            browser.get(reverse("qsep:reports-learner", args=[pk])).status_code == 404
        )
    assert not AuditEvent.objects.filter(
        action=services.TrainingAction.LEARNER_VIEWED
    ).exists()


@pytest.mark.parametrize("state", ["VA", "va", "ZZ", "Maryland", "M"])
def test_forged_state_answers_404_in_the_page_and_the_csv(four, state):
    browser, _ = coordinator("MD")
    assert browser.get(LEARNERS, {"state": state}).status_code == 404
    assert browser.get(CSV, {"state": state, "q": "a"}).status_code == 404
    assert not AuditEvent.objects.filter(
        action=services.TrainingAction.REPORT_EXPORTED
    ).exists()


def test_forged_and_garbled_cursors_answer_404(four, settings):
    settings.QSEP_REPORT_PAGE_SIZE = 1
    browser, _ = coordinator("MD", "VA")
    page = browser.get(LEARNERS).content.decode()
    cursor = re.search(r"cursor=([^\"&]+)", page).group(1)
    assert browser.get(LEARNERS + "?cursor=" + cursor).status_code == 200
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for bad in ("garbage", "", tampered, "a" * 500, "e30:1:sig"):
        if bad:
            assert browser.get(LEARNERS, {"cursor": bad}).status_code == 404, bad
    # A genuine cursor of another sort is refused too, not misread.
    assert browser.get(LEARNERS + "?sort=-name&cursor=" + cursor).status_code == 404
    assert browser.get(LEARNERS + "?sort=completed&cursor=" + cursor).status_code == 404


def test_a_cursor_made_for_another_state_reveals_nothing(four):
    """A signed cursor whose agency is outside the scope (a proxy that expired
    while paging) is refused, not followed."""
    browser, _ = coordinator("MD")
    position = Position(value="baker pat", id=1, agency_id=agency("VA").pk)
    token = Cursor("learners", "location", True, position, 1).sign()
    response = browser.get(LEARNERS, {"sort": "location", "cursor": token})
    assert response.status_code == 404


# --- Search --------------------------------------------------------------------------


@pytest.fixture
def smiths():
    for username, first, last in (
        ("smithjohn", "John", "Smith"),
        ("smithjane", "Jane", "Smith"),
        ("smithersa", "Al", "Smithers"),
        ("jonesjohn", "John", "Jones"),
    ):
        make_learner(username, first=first, last=last)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("smith", ["smithjane", "smithjohn", "smithersa"]),
        ("Smith J", ["smithjane", "smithjohn"]),
        ("smith, jo", ["smithjohn"]),
        ("  SMITH   JANE ", ["smithjane"]),
        ("smithers", ["smithersa"]),
        ("zz", []),
    ],
)
def test_search_by_name_matches_the_start_of_last_name_first(smiths, text, found):
    browser, _ = coordinator("MD")
    assert user_ids(browser.get(LEARNERS, {"field": "name", "q": text})) == found


def test_search_by_user_id_email_and_ccn(four):
    browser, _ = coordinator("MD", "VA")
    assert user_ids(browser.get(LEARNERS, {"field": "user_id", "q": "BRAV"})) == [
        "bravo03"
    ]
    assert user_ids(
        browser.get(LEARNERS, {"field": "email", "q": "Alpha01@EXAMPLE.org"})
    ) == ["alpha01"]
    ccn = facility("VA", 2).ccn
    assert user_ids(browser.get(LEARNERS, {"field": "ccn", "q": ccn})) == ["charlie04"]
    spaced = f"{ccn[:2]} {ccn[2:]}".lower()
    assert user_ids(browser.get(LEARNERS, {"field": "ccn", "q": spaced})) == [
        "charlie04"
    ]
    # A search keeps to the chosen state.
    assert (
        user_ids(browser.get(LEARNERS, {"field": "ccn", "q": ccn, "state": "MD"})) == []
    )


def test_search_does_not_reach_outside_the_scope(four):
    browser, _ = coordinator("MD")
    assert (
        user_ids(browser.get(LEARNERS, {"field": "email", "q": "delta02@example.org"}))
        == []
    )
    assert user_ids(browser.get(LEARNERS, {"field": "name", "q": "baker"})) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Enter a name, user ID, email address or CCN"),
        ({"q": "   "}, "Enter a name, user ID, email address or CCN"),
        ({"q": "x" * 101}, "at most 100 characters"),
        ({"field": "email", "q": "alpha01@"}, "Enter a whole email address"),
        ({"field": "ccn", "q": "99ABCD"}, "is not a state code"),
        ({"field": "ccn", "q": "2100"}, "A CCN has 6 characters"),
        ({"field": "phone", "q": "x"}, "Select a valid choice"),
    ],
)
def test_bad_search_input_gets_a_clear_message_and_no_results(four, params, message):
    browser, _ = coordinator("MD")
    response = browser.get(LEARNERS, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "usa-alert--error" in page
    assert user_ids(response) == []
    # The CSV of a bad search sends the coordinator back to the page and its message.
    export = browser.get(CSV, params)
    assert export.status_code == 302
    assert export["Location"].startswith(LEARNERS)


def test_an_empty_search_with_a_state_lists_that_state(four):
    browser, _ = coordinator("MD", "VA")
    assert user_ids(browser.get(LEARNERS, {"q": "", "state": "VA"})) == [
        "delta02",
        "charlie04",
    ]


# --- Sorting and pages ---------------------------------------------------------------


@pytest.mark.parametrize("column", list(ORDERS))
def test_every_column_sorts_both_ways(four, column):
    browser, _ = coordinator("MD", "VA")
    assert user_ids(browser.get(LEARNERS, {"sort": column})) == ORDERS[column]
    assert user_ids(browser.get(LEARNERS, {"sort": f"-{column}"})) == list(
        reversed(ORDERS[column])
    )


def test_sort_headers_toggle_keep_the_search_and_say_how_they_sort(four):
    browser, _ = coordinator("MD", "VA")
    page = browser.get(
        LEARNERS, {"q": "a", "field": "name", "state": "MD", "sort": "location"}
    ).content.decode()
    header = re.search(
        r'<th scope="col" aria-sort="ascending"><a href="([^"]+)">', page
    )
    assert header, "the sorted column carries aria-sort"
    href = header.group(1).replace("&amp;", "&")
    assert "sort=-location" in href and "q=a" in href and "state=MD" in href
    assert "▲" in page
    assert page.count("aria-sort=") == 1
    page = browser.get(LEARNERS, {"sort": "-location"}).content.decode()
    assert 'aria-sort="descending"' in page and "▼" in page
    assert "sort=location" in page
    # An unknown sort falls back to names.
    assert user_ids(browser.get(LEARNERS, {"sort": "salary"})) == ORDERS["name"]


def walk(browser, params) -> tuple[list[str], list[str]]:
    """Follow Next to the end, then Previous back to the start."""
    forward, pages = [], []
    response = browser.get(LEARNERS, params)
    while True:
        pages.append(user_ids(response))
        forward += pages[-1]
        found = re.search(
            r'href="\?([^"]*cursor=[^"]+)"[^>]*><span[^>]*>Next',
            response.content.decode(),
        )
        if not found:
            break
        response = browser.get(LEARNERS + "?" + found.group(1).replace("&amp;", "&"))
    backward = list(pages[-1])
    while True:
        found = re.search(
            r'href="\?([^"]*cursor=[^"]+)"[^>]*><span[^>]*>Previous',
            response.content.decode(),
        )
        if not found:
            break
        response = browser.get(LEARNERS + "?" + found.group(1).replace("&amp;", "&"))
        backward = user_ids(response) + backward
    return forward, backward


@pytest.mark.parametrize(
    "sort", ["name", "-name", "location", "-location", "completed", "-activity"]
)
def test_next_and_previous_cover_every_learner_exactly_once(settings, sort):
    settings.QSEP_REPORT_PAGE_SIZE = 3
    names = ["Ames", "Bell", "Cole", "Dunn", "Egan", "Ford", "Gray", "Hale"]
    for number, last in enumerate(names):
        state = "MD" if number % 3 else "VA"
        user = make_learner(f"learner{number:02d}", last=last, state=state)
        for _ in range(number % 2):
            learner_completion_record(user=user)
    # Two namesakes: the id breaks the tie.
    make_learner("learner90", last="Cole", state="MD")
    make_learner("learner91", last="Cole", state="MD")
    browser, user = coordinator("MD")
    proxy(user, "VA")
    forward, backward = walk(browser, {"sort": sort})
    assert len(forward) == 10 and len(set(forward)) == 10
    assert backward == forward
    # The same order as one big page.
    settings.QSEP_REPORT_PAGE_SIZE = 50
    assert user_ids(browser.get(LEARNERS, {"sort": sort})) == forward


def test_pages_say_which_learners_they_show(settings):
    settings.QSEP_REPORT_PAGE_SIZE = 2
    for number, last in enumerate(["Ames", "Bell", "Cole", "Dunn", "Egan"]):
        make_learner(f"learner{number:02d}", last=last)
    browser, _ = coordinator("MD")
    first = browser.get(LEARNERS).content.decode()
    assert "Showing learners 1\N{EN DASH}2" in first and "Previous" not in first
    cursor = re.search(r'href="\?([^"]*cursor=[^"]+)"', first).group(1)
    second = browser.get(LEARNERS + "?" + cursor.replace("&amp;", "&")).content.decode()
    assert "Showing learners 3\N{EN DASH}4" in second and "Previous" in second


def test_find_by_learner_runs_a_fixed_number_of_queries(
    settings, django_assert_max_num_queries
):
    settings.QSEP_REPORT_PAGE_SIZE = 10
    browser, user = coordinator("MD")
    proxy(user, "VA")

    def load(count: int, start: int) -> None:
        for number in range(start, start + count):
            make_learner(
                f"learner{number:03d}",
                last=f"Last{number:03d}",
                state="VA" if number % 2 else "MD",
                place=facility("VA" if number % 2 else "MD", number),
            )

    load(3, 0)
    for params in ({}, {"sort": "-location"}, {"q": "last", "sort": "facility"}):
        with django_assert_max_num_queries(QUERIES):
            assert len(user_ids(browser.get(LEARNERS, params))) == 3
    load(40, 3)
    for params in ({}, {"sort": "-location"}, {"q": "last", "sort": "facility"}):
        with django_assert_max_num_queries(QUERIES):
            assert len(user_ids(browser.get(LEARNERS, params))) == 10


# Session, user, device, groups/permissions for the header, role states, proxy
# states, State Agencies, the UNION ALL page, its rows; the dashboard badge.
QUERIES = 12


# --- CSV -----------------------------------------------------------------------------


def test_the_csv_streams_every_row_with_a_header_in_the_page_order(four, settings):
    settings.QSEP_REPORT_EXPORT_BATCH = 2  # several keyset batches
    settings.QSEP_REPORT_PAGE_SIZE = 1  # the export is not limited to a page
    browser, _ = coordinator("MD", "VA")
    response = browser.get(CSV, {"sort": "-completed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="learners-')
    rows = csv_rows(response)
    assert rows[0] == [
        "Name",
        "User ID",
        "Email",
        "State Agency",
        "State",
        "Facility",
        "CCN",
        "Courses completed",
        "Last activity",
    ]
    assert [row[1] for row in rows[1:]] == list(reversed(ORDERS["completed"]))
    davis = rows[1]
    assert davis[0] == "Davis, Pat" and davis[2] == "charlie04@example.org"
    assert davis[3:7] == [
        "Virginia State Agency",
        "VA",
        "Beta Home",
        facility("VA", 2).ccn,
    ]
    assert davis[7] == "3"


def test_the_csv_keeps_the_search_and_state(four):
    browser, _ = coordinator("MD", "VA")
    rows = csv_rows(browser.get(CSV, {"state": "VA", "sort": "name"}))
    assert [row[1] for row in rows[1:]] == ["delta02", "charlie04"]
    rows = csv_rows(browser.get(CSV, {"field": "user_id", "q": "alpha"}))
    assert [row[1] for row in rows[1:]] == ["alpha01"]


def test_the_csv_defuses_spreadsheet_formulas():
    make_learner("formula1", first='=HYPERLINK("http://x")', last="+Cmd")
    make_learner("formula2", first="@SUM(A1)", last="-Minus")
    browser, _ = coordinator("MD")
    rows = csv_rows(browser.get(CSV))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'+Cmd, =HYPERLINK("http://x")' in cells
    assert "'-Minus, @SUM(A1)" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_each_export_is_audited_once_with_its_filters_not_its_rows(four):
    browser, user = coordinator("MD")
    csv_rows(browser.get(CSV, {"field": "name", "q": "adams", "sort": "-activity"}))
    event = AuditEvent.objects.get(action=services.TrainingAction.REPORT_EXPORTED)
    assert event.actor == user
    assert event.details == {
        "report": "find-by-learner",
        "filters": {"q": "adams", "field": "name", "sort": "-activity"},
    }


# --- Learner detail ------------------------------------------------------------------


def test_the_learner_detail_shows_profile_training_and_certificates(four):
    adams = four["adams"]
    done = course("done-course")
    begun = course("begun-course")
    complete(adams, done)
    enrollment = services.enrollment_create(learner=adams, course=begun)
    services.test_attempt_current(enrollment=enrollment, test="post")
    services.enrollment_create(learner=adams, course=course("later-course"))
    certificate = Certificate.objects.get(enrollment__learner=adams)
    browser, user = coordinator("MD")
    response = browser.get(detail(adams))
    page = response.content.decode()
    assert "Adams, Pat" in page and "alpha01@example.org" in page
    assert "Maryland State Agency (MD)" in page and "Zeta Home" in page
    assert re.search(r"Done-Course</th>\s*<td[^>]*>Completed on", page)
    assert re.search(r"Begun-Course</th>\s*<td[^>]*>In progress", page)
    assert re.search(r"Later-Course</th>\s*<td[^>]*>Not started", page)
    assert reverse("verify", args=[certificate.code]) in page
    event = AuditEvent.objects.get(action=services.TrainingAction.LEARNER_VIEWED)
    assert event.actor == user and event.target_id == str(adams.pk)
    browser.get(detail(adams))
    assert (
        AuditEvent.objects.filter(action=services.TrainingAction.LEARNER_VIEWED).count()
        == 2
    )


def test_the_learner_detail_runs_a_fixed_number_of_queries(
    four, django_assert_max_num_queries
):
    adams = four["adams"]
    browser, _ = coordinator("MD")
    with django_assert_max_num_queries(DETAIL_QUERIES):
        browser.get(detail(adams))
    for number in range(4):
        complete(adams, course(f"course-{number}"))
    with django_assert_max_num_queries(DETAIL_QUERIES):
        browser.get(detail(adams))


def test_coordinators_get_a_reports_link_in_the_header(four):
    browser, _ = coordinator("MD")
    assert f'href="{reverse("qsep:reports")}"' in browser.get(LEARNERS).content.decode()
    page = browser.get(reverse("qsep:reports")).content.decode()
    assert reverse("qsep:reports-training-status") in page
    learner = Client()
    learner.force_login(four["adams"])
    home = learner.get(reverse("qsep:catalog")).content.decode()
    assert f'href="{reverse("qsep:reports")}"' not in home


# As QUERIES, plus the audit event (savepoint, insert, release), the courses and
# the certificates; the State Agency rows are not read again.
DETAIL_QUERIES = 16


@pytest.mark.parametrize("sort", ["-completed", "activity", "facility", "-location"])
def test_a_search_sorted_by_another_column_pages_through_its_matches(settings, sort):
    settings.QSEP_REPORT_PAGE_SIZE = 2
    for number in range(7):
        last = "Cole" if number % 2 else "Cook"
        user = make_learner(
            f"learner{number:02d}", last=last, first=f"Pat{number}", state="MD"
        )
        for _ in range(number % 3):
            learner_completion_record(user=user)
        active(user, number)
    make_learner("others01", last="Adams")
    browser, _ = coordinator("MD")
    forward, backward = walk(browser, {"q": "co", "field": "name", "sort": sort})
    assert sorted(forward) == [f"learner{number:02d}" for number in range(7)]
    assert backward == forward
    settings.QSEP_REPORT_PAGE_SIZE = 50
    everyone = user_ids(browser.get(LEARNERS, {"sort": sort}))
    assert forward == [user_id for user_id in everyone if user_id != "others01"]


def test_rows_built_in_one_pass_escape_every_value_as_the_template_did():
    """The rows are HTML built in Python (qsep/report_rows.py): a name, user ID or
    facility that looks like markup is shown as text, quotes too."""
    make_learner(
        "o'brien<1>",
        last='<b>"Bold"</b>',
        first="A&B",
        middle="M",
        place=facility("MD", 3, "Home <i>&</i> 'Care'"),
    )
    browser, _ = coordinator("MD")
    page = browser.get(LEARNERS).content.decode()
    assert '<a href="/training/reports/learners/' in page
    assert "&lt;b&gt;&quot;Bold&quot;&lt;/b&gt;, A&amp;B M</a>" in page
    assert '<td data-label="User ID">o&#x27;brien&lt;1&gt;</td>' in page
    assert (
        '<td data-label="Facility">Home &lt;i&gt;&amp;&lt;/i&gt; &#x27;Care&#x27; '
        "(CCN " in page
    )
    assert "<b>" not in page.split("<tbody>")[1].split("</tbody>")[0]


def test_the_scope_statement_composed_once_fills_in_the_person_and_today(four):
    """report_scope's statement is composed once per worker (report_scope.py): the
    person and today's date are filled in on each request, so a proxy counts
    from its start to its end date and for its holder only."""
    from datetime import timedelta

    from django.utils import timezone

    from qsep.selectors import report_scope as scope_module

    browser, user = coordinator("MD")
    other, _ = coordinator("VA", username="coordinator2")
    held = proxy(user, "VA")
    for _ in range(2):  # the second request uses the statement composed by the first
        assert user_ids(browser.get(LEARNERS)) == ORDERS["name"]
        assert user_ids(other.get(LEARNERS)) == ["delta02", "charlie04"]
    statement = next(iter(scope_module._statements.values()))
    assert statement.users and statement.days
    held.starts_on = timezone.localdate() + timedelta(days=1)
    held.save()
    assert user_ids(browser.get(LEARNERS)) == ["alpha01", "bravo03"]
