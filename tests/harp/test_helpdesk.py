"""The help-desk console: its home, manual activation and sign-in unlocks."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from harp import helpdesk
from harp.audit import AuditAction
from harp.groups import HELP_DESK
from harp.models import AuditEvent, OutboxMessage, User
from harp.services import user_sign_in_failed
from harp.services.helpdesk import HelpDeskError, user_activate
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

REASON = "Caller confirmed name, date of birth and address; ticket 4711"


def agent(
    username: str = "agent0001", *, superuser: bool = False
) -> tuple[Client, User]:
    """A signed-in member of the Help desk group."""
    user = UserFactory(username=username, is_staff=True, is_superuser=superuser)
    user.groups.add(Group.objects.get(name=HELP_DESK))
    browser = Client()
    sign_in_verified(browser, user)
    return browser, user


def holder_of(*codenames: str, username: str = "partial01") -> Client:
    """A signed-in person holding only these permissions."""
    user = UserFactory(username=username)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    browser = Client()
    sign_in_verified(browser, user)
    return browser


def unconfirmed(username: str, **fields: object) -> User:
    """Someone who registered and never used their confirmation link."""
    return UserFactory(username=username, email_verified=False, **fields)


def locked(username: str, **fields: object) -> User:
    """An account locked by repeated failed sign-ins, as the sign-in page locks it."""
    user = UserFactory(username=username, **fields)
    request = RequestFactory().post("/login/")
    for _ in range(20):
        if user_sign_in_failed(typed_user_id=username, request=request):
            break
    user.refresh_from_db()
    assert user.is_locked
    return user


def page(browser: Client, name: str, *args: object, **params: str) -> str:
    response = browser.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def queries_of(browser: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert browser.get(url).status_code == 200
    return len(context.captured_queries)


# -- The home


def test_home_lists_every_queue_for_the_help_desk_with_counts():
    unconfirmed("waiting01")
    unconfirmed("waiting02")
    locked("locked001")
    desk, _ = agent()
    html = page(desk, "helpdesk:home")
    for title in (
        "Manual proofing",
        "Activation requests",
        "Transfers",
        "Sign-in unlocks",
    ):
        assert title in html
    assert "2</span> not confirmed" in html
    assert "1</span> locked now" in html
    assert "0</span> waiting for review" in html
    assert 'href="/helpdesk/"' in html  # the header link


def test_home_shows_only_the_queues_the_person_may_work():
    browser = holder_of("unlock_user")
    html = page(browser, "helpdesk:home")
    assert "Sign-in unlocks" in html
    for title in ("Manual proofing", "Activation requests", "Transfers"):
        assert title not in html


def test_home_caps_its_counts(monkeypatch):
    monkeypatch.setattr(helpdesk, "COUNT_CAP", 2)
    for n in range(3):
        unconfirmed(f"waiting{n:02d}")
    desk, _ = agent()
    assert "2+</span> not confirmed" in page(desk, "helpdesk:home")
    assert helpdesk.count_display(1500) == "2+"


def test_count_display_says_1000_plus_past_the_cap():
    assert helpdesk.count_display(999) == "999"
    assert helpdesk.count_display(1000) == "1,000"
    assert helpdesk.count_display(1001) == "1,000+"


def test_home_refuses_people_without_a_queue_and_hides_the_link(client):
    person = UserFactory(username="learner01")
    sign_in_verified(client, person)
    assert client.get(reverse("helpdesk:home")).status_code == 403
    assert 'href="/helpdesk/"' not in page(client, "harp:profile")
    anonymous = Client().get(reverse("helpdesk:home"))
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")


def test_a_superuser_opens_the_home_with_every_queue():
    admin, _ = agent("admin0001", superuser=True)
    html = page(admin, "helpdesk:home")
    assert "Activation requests" in html and "Manual proofing" in html


# -- Manual activation


def test_help_desk_finds_an_unconfirmed_account_by_email_without_case():
    person = unconfirmed("pending01", email="Pending.Person@example.org")
    unconfirmed("pending02")
    desk, _ = agent()
    html = page(desk, "helpdesk:activation", q="PENDING.PERSON@EXAMPLE.ORG")
    assert "pending01" in html and "pending02" not in html
    assert reverse("helpdesk:activation-confirm", args=[person.pk]) in html
    assert "pending01" in page(desk, "helpdesk:activation", q="PENDING01")


def test_search_finds_no_confirmed_account_and_says_so():
    UserFactory(username="confirmed1")
    desk, _ = agent()
    html = page(desk, "helpdesk:activation", q="confirmed1")
    assert "No unconfirmed account has that user ID or email address" in html


def test_an_empty_search_asks_for_a_user_id():
    desk, _ = agent()
    html = page(desk, "helpdesk:activation", q="  ")
    assert "usa-error-message" in html


def test_activation_confirms_the_address_audits_and_emails():
    person = unconfirmed("pending01")
    password, groups = person.password, list(person.groups.all())
    desk, actor = agent()
    response = desk.post(
        reverse("helpdesk:activation-confirm", args=[person.pk]),
        {"reason": REASON},
        follow=True,
    )
    assert "pending01 is activated" in response.content.decode()
    address = EmailAddress.objects.get(user=person)
    assert address.verified and address.primary
    person.refresh_from_db()
    assert person.is_active and person.password == password
    assert list(person.groups.all()) == groups and not person.is_staff
    event = AuditEvent.objects.get(action=AuditAction.USER_ACTIVATED)
    assert event.actor == actor and event.target_id == str(person.pk)
    assert event.details["reason"] == REASON
    mail = OutboxMessage.objects.get(to=[person.email])
    assert "activated" in mail.subject
    assert "You can sign in now" in mail.body and "/login/" in mail.body
    assert "&amp;" not in mail.body and "&#" not in mail.body


def test_activating_an_already_confirmed_account_changes_nothing():
    person = UserFactory(username="confirmed1")
    desk, _ = agent()
    html = page(desk, "helpdesk:activation-confirm", person.pk)
    assert "already confirmed" in html and "<textarea" not in html
    response = desk.post(
        reverse("helpdesk:activation-confirm", args=[person.pk]),
        {"reason": REASON},
        follow=True,
    )
    assert "already confirmed" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.USER_ACTIVATED).exists()
    assert not OutboxMessage.objects.filter(to=[person.email]).exists()


def test_a_second_activation_is_refused_like_a_race_loser():
    person = unconfirmed("pending01")
    _, actor = agent()
    user_activate(user=person, actor=actor, reason=REASON, request=None)
    with pytest.raises(HelpDeskError, match="already confirmed"):
        user_activate(user=person, actor=actor, reason=REASON, request=None)
    assert AuditEvent.objects.filter(action=AuditAction.USER_ACTIVATED).count() == 1


def test_activation_needs_a_reason():
    person = unconfirmed("pending01")
    desk, _ = agent()
    response = desk.post(
        reverse("helpdesk:activation-confirm", args=[person.pk]), {"reason": "   "}
    )
    assert response.status_code == 200
    assert "Give the reason." in response.content.decode()
    assert not EmailAddress.objects.get(user=person).verified
    with pytest.raises(HelpDeskError, match="reason"):
        user_activate(user=person, actor=person, reason="", request=None)


def test_activation_of_an_unknown_account_is_404():
    desk, _ = agent()
    assert (
        desk.get(reverse("helpdesk:activation-confirm", args=[99999])).status_code
        == 404
    )
    response = desk.post(
        reverse("helpdesk:activation-confirm", args=[99999]), {"reason": REASON}
    )
    assert response.status_code == 404


def test_activation_needs_the_activate_permission():
    person = unconfirmed("pending01")
    browser = holder_of("unlock_user", "view_user")
    assert browser.get(reverse("helpdesk:activation")).status_code == 403
    url = reverse("helpdesk:activation-confirm", args=[person.pk])
    assert browser.get(url).status_code == 403
    assert browser.post(url, {"reason": REASON}).status_code == 403
    assert not EmailAddress.objects.get(user=person).verified
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")


def test_only_a_superuser_activates_a_superuser():
    boss = unconfirmed("bossuser1", is_superuser=True, is_staff=True)
    desk, _ = agent()
    assert "Only a superuser" in page(desk, "helpdesk:activation-confirm", boss.pk)
    desk.post(
        reverse("helpdesk:activation-confirm", args=[boss.pk]), {"reason": REASON}
    )
    assert not EmailAddress.objects.get(user=boss).verified
    admin, _ = agent("admin0001", superuser=True)
    admin.post(
        reverse("helpdesk:activation-confirm", args=[boss.pk]), {"reason": REASON}
    )
    assert EmailAddress.objects.get(user=boss).verified


def test_activation_list_is_newest_first_and_pages_by_keyset(monkeypatch):
    monkeypatch.setattr(helpdesk, "ACTIVATION_PAGE_SIZE", 2)
    for n in range(3):
        unconfirmed(f"pending{n:02d}")
    UserFactory(username="confirmed1")
    desk, _ = agent()
    html = page(desk, "helpdesk:activation")
    assert html.index("pending02") < html.index("pending01")
    assert "pending00" not in html and "confirmed1" not in html
    older = EmailAddress.objects.get(user__username="pending01").pk
    assert f"?before={older}" in html
    second = page(desk, "helpdesk:activation", before=str(older))
    assert "pending00" in second and "pending01" not in second
    assert "Older" not in second
    assert "pending02" in page(desk, "helpdesk:activation", before="junk")


def test_activation_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    desk, _ = agent()
    url = reverse("helpdesk:activation")
    unconfirmed("pending00")
    desk.get(url)
    small = queries_of(desk, url)
    for n in range(1, 30):
        unconfirmed(f"pending{n:02d}")
    assert queries_of(desk, url) == small
    with django_assert_max_num_queries(12):
        desk.get(url)


# -- Sign-in unlocks


def test_unlock_list_shows_locked_accounts_only():
    locked("locked001")
    UserFactory(username="freeuser1")
    desk, _ = agent()
    html = page(desk, "helpdesk:unlocks")
    assert "locked001" in html and "freeuser1" not in html


def test_help_desk_unlocks_an_account_and_it_is_audited():
    person = locked("locked001")
    desk, actor = agent()
    response = desk.post(reverse("helpdesk:unlock", args=[person.pk]), follow=True)
    assert "locked001 can sign in again" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_locked
    event = AuditEvent.objects.get(action=AuditAction.UNLOCK)
    assert event.actor == actor and event.target_id == str(person.pk)
    assert "locked001" not in page(desk, "helpdesk:unlocks")


def test_unlocking_an_unlocked_account_says_so():
    person = UserFactory(username="freeuser1")
    desk, _ = agent()
    response = desk.post(reverse("helpdesk:unlock", args=[person.pk]), follow=True)
    assert "not locked: there is nothing to unlock" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCK).exists()


def test_only_a_superuser_unlocks_a_superuser():
    boss = locked("bossuser1", is_superuser=True, is_staff=True)
    desk, _ = agent()
    assert "Only a superuser unlocks this account" in page(desk, "helpdesk:unlocks")
    response = desk.post(reverse("helpdesk:unlock", args=[boss.pk]), follow=True)
    assert "Only a superuser unlocks" in response.content.decode()
    boss.refresh_from_db()
    assert boss.is_locked
    admin, _ = agent("admin0001", superuser=True)
    admin.post(reverse("helpdesk:unlock", args=[boss.pk]))
    boss.refresh_from_db()
    assert not boss.is_locked


def test_unlock_is_post_only_and_needs_the_permission():
    person = locked("locked001")
    desk, _ = agent()
    assert desk.get(reverse("helpdesk:unlock", args=[person.pk])).status_code == 405
    assert desk.post(reverse("helpdesk:unlock", args=[99999])).status_code == 404
    browser = holder_of("activate_user")
    assert browser.get(reverse("helpdesk:unlocks")).status_code == 403
    assert browser.post(reverse("helpdesk:unlock", args=[person.pk])).status_code == 403
    person.refresh_from_db()
    assert person.is_locked


def test_unlock_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    desk, _ = agent()
    url = reverse("helpdesk:unlocks")
    locked("locked000")
    desk.get(url)
    small = queries_of(desk, url)
    for n in range(1, 12):
        locked(f"locked{n:03d}")
    assert queries_of(desk, url) == small
    with django_assert_max_num_queries(12):
        desk.get(url)
