"""Every admin screen opens for an administrator: lists, search, filters, add forms."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.harp.factories import UserFactory, sign_in_verified

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_list_and_search_open(client, app, model):
    sign_in_verified(
        client, UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    url = reverse(f"admin:{app}_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "x"}).status_code == 200
    add = client.get(reverse(f"admin:{app}_{model}_add"))
    assert add.status_code in (200, 403)


def test_admin_lists_and_change_pages_show_demo_data(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    sign_in_verified(
        client, UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    for model, model_admin in admin.site._registry.items():
        app, name = model._meta.app_label, model._meta.model_name
        listing = client.get(reverse(f"admin:{app}_{name}_changelist"))
        assert listing.status_code == 200, (app, name)
        first = model_admin.get_queryset(listing.wsgi_request).first()
        if first is not None:
            change = client.get(reverse(f"admin:{app}_{name}_change", args=[first.pk]))
            assert change.status_code == 200, (app, name)
