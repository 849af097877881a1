"""Public pages cached for anonymous visitors (qsep.page_cache).

The catalog, a course page and a certificate's verification page are the same for
everyone who is not signed in: served from the cache they run no query at all.
Whatever they show changing forgets them; a signed-in person, or anyone with a
message waiting, never gets (or leaves) a cached page; a page with a CSRF token is
never stored.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from harp import page_cache
from harp.models import SystemComponent
from qsep import services
from qsep.models import (
    Category,
    Enrollment,
    Module,
    PlanCourse,
    Question,
    TrainingPlan,
)
from tests.harp.factories import UserFactory
from tests.qsep.test_training import completed, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(
        username="learner01",
        kind="learner",
        two_factor_required=False,
        first_name="Lee",
        last_name="Learner",
    )


def cached(url, django_assert_num_queries, **params) -> str:
    """The page, asked twice: the second time from the cache, with no query."""
    visitor = Client()
    first = visitor.get(url, params)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = visitor.get(url, params)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    return second.content.decode()


def test_the_catalog_is_served_from_the_cache_to_anonymous_visitors(
    django_assert_num_queries,
):
    make_course("fire-safety", title="Fire Safety")
    page = cached(reverse("qsep:catalog"), django_assert_num_queries)
    assert "Fire Safety" in page and "1 course" in page
    searched = cached(
        reverse("qsep:catalog"), django_assert_num_queries, q="fire", page="1"
    )
    assert "Fire Safety" in searched
    nothing = cached(reverse("qsep:catalog"), django_assert_num_queries, q="zebra")
    assert "No courses match" in nothing


def test_addresses_with_other_parameters_are_not_cached(django_assert_num_queries):
    make_course("fire-safety", title="Fire Safety")
    visitor = Client()
    for _ in range(2):
        page = visitor.get(reverse("qsep:catalog"), {"utm_source": "mail"})
        assert "Fire Safety" in page.content.decode()
    assert not [key for key in _keys() if "public-page:" in key]


def test_a_course_page_is_cached_and_carries_no_csrf_token(
    django_assert_num_queries,
):
    course = make_course("fire-safety", title="Fire Safety")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(reverse("qsep:course", args=[course.slug]))
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies
    page = cached(reverse("qsep:course", args=[course.slug]), django_assert_num_queries)
    login = reverse("account_login")
    assert f'href="{login}?next=/training/courses/fire-safety/"' in page
    assert "Add to My Training" in page


@pytest.mark.parametrize(
    "change",
    [
        "course title",
        "course unpublished",
        "new course",
        "category added",
        "module added",
        "pre-test added",
        "training plan",
        "system status",
    ],
)
def test_every_change_to_what_the_pages_show_forgets_them(change):
    course = make_course("fire-safety", title="Fire Safety", pre=0)
    visitor = Client()
    catalog = reverse("qsep:catalog")
    detail = reverse("qsep:course", args=[course.slug])
    before = (visitor.get(catalog).content, visitor.get(detail).content)
    if change == "course title":
        course.title = "Fire and Life Safety"
        course.save()
    elif change == "course unpublished":
        course.is_published = False
        course.save()
    elif change == "new course":
        make_course("water-safety", title="Water Safety")
    elif change == "category added":
        course.categories.add(Category.objects.create(name="Life safety"))
    elif change == "module added":
        Module.objects.create(course=course, position=3, title="Exits", body="x")
    elif change == "pre-test added":
        Question.objects.create(course=course, test="pre", position=1, text="Q?")
    elif change == "training plan":
        TrainingPlan.objects.create(slug="safety", title="Safety plan")
    elif change == "system status":
        component = SystemComponent.objects.order_by("pk").first()
        component.state = "system_outage"
        component.message = "Down for repairs."
        component.save()
    after = (visitor.get(catalog).content, visitor.get(detail).content)
    assert after[0] != before[0] or after[1] != before[1]
    if change == "system status":
        assert b"Down for repairs." in after[0] and b"Down for repairs." in after[1]


def test_the_key_changes_with_each_change():
    course = make_course("fire-safety")
    first = page_cache._generation()
    assert page_cache._generation() == first
    course.save()
    second = page_cache._generation()
    assert second != first
    PlanCourse.objects.create(
        plan=TrainingPlan.objects.create(slug="p", title="P"), course=course
    )
    assert page_cache._generation() != second


def test_a_signed_in_person_never_gets_the_anonymous_page(client, learner):
    course = make_course("fire-safety")
    Client().get(reverse("qsep:catalog"))
    Client().get(reverse("qsep:course", args=[course.slug]))
    client.force_login(learner)
    catalog = client.get(reverse("qsep:catalog")).content.decode()
    assert "My Training</a> to track progress" in catalog
    assert "Sign out" in catalog
    detail = client.get(reverse("qsep:course", args=[course.slug])).content.decode()
    assert "csrfmiddlewaretoken" in detail
    services.enrollment_create(learner=learner, course=course)
    detail = client.get(reverse("qsep:course", args=[course.slug])).content.decode()
    assert "Launch" in detail
    # And what they saw is not kept for the next anonymous visitor.
    anonymous = Client().get(reverse("qsep:catalog")).content.decode()
    assert "Sign out" not in anonymous and "Sign in" in anonymous


def test_a_visitor_with_a_message_waiting_gets_the_page_made_for_them():
    make_course("fire-safety")
    Client().get(reverse("qsep:catalog"))  # cached
    visitor = Client()
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, "You have signed out.")
    response = HttpResponse()
    storage.update(response)
    visitor.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    page = visitor.get(reverse("qsep:catalog")).content.decode()
    assert "You have signed out." in page
    # The message is shown once and never stored for someone else.
    assert (
        "You have signed out."
        not in Client().get(reverse("qsep:catalog")).content.decode()
    )


def test_a_page_that_used_a_csrf_token_is_not_stored(rf):
    calls = []

    def view(request):
        from django.middleware.csrf import get_token

        calls.append(1)
        get_token(request)
        return HttpResponse("form")

    wrapped = page_cache.anonymous_page()(view)
    for _ in range(2):
        request = rf.get("/form/")
        request.session = _NoSession()
        wrapped(request)
    assert len(calls) == 2


def test_a_verification_page_is_cached_until_its_certificate_changes(
    learner, django_assert_num_queries
):
    certificate = completed(learner)
    second = make_course("second-course", pre=0, post=1)
    url = reverse("verify", args=[certificate.code])
    page = cached(url, django_assert_num_queries)
    assert "Valid" in page
    services.certificate_revoke(
        certificate=certificate, actor=learner, reason="Issued in error", request=None
    )
    page = Client().get(url).content.decode()
    assert "Revoked" in page and "no longer valid" in page
    # Another certificate's issue leaves this page cached.
    other = services.enrollment_create(learner=learner, course=second)
    cached(url, django_assert_num_queries)
    Enrollment.objects.filter(pk=other.pk).update(completed_at=timezone.now())
    other.refresh_from_db()
    services.certificate_issue(enrollment=other)
    with django_assert_num_queries(0):
        Client().get(url)


def test_an_unknown_code_is_not_cached():
    url = reverse("verify", args=["NOSUCHCODE12"])
    assert Client().get(url).status_code == 404
    assert not [key for key in _keys() if "public-page:" in key]


def test_with_the_cache_down_the_pages_still_render(monkeypatch):
    make_course("fire-safety", title="Fire Safety")

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "add", down)
    response = Client().get(reverse("qsep:catalog"))
    assert response.status_code == 200
    assert "Fire Safety" in response.content.decode()
    make_course("water-safety")  # invalidation with the cache down: no error


class _NoSession(dict):
    modified = False


def _keys() -> list[str]:
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # local memory
        return [str(key) for key in store]
    return [key.decode() for key in cache._cache.get_client().keys("*")]
