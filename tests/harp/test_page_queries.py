"""Home, sign-in and My Profile: fixed queries whatever the data, and the sign-in
page served from its form rendered once is the page allauth would render."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.forms import SignInForm
from harp.models import AuditEvent
from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

# The status banner's components (read from the cache once it is set).
HOME_QUERIES = 1
SIGN_IN_QUERIES = 1


def test_home_and_sign_in_run_fixed_queries(client, django_assert_max_num_queries):
    for url, queries in (
        (reverse("harp:home"), HOME_QUERIES),
        (reverse("account_login"), SIGN_IN_QUERIES),
        (reverse("account_login") + "?next=/profile/", SIGN_IN_QUERIES),
    ):
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200


def test_the_sign_in_page_is_the_page_allauth_renders(client):
    """The content rendered once per worker, with this visitor's token and `next`
    put in, is exactly what rendering the form for the request gives."""
    served = client.get(reverse("account_login"), {"next": "/profile/?a=1&b=2"})
    request = RequestFactory().get("/login/", {"next": "/profile/?a=1&b=2"})
    request.session = SessionStore()
    request.user = served.wsgi_request.user
    request._messages = FallbackStorage(request)
    rendered = render_to_string(
        "account/login.html",
        {
            "form": SignInForm(request=request),
            "redirect_field": mark_safe(
                '<input type="hidden" name="next" value="/profile/?a=1&amp;b=2">'
            ),
        },
        request=request,
    )
    assert TOKEN.sub("", served.content.decode()) == TOKEN.sub("", rendered)
    assert served["Cache-Control"].startswith("max-age=0")  # never_cache, as before


def test_the_next_field_is_escaped(client):
    page = client.get(
        reverse("account_login"), {"next": '"><script>alert(1)</script>'}
    ).content.decode()
    assert "<script>alert(1)" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_the_served_token_signs_in_and_next_is_followed():
    """With CSRF checks on, as in production: the token put into the page is the
    visitor's own, and the `next` field carries on to the second factor."""
    user = UserFactory(username="tokenuser1")
    TOTPDevice.objects.create(user=user, name="Phone app", confirmed=True)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("account_login"), {"next": "/profile/"})
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()
    )
    assert 'name="next" value="/profile/"' in page.content.decode()
    response = browser.post(
        reverse("account_login"),
        {
            "login": "tokenuser1",
            "password": PASSWORD,
            "next": "/profile/",
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("harp:two-factor-verify"))


def test_a_form_with_errors_is_rendered_in_full_with_its_message(client):
    UserFactory(username="erroruser1")
    response = client.post(
        reverse("account_login"), {"login": "erroruser1", "password": "wrong"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The user ID or password is incorrect" in page
    assert 'value="erroruser1"' in page
    assert AuditEvent.objects.exists()


def test_a_signed_in_visitor_is_still_sent_on_from_sign_in(client):
    sign_in_verified(client, UserFactory(username="already01"))
    assert client.get(reverse("account_login")).status_code == 302


def test_my_profile_runs_fixed_queries_with_more_devices_and_documents(
    client, django_assert_num_queries
):
    """An unproofed user with a manual-proofing case: every section of the page
    is read in the same statements with 1 or 13 second factors and documents."""
    from proofing.models import ManualProofingCase, ProofingDocument

    user = UserFactory(username="profile001")
    sign_in_verified(client, user)
    case = ManualProofingCase.objects.create(user=user)

    def grow(n: int, start: int) -> None:
        for i in range(start, start + n):
            EmailDevice.objects.create(
                user=user, name=f"Email {i}", confirmed=True, email=f"e{i}@example.org"
            )
            ProofingDocument.objects.create(
                case=case,
                kind=ProofingDocument.Kind.FINANCIAL,
                file=f"proofing/{case.pk}-{i}.pdf",
                original_name="bank.pdf",
                content_type="application/pdf",
                size=100,
            )

    grow(1, 0)
    client.get(reverse("harp:profile"))  # the header's unread count is cached
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("harp:profile")).status_code == 200
    grow(12, 1)
    with django_assert_num_queries(len(small)):
        page = client.get(reverse("harp:profile")).content.decode()
    assert all(f"Email {i}" in page for i in range(13))
