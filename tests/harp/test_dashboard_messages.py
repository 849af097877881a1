"""My Dashboard messages: who sees what, marking read, broadcasts, the admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from harp.audit import AuditAction
from harp.dashboard import audience_choices, audience_keys
from harp.messages import (
    Cursor,
    _forget,
    _new_generation,
    dashboard_message_get,
    dashboard_message_list,
    dashboard_message_page,
    dashboard_unread_count,
    dashboard_unread_count_cached,
    unread_label,
)
from harp.models import AuditEvent, DashboardMessage, DashboardMessageRead, User
from harp.services import (
    dashboard_broadcast_create,
    dashboard_message_mark,
    dashboard_message_send,
)
from iqies_roles.models import Organization, RoleAssignment
from qsep.models import LearnerProfile
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import role

pytestmark = pytest.mark.django_db

ROLE = "qsep-state-training-coordinator"


def agency(state: str) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency", state=state, defaults={"name": f"{state} State Agency"}
    )[0]


def learner(username: str, state: str | None = "MD") -> User:
    user = UserFactory(username=username, kind="learner", two_factor_required=False)
    LearnerProfile.objects.create(
        user=user, state_agency=agency(state) if state else None
    )
    return user


def role_holder(username: str, code: str = ROLE, state: str = "MD") -> User:
    user = UserFactory(username=username)
    RoleAssignment.objects.create(
        user=user, role=role(code), organization=agency(state)
    )
    return user


def broadcast(audience: str, subject: str = "News", actor: User | None = None):
    return dashboard_broadcast_create(
        audience=audience,
        subject=subject,
        body="Something everyone should know.",
        actor=actor or UserFactory(username="sender01", is_superuser=True),
        request=None,
    )


def subjects(user: User, show: str = "all") -> list[str]:
    return [m.subject for m in dashboard_message_list(user=user, show=show)]


# Who belongs to which audience


def test_audience_keys_come_from_every_app():
    md = learner("mdlearner")
    va = learner("valearner", state="VA")
    nowhere = learner("nolocation", state=None)
    coordinator = role_holder("coordmd1")
    assert audience_keys(user=md) == {"all", "learners", "state:MD"}
    assert audience_keys(user=va) == {"all", "learners", "state:VA"}
    assert audience_keys(user=nowhere) == {"all", "learners"}
    assert audience_keys(user=coordinator) == {"all", f"role:{ROLE}"}


def test_a_revoked_role_is_no_longer_an_audience():
    coordinator = role_holder("coordmd2")
    RoleAssignment.objects.filter(user=coordinator).update(revoked_at=timezone.now())
    assert audience_keys(user=coordinator) == {"all"}


def test_the_broadcast_choices_name_each_audience():
    choices = dict(audience_choices())
    assert choices["all"] == "Everyone with an account"
    assert choices["learners"] == "All learners"
    assert choices["state:MD"] == "Learners of the Maryland State Agency"
    assert choices[f"role:{ROLE}"] == "Holders of the State Training Coordinator role"


# Who sees which message


def test_personal_messages_and_broadcasts_reach_only_their_people():
    md, va = learner("mdlearner"), learner("valearner", state="VA")
    coordinator = role_holder("coordmd3")
    dashboard_message_send(recipient=md, subject="For MD only", body="x")
    broadcast("all", "To everyone")
    broadcast("learners", "To learners")
    broadcast("state:MD", "To Maryland")
    broadcast("state:VA", "To Virginia")
    broadcast(f"role:{ROLE}", "To coordinators")

    assert sorted(subjects(md)) == [
        "For MD only",
        "To Maryland",
        "To everyone",
        "To learners",
    ]
    assert sorted(subjects(va)) == ["To Virginia", "To everyone", "To learners"]
    assert sorted(subjects(coordinator)) == ["To coordinators", "To everyone"]


def test_newest_first_with_read_state():
    person = learner("ordered1")
    now = timezone.now()
    for n, age in enumerate((3, 1, 2)):
        message = dashboard_message_send(recipient=person, subject=f"m{n}", body="x")
        DashboardMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(days=age)
        )
    old = broadcast("learners", "old broadcast")
    DashboardMessage.objects.filter(pk=old.pk).update(
        created_at=now - datetime.timedelta(days=10)
    )
    assert subjects(person) == ["m1", "m2", "m0", "old broadcast"]
    dashboard_message_mark(user=person, message_id=old.pk, read=True)
    rows = {m.subject: m.is_read for m in dashboard_message_list(user=person)}
    assert rows == {"m1": False, "m2": False, "m0": False, "old broadcast": True}
    assert subjects(person, "read") == ["old broadcast"]
    assert subjects(person, "unread") == ["m1", "m2", "m0"]


# Marking read and unread


def test_marking_read_then_unread():
    person = learner("marker01")
    message = dashboard_message_send(recipient=person, subject="Hello", body="x")
    news = broadcast("all")
    assert dashboard_unread_count(user=person) == 2
    assert dashboard_message_mark(user=person, message_id=message.pk, read=True)
    assert dashboard_message_mark(user=person, message_id=str(news.pk), read=True)
    assert dashboard_unread_count(user=person) == 0
    assert dashboard_message_mark(user=person, message_id=news.pk, read=False)
    assert dashboard_unread_count(user=person) == 1
    # Unmarking what is not read, and marking what is, change nothing.
    assert dashboard_message_mark(user=person, message_id=news.pk, read=False)
    assert dashboard_message_mark(user=person, message_id=message.pk, read=True)
    assert DashboardMessageRead.objects.filter(user=person).count() == 1


def test_the_headers_cached_count_follows_messages_marks_and_broadcasts(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    person = learner("cached01")
    with django_capture_on_commit_callbacks(execute=True):
        message = dashboard_message_send(recipient=person, subject="Hi", body="x")
    assert dashboard_unread_count_cached(user=person) == 1
    with django_assert_num_queries(0):
        assert dashboard_unread_count_cached(user=person) == 1
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_message_mark(user=person, message_id=message.pk, read=True)
    assert dashboard_unread_count_cached(user=person) == 0
    with django_capture_on_commit_callbacks(execute=True):
        broadcast("all")
    assert dashboard_unread_count_cached(user=person) == 1
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_message_send(recipient=person, subject="Again", body="x")
    assert dashboard_unread_count_cached(user=person) == 2


def test_a_change_rolled_back_leaves_the_cached_count_alone(
    django_capture_on_commit_callbacks,
):
    person = learner("cached02")
    assert dashboard_unread_count_cached(user=person) == 0
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        dashboard_message_send(recipient=person, subject="Gone", body="x")
        transaction.set_rollback(True)
    assert callbacks == []
    assert dashboard_unread_count_cached(user=person) == 0


def test_with_the_cache_down_the_count_comes_from_the_database(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 9 of the loopback: every cache call fails.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    person = learner("cached03")
    message = dashboard_message_send(recipient=person, subject="Hi", body="x")
    assert dashboard_unread_count_cached(user=person) == 1
    _forget(person.pk)
    _new_generation()
    assert dashboard_message_mark(user=person, message_id=message.pk, read=True)
    assert dashboard_unread_count_cached(user=person) == 0


def test_a_broadcast_read_by_one_person_is_unread_for_another():
    first, second = learner("reader01"), learner("reader02")
    news = broadcast("learners")
    dashboard_message_mark(user=first, message_id=news.pk, read=True)
    assert dashboard_unread_count(user=first) == 0
    assert dashboard_unread_count(user=second) == 1


@pytest.mark.parametrize(
    "forged", ["others", "other_audience", "abc", "-1", "0", "1.5", "9" * 30, "²"]
)
def test_a_message_the_person_may_not_see_changes_nothing(forged):
    person, other = learner("victim01"), learner("other001", state="VA")
    theirs = dashboard_message_send(recipient=other, subject="Private", body="x")
    virginia = broadcast("state:VA", "Virginia only")
    message_id = {"others": theirs.pk, "other_audience": virginia.pk}.get(
        forged, forged
    )
    for read in (True, False):
        assert not dashboard_message_mark(user=person, message_id=message_id, read=read)
    assert dashboard_message_get(user=person, message_id=message_id) is None
    assert not DashboardMessageRead.objects.exists()


def test_marking_twice_ends_as_once_and_keeps_the_callers_transaction():
    """The second insert hits the unique constraint, as a simultaneous one would:
    it is caught inside a savepoint, so the caller's transaction goes on."""
    person = learner("racer001")
    message = dashboard_message_send(recipient=person, subject="Race", body="x")
    with transaction.atomic():
        DashboardMessageRead.objects.create(user=person, message=message)
        with CaptureQueriesContext(connection) as queries:
            assert dashboard_message_mark(user=person, message_id=message.pk, read=True)
        assert any("INSERT" in query["sql"] for query in queries.captured_queries)
        # The transaction is still usable after the IntegrityError.
        assert DashboardMessageRead.objects.filter(user=person).count() == 1


# Broadcasts


def test_a_broadcast_is_one_row_whatever_the_audience_size():
    User.objects.bulk_create(
        User(username=f"bulk{n:05d}", email=f"bulk{n}@example.org", kind="learner")
        for n in range(300)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(user=user, state_agency=agency("MD"))
        for user in User.objects.filter(username__startswith="bulk")
    )
    boss = UserFactory(username="boss0000", is_superuser=True)
    with CaptureQueriesContext(connection) as queries:
        message = broadcast("learners", "To all 300", actor=boss)
    assert DashboardMessage.objects.count() == 1
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 2  # the message and its audit event
    assert len(queries.captured_queries) < 10
    assert not DashboardMessageRead.objects.exists()
    someone = User.objects.get(username="bulk00123")
    assert dashboard_message_get(user=someone, message_id=message.pk) == message


def test_a_broadcast_is_audited():
    boss = UserFactory(username="boss0001", is_superuser=True)
    message = broadcast("state:MD", "Maryland news", actor=boss)
    event = AuditEvent.objects.get(action=AuditAction.MESSAGE_BROADCAST)
    assert (event.actor, event.target_id) == (boss, str(message.pk))
    assert event.details["audience"] == "state:MD"
    assert message.created_by == boss


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"audience": "state:ZZ"}, "audience"),
        ({"audience": ""}, "audience"),
        ({"subject": "  "}, "subject"),
        ({"body": ""}, "body"),
        ({"link": "https://evil.example/"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "/\\evil.example"}, "link"),
    ],
)
def test_a_bad_broadcast_is_refused_and_nothing_is_written(fields, error_field):
    values = {"audience": "all", "subject": "S", "body": "B", "link": "", **fields}
    with pytest.raises(ValidationError) as refused:
        dashboard_broadcast_create(
            **values, actor=UserFactory(username="boss0002"), request=None
        )
    assert error_field in refused.value.message_dict
    assert not DashboardMessage.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MESSAGE_BROADCAST).exists()


def test_a_long_event_subject_is_cut_not_refused():
    person = learner("longsubj")
    message = dashboard_message_send(recipient=person, subject="x" * 300, body="y")
    assert len(message.subject) == 200


# Pages of messages and the count


def many(person: User, count: int) -> None:
    now = timezone.now()
    sent = [
        dashboard_message_send(recipient=person, subject=f"personal {n}", body="x")
        for n in range(count)
    ]
    sent += [broadcast("learners", f"broadcast {n}") for n in range(count)]
    for n, message in enumerate(sent):
        DashboardMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(minutes=n)
        )


def test_keyset_pages_walk_every_message_once_both_ways():
    person = learner("pager001")
    many(person, 30)
    seen, before, pages = [], None, []
    while True:
        page = dashboard_message_page(user=person, before=before, size=25)
        pages.append(page)
        seen += [m.pk for m in page.messages]
        if page.older is None:
            break
        before = page.older
    assert len(pages) == 3
    assert len(seen) == len(set(seen)) == 60
    expected = list(dashboard_message_list(user=person).values_list("pk", flat=True))
    assert seen == expected
    assert pages[0].newer is None
    # Back from the last page to the middle one.
    back = dashboard_message_page(user=person, after=pages[2].newer, size=25)
    assert [m.pk for m in back.messages] == [m.pk for m in pages[1].messages]


def test_cursors_round_trip_and_refuse_garbage():
    person = learner("cursor01")
    message = dashboard_message_send(recipient=person, subject="x", body="y")
    cursor = Cursor.of(message)
    assert Cursor.decode(cursor.encode()) == cursor
    for garbage in ("", "x", "1-", "-1", "1-a", "9" * 40 + "-1", "1-" + "9" * 30):
        assert Cursor.decode(garbage) is None


@pytest.mark.parametrize("size", [5, 60])
def test_a_page_and_the_count_are_one_query_each(size, django_assert_num_queries):
    person = learner("queries1")
    role_holder("unused01")
    many(person, size)
    person = User.objects.get(pk=person.pk)
    with django_assert_num_queries(1):
        page = dashboard_message_page(user=person, show="unread")
    assert len(page.messages) == min(25, 2 * size)
    with django_assert_num_queries(1):
        dashboard_unread_count(user=person)


def test_the_unread_count_stops_at_its_cap():
    person = learner("capped01")
    DashboardMessage.objects.bulk_create(
        DashboardMessage(recipient=person, subject=f"m{n}", body="x")
        for n in range(150)
    )
    count = dashboard_unread_count(user=person)
    assert count == 100
    assert unread_label(count) == "99+ unread"
    assert unread_label(3) == "3 unread"


def test_an_anonymous_visitor_has_no_messages():
    from django.contrib.auth.models import AnonymousUser

    broadcast("all")
    assert dashboard_unread_count(user=AnonymousUser()) == 0
    assert audience_keys(user=AnonymousUser()) == set()


# The admin


def broadcaster(client, username: str = "broadcast1") -> User:
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="broadcast_message"))
    sign_in_verified(client, user)
    return user


def test_the_admin_broadcasts_to_an_audience_through_the_service(client):
    staff = broadcaster(client)
    response = client.post(
        reverse("admin:harp_dashboardmessage_add"),
        {
            "audience": f"role:{ROLE}",
            "subject": "Coordinator meeting",
            "body": "Thursday at ten.",
            "link": "/training/",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    message = DashboardMessage.objects.get()
    assert (message.audience, message.recipient, message.created_by) == (
        f"role:{ROLE}",
        None,
        staff,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.MESSAGE_BROADCAST, actor=staff
    ).exists()
    coordinator = role_holder("coordmd4")
    assert subjects(coordinator) == ["Coordinator meeting"]
    listing = client.get(reverse("admin:harp_dashboardmessage_changelist"))
    assert "Coordinator meeting" in listing.content.decode()
    page = client.get(reverse("admin:harp_dashboardmessage_change", args=[message.pk]))
    assert "Holders of the State Training Coordinator role" in page.content.decode()


def test_the_admin_refuses_a_forged_audience_or_link(client):
    broadcaster(client)
    for fields in (
        {"audience": "state:ZZ", "link": ""},
        {"audience": "all", "link": "https://evil.example/"},
    ):
        response = client.post(
            reverse("admin:harp_dashboardmessage_add"),
            {"subject": "S", "body": "B", **fields},
        )
        assert response.status_code == 200
        assert "errornote" in response.content.decode()
    assert not DashboardMessage.objects.exists()


def test_messages_are_read_only_in_the_admin(client):
    broadcaster(client)
    person = learner("readonly1")
    message = dashboard_message_send(recipient=person, subject="Yours", body="x")
    url = reverse("admin:harp_dashboardmessage_change", args=[message.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"subject": "Changed", "body": "x"}).status_code == 403
    delete = reverse("admin:harp_dashboardmessage_delete", args=[message.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.subject == "Yours"


def test_staff_without_the_permission_cannot_broadcast():
    staff = UserFactory(username="plainstaff", is_staff=True)
    browser = Client()
    sign_in_verified(browser, staff)
    add = reverse("admin:harp_dashboardmessage_add")
    assert browser.get(add).status_code == 403
    response = browser.post(add, {"audience": "all", "subject": "S", "body": "B"})
    assert response.status_code == 403
    listing = browser.get(reverse("admin:harp_dashboardmessage_changelist"))
    assert listing.status_code == 403
    assert not DashboardMessage.objects.exists()


def test_the_admin_list_is_a_fixed_number_of_queries(client):
    broadcaster(client)
    person = learner("adminlist")
    many(person, 5)
    client.get(reverse("admin:harp_dashboardmessage_changelist"))  # warm the cache
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("admin:harp_dashboardmessage_changelist"))
    many(person, 40)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("admin:harp_dashboardmessage_changelist"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_rf_request_is_recorded_in_the_audit():
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    message = dashboard_broadcast_create(
        audience="all",
        subject="S",
        body="B",
        actor=UserFactory(username="boss0003"),
        request=request,
    )
    event = AuditEvent.objects.get(target_id=str(message.pk))
    assert event.ip_address == "203.0.113.9"
