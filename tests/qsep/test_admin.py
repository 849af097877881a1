import pytest
from django.urls import reverse

from qsep.models import Choice, Course, Question
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in_verified(
        client, UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    return client


def test_the_course_form_has_modules_questions_and_evaluation_inline(admin_client):
    page = admin_client.get(reverse("admin:qsep_course_add")).content.decode()
    for prefix in (
        "modules-TOTAL_FORMS",
        "questions-TOTAL_FORMS",
        "evaluation_questions-TOTAL_FORMS",
    ):
        assert prefix in page


def test_an_admin_writes_a_course_and_a_question_with_its_choices(admin_client):
    empty = {
        f"{prefix}-{key}": value
        for prefix in ("modules", "questions", "evaluation_questions")
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
    response = admin_client.post(
        reverse("admin:qsep_course_add"),
        {
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
            "modules-0-position": "1",
            "modules-0-title": "Only module",
            "modules-0-body": "<p>Read me.</p>",
            **{k: v for k, v in empty.items() if not k.startswith("modules-TOTAL")},
        },
    )
    assert response.status_code == 302, response.context["errors"]
    course = Course.objects.get(slug="new-course")
    assert course.modules.get().title == "Only module"

    response = admin_client.post(
        reverse("admin:qsep_question_add"),
        {
            "course": course.pk,
            "test": "post",
            "position": "1",
            "text": "Is this course new?",
            "choices-TOTAL_FORMS": "2",
            "choices-INITIAL_FORMS": "0",
            "choices-0-text": "Yes",
            "choices-0-is_correct": "on",
            "choices-1-text": "No",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(course=course)
    assert list(
        Choice.objects.filter(question=question).values_list("text", "is_correct")
    ) == [
        ("Yes", True),
        ("No", False),
    ]
    assert "New course" in admin_client.get(reverse("qsep:catalog")).content.decode()
