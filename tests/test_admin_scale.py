"""Every admin list costs the same at any size (issue 12: a million learners).

For every registered model, its changelist, its search and each of its list
filters run the same number of queries with 3 rows of every kind as with 30, and
answer 200. Counts of big tables stop at `COUNT_CAP` rows and say so ("1,000+").
A change page never offers a drop-down of every user or organization.

The rows are made directly, not through the services: what is measured is the
admin's reading of many rows, and the services' own tests cover how rows come to
be. Files are real files in private storage, as uploads leave them.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.admin.scale import (
    COUNT_CAP,
    BigTableAdmin,
    CappedCount,
    CappedCountPaginator,
)
from harp.models import (
    AuditEvent,
    BackupCodeDevice,
    DashboardMessage,
    OutboxMessage,
    PhoneDevice,
    SystemComponent,
    User,
)
from iqies_roles.models import Organization, Role, RoleAssignment, RoleRequest
from proofing.models import (
    ManualProofingCase,
    ProofingDocument,
    ProofingRecord,
    RemoteProofingAttempt,
)
from qsep.models import (
    Category,
    Certificate,
    CertificationUpload,
    CoordinatorProxy,
    Course,
    Enrollment,
    LearnerTransfer,
    ProviderType,
    Question,
    TrainingPlan,
)
from tests.harp.factories import UserFactory, sign_in_verified
from tests.security.world import pdf_bytes

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def grow(rows: int) -> None:
    """`rows` more of every kind of row an admin lists, with their files."""
    now = timezone.now()
    agency_md = Organization.objects.get_or_create(
        kind="state_agency", state="MD", defaults={"name": "MD State Survey Agency"}
    )[0]
    agency_va = Organization.objects.get_or_create(
        kind="state_agency", state="VA", defaults={"name": "VA State Survey Agency"}
    )[0]
    role = Role.objects.get(code="assessment-submitter")
    for _ in range(rows):
        n = next(_serial)
        person = UserFactory(username=f"scale{n:05d}", last_name=f"Smith{n}")
        EmailAddress.objects.create(
            user=person, email=f"other{n}@example.com", verified=False
        )
        TOTPDevice.objects.create(user=person, name="App", confirmed=True)
        EmailDevice.objects.create(user=person, name="Email", confirmed=True)
        PhoneDevice.objects.create(
            user=person, name="Phone", number="+12025550100", method="sms"
        )
        BackupCodeDevice.objects.create(user=person, name="Backup codes")
        AuditEvent.objects.create(
            action=f"scale.action{n % 4}",
            actor=person,
            actor_label=person.username,
            target_type="harp.user",
            target_id=str(person.pk),
            target_label=person.username,
            ip_address="192.0.2.1",
        )
        OutboxMessage.objects.create(
            from_email="portal@example.com",
            to=[person.email],
            subject=f"Welcome {n}",
            body="Hello",
        )
        DashboardMessage.objects.create(
            recipient=person, subject=f"Note {n}", body="Read me"
        )
        SystemComponent.objects.create(name=f"System {n}")
        Group.objects.create(name=f"Group {n}")
        ProofingRecord.objects.create(user=person, method="remote", proofed_at=now)
        RemoteProofingAttempt.objects.create(
            user=person,
            ssn_fingerprint=f"{n:064d}",
            identity_key=f"{n:064d}",
            vendor="experian-stub",
            status="passed",
        )
        case = ManualProofingCase.objects.create(
            user=person, status="submitted", submitted_at=now
        )
        ProofingDocument.objects.create(
            case=case,
            kind="photo_id",
            id_type="drivers_license",
            file=ContentFile(pdf_bytes(), name="license.pdf"),
            original_name="license.pdf",
            content_type="application/pdf",
            size=100,
        )
        hospital = Organization.objects.create(
            kind="provider", name=f"Hospital {n}", ccn=f"21{n:04d}", state="MD"
        )
        request = RoleRequest.objects.create(
            requester=person, category="provider", role=role, organization=hospital
        )
        RoleAssignment.objects.create(
            user=person, role=role, organization=hospital, request=request
        )
        Category.objects.create(name=f"Category {n}")
        ProviderType.objects.create(name=f"Provider type {n}")
        course = Course.objects.create(
            slug=f"course-{n}", title=f"Course {n}", description="About"
        )
        Question.objects.create(course=course, test="post", text="Right?")
        TrainingPlan.objects.create(slug=f"plan-{n}", title=f"Plan {n}")
        enrollment = Enrollment.objects.create(
            learner=person, course=course, completed_at=now
        )
        Certificate.objects.create(
            enrollment=enrollment,
            learner_name=person.get_full_name(),
            course_title=course.title,
            ceus=Decimal("1.0"),
        )
        CertificationUpload.objects.create(
            learner=person,
            certification="Fire Inspector certification",
            file=ContentFile(pdf_bytes(), name="fire.pdf"),
            content_type="application/pdf",
        )
        LearnerTransfer.objects.create(
            learner=person,
            from_agency=agency_md,
            to_agency=agency_va,
            reason="Moved",
            transferred_by=person,
        )
        CoordinatorProxy.objects.create(
            coordinator=person,
            state_agency=agency_va,
            starts_on=now.date(),
            ends_on=now.date() + datetime.timedelta(days=30),
            reason="Cover",
            granted_by=person,
        )


def changelist_urls(client: Any, model: type, model_admin: Any) -> list[str]:
    """The list, a search, and the first choice of each list filter."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    urls = [url]
    if model_admin.search_fields or model_admin.get_search_fields(None):
        urls.append(f"{url}?q=smith")
    request = RequestFactory().get(url)
    request.user = client.boss
    changelist = model_admin.get_changelist_instance(request)
    for spec in changelist.filter_specs:
        choices = list(spec.choices(changelist))
        # The first is "All"; the next is a real choice where there is one.
        chosen = choices[1] if len(choices) > 1 else choices[0]
        urls.append(url + chosen["query_string"])
    if model_admin.date_hierarchy:
        urls.append(f"{url}?{model_admin.date_hierarchy}__year={timezone.now().year}")
    return urls


def query_counts(client: Any, urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.get("Location", ""), url
        counts[url] = len(queries)
    return counts


@pytest.fixture
def boss_client(client):
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, boss)
    client.boss = boss
    return client


def test_every_changelist_search_and_filter_runs_the_same_queries_at_3_and_30_rows(
    boss_client,
):
    grow(3)
    urls = {
        model: changelist_urls(boss_client, model, model_admin)
        for model, model_admin in admin.site._registry.items()
    }
    small = {
        model: query_counts(boss_client, model_urls)
        for model, model_urls in urls.items()
    }
    grow(27)
    large = {
        model: query_counts(boss_client, model_urls)
        for model, model_urls in urls.items()
    }
    differ = {
        url: (small[model][url], large[model][url])
        for model in urls
        for url in urls[model]
        if small[model][url] != large[model][url]
    }
    assert differ == {}
    # Every filter and the search were tried, on every registered model.
    assert sum(len(model_urls) for model_urls in urls.values()) > 2 * len(urls)


# Tables that grow with the people the portal serves.
BIG_TABLES = {
    User,
    AuditEvent,
    OutboxMessage,
    EmailAddress,
    TOTPDevice,
    EmailDevice,
    PhoneDevice,
    BackupCodeDevice,
    DashboardMessage,
    ProofingRecord,
    RemoteProofingAttempt,
    ManualProofingCase,
    Organization,
    RoleRequest,
    RoleAssignment,
    Enrollment,
    Certificate,
    CertificationUpload,
    LearnerTransfer,
    CoordinatorProxy,
}


def test_every_big_table_admin_counts_no_further_than_the_cap():
    for model in BIG_TABLES:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, BigTableAdmin), model
        assert model_admin.show_full_result_count is False, model
        assert model_admin.show_facets == admin.ShowFacets.NEVER, model


def test_a_big_list_says_its_count_stopped(boss_client, settings):
    UserFactory.create_batch(20)
    url = reverse("admin:harp_user_changelist")
    model_admin = admin.site._registry[User]
    # Five rows a page and a count that stops ten rows after the page's start.
    model_admin.list_per_page = 5
    paginator_init = CappedCountPaginator.__init__

    def small_cap(self, *args, **kwargs):
        paginator_init(self, *args, **{**kwargs, "cap": 10})

    try:
        CappedCountPaginator.__init__ = small_cap  # type: ignore[method-assign]
        with CaptureQueriesContext(connection) as queries:
            page = boss_client.get(url)
        html = page.content.decode()
        assert "10+ users" in html
        assert "Select all 10+ users" in html
        # Pages 1 and 2 surely exist; "…" says more follow, not how many.
        assert '<a href="?p=2"' in html
        assert '<a href="?p=3"' not in html
        assert "…" in html
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert len(counts) == 1 and "LIMIT 11" in counts[0], counts

        # On page 2 the count reaches ten rows past it: page 3 exists.
        html = boss_client.get(url, {"p": 2}).content.decode()
        assert "15+ users" in html
        assert '<a href="?p=3"' in html
        # The last page the count reached is a full one.
        page3 = boss_client.get(url, {"p": 3})
        assert "20+ users" in page3.content.decode()
        assert len(page3.context["cl"].result_list) == 5
        # Near the end the count is exact again: 21 accounts, the boss's included.
        page5 = boss_client.get(url, {"p": 5})
        html = page5.content.decode()
        assert "21 users" in html and "…" not in html.split('class="paginator"')[1]
        assert len(page5.context["cl"].result_list) == 1
    finally:
        CappedCountPaginator.__init__ = paginator_init  # type: ignore[method-assign]
        model_admin.list_per_page = 100


def test_a_count_under_the_cap_is_exact():
    paginator = CappedCountPaginator(User.objects.order_by("pk"), 100)
    UserFactory.create_batch(3)
    assert paginator.count == 3
    assert not isinstance(paginator.count, CappedCount)
    assert COUNT_CAP >= 1000
    assert str(CappedCount(1000)) == "1,000+"


def test_no_change_page_lists_every_user_or_organization(boss_client):
    grow(2)
    big_targets = {User, Organization}
    for model in admin.site._registry:
        related = [
            field
            for field in model._meta.fields
            if field.is_relation and field.related_model in big_targets
        ]
        if not related:
            continue
        row = model._default_manager.order_by("-pk").first()
        assert row is not None, model
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
            args=[row.pk],
        )
        response = boss_client.get(url)
        assert response.status_code == 200, model
        form = response.context["adminform"].form
        for field in related:
            if field.name not in form.fields:
                continue  # shown read-only, or not at all
            widget = form.fields[field.name].widget
            widget = getattr(widget, "widget", widget)  # the related-object wrapper
            if (
                field.name == "state_agency"
                and form.fields[field.name].queryset.count() <= 60
            ):
                continue  # the State Agencies alone: one a state
            assert isinstance(widget, ForeignKeyRawIdWidget | AutocompleteSelect), (
                model,
                field.name,
            )


def test_the_changelist_class_is_djangos():
    # The capped count lives in the paginator: nothing replaces the changelist.
    model_admin = admin.site._registry[Enrollment]
    assert model_admin.get_changelist(RequestFactory().get("/")) is ChangeList


def test_the_audit_filters_offer_every_action_and_target_type_once(boss_client):
    grow(5)
    page = boss_client.get(reverse("admin:harp_auditevent_changelist"))
    specs = {spec.title: spec for spec in page.context["cl"].filter_specs}
    events = AuditEvent.objects.order_by()
    actions = sorted(set(events.values_list("action", flat=True)))
    assert list(specs["action"].lookup_choices) == actions
    targets = sorted(set(events.values_list("target_type", flat=True)))
    assert list(specs["target type"].lookup_choices) == targets


def test_messages_are_found_by_recipient_user_id_or_audience_exactly(boss_client):
    grow(2)
    person = User.objects.filter(username__startswith="scale").latest("pk")
    broadcast = DashboardMessage.objects.create(
        audience="all", subject="To all", body="Hello"
    )
    url = reverse("admin:harp_dashboardmessage_changelist")

    def found(term: str) -> set[int]:
        return {
            m.pk for m in boss_client.get(url, {"q": term}).context["cl"].result_list
        }

    mine = set(
        DashboardMessage.objects.filter(recipient=person).values_list("pk", flat=True)
    )
    assert mine and found(person.username.upper()) == mine
    assert found("ALL") == {broadcast.pk}
    assert found(person.username[:-1]) == set()  # exact, not "contains"


def test_a_search_counts_less_far_but_still_pages_its_matches(boss_client):
    User.objects.bulk_create(
        User(username=f"smith{n:03d}", email=f"smith{n:03d}@example.org")
        for n in range(350)
    )
    url = reverse("admin:harp_user_changelist")
    with CaptureQueriesContext(connection) as queries:
        page = boss_client.get(url, {"q": "smith"})
    # Counted to 300 rows, not 1,000; still a page of 100, never every match on
    # one page (Django's changelist does that when the count is 200 or fewer).
    assert page.context["cl"].result_count == 300
    assert "300+ users" in page.content.decode()
    assert len(page.context["cl"].result_list) == 100
    assert not page.context["cl"].can_show_all
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 301" in counts[0], counts
