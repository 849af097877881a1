"""From the public catalog to a verified certificate, as a provider learner."""

from __future__ import annotations

import io
import re

from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from qsep.demo import COURSES, _load_course
from qsep.models import Choice, Enrollment
from tests.browser.conftest import assert_accessible
from tests.iqies_roles.factories import provider

PASSWORD = "quiet harbor lantern moss"


def click_label_of(page, locator) -> None:
    page.locator(f'label[for="{locator.get_attribute("id")}"]').click()


def answer_test(page, test: str, right: bool) -> None:
    enrollment = Enrollment.objects.get()
    attempt = enrollment.attempts.filter(test=test).order_by("-number").first()
    for question_id in attempt.question_ids:
        choice = Choice.objects.filter(
            question_id=question_id, is_correct=right
        ).first()
        click_label_of(page, page.locator(f'input[name="choice"][value="{choice.pk}"]'))
        assert_accessible(page)
        page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("review and submit")
    page.get_by_role("button", name=re.compile("Submit the")).click()


def test_a_provider_learner_goes_from_the_catalog_to_a_verified_certificate(page):
    provider("215001", name="Harbor View Nursing and Rehabilitation", zip_code="21201")
    course = _load_course(
        next(c for c in COURSES if c["slug"] == "infection-prevention-long-term-care")
    )

    # Sign up as a provider learner, finding the facility by CCN.
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Create a learner account").click()
    assert_accessible(page)
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email address", exact=True).fill("grace@example.org")
    page.get_by_label("Email address again").fill("grace@example.org")
    page.get_by_label("User ID").fill("ghopper01")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.locator("label", has_text="By my facility's CCN").click()
    page.get_by_role("textbox", name="CCN").fill("215001")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/register/done/")

    message = [m for m in mail.outbox if "grace@example.org" in m.to][-1]
    page.goto(
        re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    )
    page.get_by_role("button", name="Confirm").click()
    page.goto("/login/")
    page.get_by_label("User ID").fill("ghopper01")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profile/")

    # Find the course in the catalog and add it.
    page.get_by_role("link", name="Training", exact=True).click()
    page.get_by_label("Search courses").fill("Long Term Care")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("link", name=course.title).click()
    assert_accessible(page)
    page.get_by_role("button", name="Add to My Training").click()
    page.wait_for_url("**/training/my/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Launch")).click()
    assert_accessible(page)

    # The post-test is locked until the modules are read.
    expect(page.get_by_text("Finish every module first.")).to_be_visible()
    page.get_by_role("link", name="Open").first.click()
    for _ in course.modules.all():
        # Each finished module leads to the next, and the last back to the menu.
        assert_accessible(page)
        page.get_by_role("button", name="I have finished this module").click()
    page.wait_for_url(f"**/training/my/{course.slug}/")
    page.get_by_role("link", name=re.compile("post-test")).click()
    answer_test(page, "post", right=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("100%")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the course").click()

    page.get_by_role("link", name="Answer the evaluation").click()
    assert_accessible(page)
    for rating in page.locator('input[type="radio"][value="5"]').all():
        click_label_of(page, rating)
    page.get_by_label("What would you change about this course?").fill("Nothing.")
    page.get_by_role("button", name="Submit the evaluation").click()
    expect(
        page.get_by_text("Course complete. Your certificate is ready.")
    ).to_be_visible()
    expect(page.get_by_text("Completed on")).to_be_visible()

    page.get_by_role("link", name="View your certificate").click()
    assert_accessible(page)
    code = page.locator(".portal-certificate strong").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Grace Hopper" in text and course.title in text

    page.goto(f"/verify/{code}/")
    expect(page.get_by_text("Valid")).to_be_visible()
    expect(page.get_by_text(f"Grace Hopper completed {course.title}")).to_be_visible()
    assert_accessible(page)
