"""What every page reads from the cache: permissions, the status banner, and the
Redis client that reads them. Each is exact the moment it changes, and the
cache being down costs queries, never a wrong answer or an error."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from harp.models import SystemComponent, User
from harp.redis_cache import SharedClientRedisCache
from tests.harp.factories import SystemComponentFactory, UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

REVIEW = "qsep.review_certification"


def fresh(user: User) -> User:
    """The user as the next request loads them: no per-object permission cache."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def reviewers() -> Group:
    group = Group.objects.create(name="Reviewers for the cache test")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="qsep", codename="review_certification"
        )
    )
    return group


def test_permissions_are_read_once_then_from_the_cache(
    reviewers, django_assert_num_queries
):
    user = UserFactory()
    user.groups.add(reviewers)
    assert fresh(user).has_perm(REVIEW)
    loaded = fresh(user)
    with django_assert_num_queries(0):
        assert loaded.has_perm(REVIEW)
        assert not loaded.has_perm("harp.change_user")


def test_leaving_a_group_takes_effect_at_once(reviewers):
    user = UserFactory()
    user.groups.add(reviewers)
    assert fresh(user).has_perm(REVIEW)
    user.groups.remove(reviewers)
    assert not fresh(user).has_perm(REVIEW)
    reviewers.user_set.add(user)  # from the group's side
    assert fresh(user).has_perm(REVIEW)
    reviewers.user_set.clear()
    assert not fresh(user).has_perm(REVIEW)


def test_a_group_losing_a_permission_takes_effect_for_its_members(reviewers):
    user = UserFactory()
    user.groups.add(reviewers)
    assert fresh(user).has_perm(REVIEW)
    reviewers.permissions.clear()
    assert not fresh(user).has_perm(REVIEW)


def test_a_permission_given_to_the_person_takes_effect_at_once():
    user = UserFactory()
    assert not fresh(user).has_perm(REVIEW)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="qsep", codename="review_certification"
        )
    )
    assert fresh(user).has_perm(REVIEW)


def test_a_superuser_demoted_loses_every_permission():
    user = UserFactory(is_superuser=True)
    assert fresh(user).get_all_permissions()
    user.is_superuser = False
    user.save()
    assert not fresh(user).get_all_permissions()
    assert not fresh(user).has_perm(REVIEW)


def test_an_inactive_person_has_no_permission_whatever_the_cache_holds(reviewers):
    user = UserFactory()
    user.groups.add(reviewers)
    assert fresh(user).has_perm(REVIEW)
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal
    assert not fresh(user).has_perm(REVIEW)


def test_with_the_cache_down_permissions_come_from_the_database(reviewers):
    user = UserFactory()
    user.groups.add(reviewers)
    with (
        mock.patch.object(cache, "get_many", side_effect=ConnectionError("down")),
        mock.patch.object(cache, "set", side_effect=ConnectionError("down")),
        mock.patch.object(cache, "add", side_effect=ConnectionError("down")),
    ):
        assert fresh(user).has_perm(REVIEW)
        assert not fresh(user).has_perm("harp.change_user")


def test_the_header_follows_a_permission_taken_away(client, reviewers):
    user = UserFactory()
    user.groups.add(reviewers)
    sign_in_verified(client, user)
    reports = reverse("qsep:reports")
    assert f'href="{reports}"' in client.get(reverse("harp:profile")).content.decode()
    user.groups.remove(reviewers)
    page = client.get(reverse("harp:profile")).content.decode()
    assert f'href="{reports}"' not in page


def test_the_status_banner_is_cached_and_follows_each_change(
    client, django_assert_num_queries
):
    SystemComponent.objects.all().delete()
    component = SystemComponentFactory(name="QSEP", state="operational")
    home = reverse("harp:home")
    assert b"usa-site-alert" not in client.get(home).content
    with django_assert_num_queries(0):
        assert b"usa-site-alert" not in client.get(home).content
    component.state = SystemComponent.State.SYSTEM_OUTAGE
    component.message = "Back by noon."
    component.save()
    assert b"Back by noon." in client.get(home).content
    component.delete()
    assert b"usa-site-alert" not in client.get(home).content


def test_with_the_cache_down_the_banner_is_read_from_the_database(client):
    SystemComponentFactory(name="QSEP", state="system_outage", message="Down.")
    with mock.patch.object(cache, "get_many", side_effect=ConnectionError("down")):
        response = client.get(reverse("harp:home"))
    assert response.status_code == 200
    assert b"Down." in response.content


def test_the_redis_cache_keeps_one_client_per_server():
    backend = SharedClientRedisCache("redis://127.0.0.1:6379/9", {})
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b") is client
    assert backend._cache.get_client("c", write=True) is client
    replicas = SharedClientRedisCache(
        "redis://127.0.0.1:6379/9,redis://127.0.0.1:6379/10", {}
    )
    writer = replicas._cache.get_client("a", write=True)
    reader = replicas._cache.get_client("a")
    assert writer is not reader
    assert replicas._cache.get_client("b", write=True) is writer
    assert reader.connection_pool.connection_kwargs["db"] == 10
    assert writer.connection_pool.connection_kwargs["db"] == 9


def test_home_and_status_are_cached_for_visitors_not_for_people_signed_in(
    client, django_assert_num_queries
):
    home, status = reverse("harp:home"), reverse("harp:status")
    for url in (home, status):
        assert client.get(url).status_code == 200
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200
    user = UserFactory()
    sign_in_verified(client, user)
    for url in (home, status):
        page = client.get(url).content.decode()
        assert "Sign out" in page, url
        assert user.username in page, url


def test_the_sign_in_page_is_kept_whole_with_each_visitor_s_own_token(
    django_assert_num_queries,
):
    login = reverse("account_login")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(login)
    with django_assert_num_queries(0):
        page = second.get(f"{login}?next=/training/my/%22%3E")
    html = page.content.decode()
    token = second.cookies[settings.CSRF_COOKIE_NAME].value
    assert 'name="csrfmiddlewaretoken"' in html
    assert "harpsignincsrftokenstandin" not in html
    assert 'value="/training/my/&quot;&gt;"' in html
    assert "no-cache" in page["Cache-Control"]
    # The token on the page is this visitor's: a sign-in with it passes CSRF.
    served = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert token
    response = second.post(
        login, {"login": "nobody", "password": "wrong", "csrfmiddlewaretoken": served}
    )
    assert response.status_code == 200  # the form's error, not a CSRF 403
    SystemComponentFactory(name="HARP", state="system_outage", message="Down now.")
    assert b"Down now." in Client().get(login).content
