"""Coordinator proxies: granted and ended by admins and the help desk, in force
between their dates, expiring by themselves."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from harp.groups import HELP_DESK
from harp.models import AuditEvent, OutboxMessage, User
from iqies_roles.models import Organization, RoleAssignment
from qsep.models import CoordinatorProxy
from qsep.selectors import coordinator_proxy_states, coordinator_states
from qsep.services.proxies import (
    PROXY_ENDED,
    PROXY_GRANTED,
    ProxyError,
    coordinator_proxy_end,
    coordinator_proxy_grant,
)
from tests.harp.factories import UserFactory, sign_in_verified
from tests.iqies_roles.factories import role

pytestmark = pytest.mark.django_db

COORDINATOR_ROLE = "qsep-state-training-coordinator"
REASON = "Covering Virginia while its coordinator is on leave; ticket 77"
TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def agency(state: str, **fields: object) -> Organization:
    return Organization.objects.get_or_create(
        kind="state_agency",
        state=state,
        defaults={"name": f"{state} State Agency", **fields},
    )[0]


def coordinator(username: str = "mdcoord01", state: str = "MD") -> User:
    user = UserFactory(username=username)
    RoleAssignment.objects.create(
        user=user, role=role(COORDINATOR_ROLE), organization=agency(state)
    )
    return user


@pytest.fixture
def desk_agent() -> User:
    user = UserFactory(username="agent0001", is_staff=True)
    user.groups.add(Group.objects.get(name=HELP_DESK))
    return user


def grant(coordinator: User, actor: User, state: str = "VA", **changes: object):
    fields: dict[str, object] = {
        "coordinator": coordinator,
        "state_agency": agency(state),
        "starts_on": TODAY(),
        "ends_on": days(30),
        "reason": REASON,
        "actor": actor,
        "request": None,
    }
    fields.update(changes)
    return coordinator_proxy_grant(**fields)  # type: ignore[arg-type]


def test_a_proxy_in_force_widens_the_coordinators_states(desk_agent):
    holder = coordinator()
    assert coordinator_states(coordinator=holder) == {"MD"}
    proxy = grant(holder, desk_agent)
    assert proxy.in_force()
    assert coordinator_proxy_states(coordinator=holder) == {"VA"}
    assert coordinator_states(coordinator=holder) == {"MD", "VA"}


def test_proxy_states_take_one_query(desk_agent, django_assert_num_queries):
    holder = coordinator()
    grant(holder, desk_agent)
    grant(holder, desk_agent, "DE")
    with django_assert_num_queries(1):
        assert coordinator_proxy_states(coordinator=holder) == {"VA", "DE"}
    with django_assert_num_queries(1):
        assert coordinator_states(coordinator=holder) == {"MD", "VA", "DE"}


def test_a_proxy_is_not_in_force_before_it_starts(desk_agent):
    holder = coordinator()
    grant(holder, desk_agent, starts_on=days(1), ends_on=days(10))
    assert coordinator_proxy_states(coordinator=holder) == set()


def test_a_proxy_is_in_force_on_its_last_day_and_expires_by_itself(desk_agent):
    holder = coordinator()
    proxy = grant(holder, desk_agent, starts_on=days(-5), ends_on=TODAY())
    assert coordinator_proxy_states(coordinator=holder) == {"VA"}
    # A day later, as the calendar moves on: nothing has to run.
    CoordinatorProxy.objects.filter(pk=proxy.pk).update(
        starts_on=days(-6), ends_on=days(-1)
    )
    assert coordinator_proxy_states(coordinator=holder) == set()
    assert coordinator_states(coordinator=holder) == {"MD"}


def test_an_ended_proxy_stops_at_once_and_is_audited_and_emailed(desk_agent):
    holder = coordinator()
    proxy = grant(holder, desk_agent)
    ended = coordinator_proxy_end(
        proxy=proxy, actor=desk_agent, reason="Coordinator back", request=None
    )
    assert ended.ended_at is not None and ended.ended_by == desk_agent
    assert ended.end_reason == "Coordinator back"
    assert coordinator_proxy_states(coordinator=holder) == set()
    event = AuditEvent.objects.get(action=PROXY_ENDED)
    assert event.actor == desk_agent and event.details["reason"] == "Coordinator back"
    mail = OutboxMessage.objects.get(subject__contains="has ended")
    assert mail.to == [holder.email] and "Coordinator back" in mail.body
    with pytest.raises(ProxyError, match="ended already"):
        coordinator_proxy_end(proxy=proxy, actor=desk_agent, reason="x", request=None)


def test_an_expired_proxy_cannot_be_ended(desk_agent):
    proxy = grant(coordinator(), desk_agent)
    CoordinatorProxy.objects.filter(pk=proxy.pk).update(
        starts_on=days(-9), ends_on=days(-1)
    )
    with pytest.raises(ProxyError, match="expired already"):
        coordinator_proxy_end(proxy=proxy, actor=desk_agent, reason="x", request=None)


def test_a_grant_is_audited_with_its_reason_and_emailed(desk_agent):
    holder = coordinator()
    proxy = grant(holder, desk_agent)
    event = AuditEvent.objects.get(action=PROXY_GRANTED)
    assert event.actor == desk_agent and event.target_id == str(proxy.pk)
    assert event.details["reason"] == REASON and event.details["state"] == "VA"
    mail = OutboxMessage.objects.get(to=[holder.email])
    assert "VA State Agency" in mail.body and "&#" not in mail.body
    assert proxy.granted_by == desk_agent


def test_an_overlapping_proxy_is_refused(desk_agent):
    holder = coordinator()
    grant(holder, desk_agent, starts_on=TODAY(), ends_on=days(30))
    with pytest.raises(ProxyError, match="holds a proxy for VA State Agency"):
        grant(holder, desk_agent, starts_on=days(30), ends_on=days(40))
    assert CoordinatorProxy.objects.count() == 1
    # After it, for another state, or once it has ended: allowed.
    grant(holder, desk_agent, starts_on=days(31), ends_on=days(40))
    grant(holder, desk_agent, "DE")
    first = CoordinatorProxy.objects.get(ends_on=days(30), state_agency__state="VA")
    coordinator_proxy_end(proxy=first, actor=desk_agent, reason="done", request=None)
    grant(holder, desk_agent, starts_on=TODAY(), ends_on=days(10))
    assert AuditEvent.objects.filter(action=PROXY_GRANTED).count() == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "Give the reason"),
        ({"starts_on": days(5), "ends_on": days(4)}, "before the start date"),
        ({"starts_on": days(-9), "ends_on": days(-1)}, "end date has passed"),
        ({"state": "MD"}, "coordinates MD State Agency already"),
    ],
)
def test_bad_grants_are_refused_and_write_nothing(desk_agent, changes, message):
    holder = coordinator()
    state = changes.pop("state", "VA")
    with pytest.raises(ProxyError, match=message):
        grant(holder, desk_agent, state, **changes)
    assert not CoordinatorProxy.objects.exists()
    assert not AuditEvent.objects.filter(action=PROXY_GRANTED).exists()
    assert not OutboxMessage.objects.exists()


def test_only_a_coordinator_holds_a_proxy(desk_agent):
    with pytest.raises(ProxyError, match="not a State Training Coordinator"):
        grant(UserFactory(username="someone01"), desk_agent)
    holder = coordinator()
    with pytest.raises(ProxyError, match="Nobody grants a proxy to themselves"):
        grant(holder, holder)


def test_a_proxy_is_for_an_active_state_agency_only(desk_agent):
    holder = coordinator()
    agency("DE", is_active=False)
    with pytest.raises(ProxyError, match="inactive"):
        grant(holder, desk_agent, "DE")
    hospital = Organization.objects.create(
        kind="provider", ccn="490123", name="Hospital", state="VA"
    )
    with pytest.raises(ProxyError, match="not a State Agency"):
        grant(holder, desk_agent, state_agency=hospital)


def test_a_proxy_stops_when_its_holder_stops_being_a_coordinator(desk_agent):
    holder = coordinator()
    grant(holder, desk_agent)
    RoleAssignment.objects.filter(user=holder).update(revoked_at=timezone.now())
    assert coordinator_proxy_states(coordinator=holder) == set()


# -- The admin: the help desk grants and ends proxies through the services.


def admin_client(user: User) -> Client:
    browser = Client()
    sign_in_verified(browser, user)
    return browser


def add_form(holder: User, state: str = "VA", **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "coordinator": holder.pk,
        "state_agency": agency(state).pk,
        "starts_on": TODAY().isoformat(),
        "ends_on": days(30).isoformat(),
        "reason": REASON,
    }
    data.update(changes)
    return data


def test_help_desk_grants_a_proxy_in_the_admin(desk_agent):
    holder = coordinator()
    browser = admin_client(desk_agent)
    url = reverse("admin:qsep_coordinatorproxy_add")
    assert browser.get(url).status_code == 200
    response = browser.post(url, add_form(holder))
    assert response.status_code == 302
    proxy = CoordinatorProxy.objects.get()
    assert proxy.granted_by == desk_agent and proxy.state_agency.state == "VA"
    assert AuditEvent.objects.filter(action=PROXY_GRANTED, actor=desk_agent).exists()
    assert OutboxMessage.objects.filter(to=[holder.email]).exists()


def test_the_admin_shows_the_services_refusals_on_the_form(desk_agent):
    holder = coordinator()
    grant(holder, desk_agent)
    browser = admin_client(desk_agent)
    url = reverse("admin:qsep_coordinatorproxy_add")
    response = browser.post(url, add_form(holder))
    assert response.status_code == 200
    assert "holds a proxy for VA State Agency" in response.content.decode()
    response = browser.post(
        url,
        add_form(holder, starts_on=days(5).isoformat(), ends_on=days(1).isoformat()),
    )
    assert "The end date cannot be before the start date." in response.content.decode()
    response = browser.post(url, add_form(UserFactory(username="someone01")))
    assert "not a State Training Coordinator" in response.content.decode()
    assert CoordinatorProxy.objects.count() == 1


def test_help_desk_ends_a_proxy_in_the_admin_with_a_reason(desk_agent):
    holder = coordinator()
    proxy = grant(holder, desk_agent)
    browser = admin_client(desk_agent)
    url = reverse("admin:qsep_coordinatorproxy_change", args=[proxy.pk])
    assert "End this proxy now" in browser.get(url).content.decode()
    response = browser.post(url, {"end_reason": ""})
    assert response.status_code == 200
    assert "Give the reason for ending the proxy." in response.content.decode()
    proxy.refresh_from_db()
    assert proxy.ended_at is None
    assert browser.post(url, {"end_reason": "Coordinator back"}).status_code == 302
    proxy.refresh_from_db()
    assert proxy.ended_at is not None and proxy.end_reason == "Coordinator back"
    assert coordinator_proxy_states(coordinator=holder) == set()
    # Ended: read-only from now on, and nobody deletes it.
    assert browser.post(url, {"end_reason": "again"}).status_code == 403
    delete = reverse("admin:qsep_coordinatorproxy_delete", args=[proxy.pk])
    assert browser.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(action=PROXY_ENDED).count() == 1


def test_the_proxy_list_filters_by_status(desk_agent):
    holder = coordinator()
    now = grant(holder, desk_agent)
    later = grant(holder, desk_agent, "DE", starts_on=days(5), ends_on=days(9))
    browser = admin_client(desk_agent)
    url = reverse("admin:qsep_coordinatorproxy_changelist")
    html = browser.get(url, {"status": "in_force"}).content.decode()
    assert f"/{now.pk}/change/" in html and f"/{later.pk}/change/" not in html
    html = browser.get(url, {"status": "scheduled"}).content.decode()
    assert f"/{later.pk}/change/" in html and f"/{now.pk}/change/" not in html
    assert "Starts later" in html


def test_people_outside_the_help_desk_cannot_grant_proxies(desk_agent):
    holder = coordinator()
    staff = UserFactory(username="staffer01", is_staff=True)
    browser = admin_client(staff)
    url = reverse("admin:qsep_coordinatorproxy_add")
    assert browser.get(url).status_code == 403
    assert browser.post(url, add_form(holder)).status_code == 403
    assert not CoordinatorProxy.objects.exists()


def test_transfers_in_the_admin_are_read_only(desk_agent):
    browser = admin_client(desk_agent)
    assert (
        browser.get(reverse("admin:qsep_learnertransfer_changelist")).status_code == 200
    )
    assert browser.get(reverse("admin:qsep_learnertransfer_add")).status_code == 403


def test_the_admin_lists_of_proxies_and_transfers_run_fixed_queries(desk_agent):
    """The help desk's two admin lists cost the same with 3 rows or 30."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qsep.services.transfers import learner_transfer

    browser = admin_client(desk_agent)
    lists = [
        reverse("admin:qsep_coordinatorproxy_changelist"),
        reverse("admin:qsep_learnertransfer_changelist"),
    ]

    def grow(start: int, n: int) -> None:
        for i in range(start, start + n):
            holder = coordinator(f"holder{i:04d}")
            grant(holder, desk_agent, state="VA")
            mover = UserFactory(username=f"mover{i:04d}")
            learner_transfer(
                learner=mover,
                to_agency=agency("DE"),
                reason=REASON,
                actor=desk_agent,
                request=None,
            )

    def counts() -> list[int]:
        sizes = []
        for url in lists:
            with CaptureQueriesContext(connection) as queries:
                assert browser.get(url).status_code == 200
            sizes.append(len(queries.captured_queries))
        return sizes

    grow(0, 3)
    counts()  # the permissions and the status banner are cached after a first page
    small = counts()
    grow(3, 27)
    assert counts() == small
