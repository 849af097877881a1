from __future__ import annotations

from html import escape

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from harp.models import SystemComponent
from tests.harp.factories import SystemComponentFactory, UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

State = SystemComponent.State


@pytest.mark.parametrize(
    ("state", "label"),
    [
        (State.ISSUES_REPORTED, "Issues reported"),
        (State.PLANNED_OUTAGE, "Planned outage"),
        (State.SYSTEM_OUTAGE, "System outage"),
    ],
)
def test_banner_on_every_page_when_a_component_is_not_operational(client, state, label):
    SystemComponentFactory(name="QSEP", state=state, message="Back by 6 PM Eastern.")

    for url in (reverse("harp:home"), reverse("harp:status"), "/no-such-page/"):
        response = client.get(url)
        banner = response.content.decode()
        assert 'class="usa-site-alert' in banner, url
        assert f"<strong>QSEP: {label}.</strong>" in banner, url
        assert "Back by 6 PM Eastern." in banner, url


def test_system_outage_banner_is_an_emergency_and_comes_first(client):
    SystemComponentFactory(name="HARP", state=State.PLANNED_OUTAGE, position=1)
    SystemComponentFactory(name="iQIES", state=State.SYSTEM_OUTAGE, position=2)

    page = client.get(reverse("harp:home")).content.decode()
    assert page.index("iQIES: System outage") < page.index("HARP: Planned outage")
    assert "usa-site-alert--emergency" in page


def test_no_banner_when_everything_is_operational(client):
    SystemComponent.objects.update(state=State.OPERATIONAL)
    SystemComponentFactory(name="HARP", state=State.OPERATIONAL, message="All fine")

    response = client.get(reverse("harp:home"))
    assert b"usa-site-alert" not in response.content


@pytest.mark.parametrize("state", list(State))
def test_status_page_lists_each_component_with_its_state(client, state):
    SystemComponent.objects.all().delete()
    SystemComponentFactory(name="MFT", state=state, message="Details here")
    SystemComponentFactory(name="HARP", state=State.OPERATIONAL, position=0)

    page = client.get(reverse("harp:status")).content.decode()
    assert f'portal-state--{state.value}">{state.label}</span>' in page
    assert "Details here" in page
    if state == State.OPERATIONAL:
        assert "All systems are operational." in page
    else:
        assert "Some parts of the hub are affected." in page
    assert page.index(">HARP<") < page.index(">MFT<")


def test_status_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    SystemComponentFactory.create_batch(3, state=State.ISSUES_REPORTED)
    with django_assert_num_queries(2):
        client.get(reverse("harp:status"))
    SystemComponentFactory.create_batch(30, state=State.SYSTEM_OUTAGE)
    with django_assert_num_queries(2):
        client.get(reverse("harp:status"))


def test_status_page_is_public_and_seeded_with_the_hub_components(client):
    page = client.get(reverse("harp:status")).content.decode()
    for name in ("HARP", "QSEP", "iQIES", "MFT"):
        assert f">{name}<" in page


def test_navigation_changes_with_sign_in_state(client):
    signed_out = client.get(reverse("harp:home")).content.decode()
    assert ">Sign in<" in signed_out
    assert "Sign out" not in signed_out

    sign_in_verified(client, UserFactory(username="navtester"))
    signed_in = client.get(reverse("harp:home")).content.decode()
    assert "Sign out" in signed_in
    assert ">Sign in<" not in signed_in
    assert "navtester" in signed_in
    assert "Administration" not in signed_in


def test_base_page_has_skip_link_landmarks_and_help_desk(client, settings):
    page = client.get(reverse("harp:home")).content.decode()
    assert '<a class="usa-skipnav" href="#main-content">' in page
    assert '<main id="main-content"' in page
    assert '<html lang="en">' in page
    assert settings.HELP_DESK_EMAIL in page
    assert escape(settings.PORTAL_NAME) in page


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/definitely/not/here/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_healthz_answers_200_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_any_host_for_load_balancers(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"
    assert response.json()["status"] == "unavailable"


def test_healthz_answers_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] != "ok"
    assert response.json()["database"] == "ok"


def test_admin_edits_a_component_state(client):
    admin = UserFactory(username="statusadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, admin)
    component = SystemComponent.objects.get(name="HARP")
    response = client.post(
        reverse("admin:harp_systemcomponent_change", args=[component.pk]),
        {
            "name": "HARP",
            "position": component.position,
            "state": State.PLANNED_OUTAGE,
            "message": "Saturday 2 to 4 AM Eastern.",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("harp:home")).content.decode()
    assert "HARP: Planned outage." in page
    assert "Saturday 2 to 4 AM Eastern." in page
