"""Who may do what in the Django admin, over HTTP, on other people's objects.

Two tables hold the expected answers. A cell that changes in the code, or in a
table, fails a test; so does a model registered in the admin without a row.

MODEL_RIGHTS: per admin model and kind of staff, what the admin lets them do to an
object that is not theirs: v view (list and page), a add, c change, d delete;
"-" means the admin answers 403 and nothing changes. `harp.user` rows are for a
learner's account, a superuser's account and the person's own account. Records
that only the portal's own pages write (proofing records, role requests and their
decisions, certification uploads and their reviews) are read-only for everyone:
no "a", no "c".

FIELD_RIGHTS: whether a sensitive detail of an account really changes when the
person posts the admin's user form (the password: its own form) with a new value,
for another person's account and for their own.

Columns, one per kind of staff (all is_staff, all signed in with a second factor):
super, a superuser; desk, the "Help desk" group as the migrations define it;
coord, "Training coordinators" (qsep.review_certification); cms, "CMS approvers"
(no permissions); none, staff with nothing else; id_admin, NOT a superuser but
holding every permission of the identity models (users, groups, devices, email
addresses, harp's records): what holds whatever permissions someone is given by
mistake.
"""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.groups import HELP_DESK, HELP_DESK_PERMISSIONS
from harp.models import AuditEvent, BackupCodeDevice, OutboxMessage, PhoneDevice, User
from proofing.models import ProofingRecord, RemoteProofingAttempt
from qsep import services as training
from qsep.models import Course
from tests.harp.factories import UserFactory, sign_in_verified
from tests.security.world import pdf_bytes

pytestmark = pytest.mark.django_db

PERSONAS = (
    "superuser",
    "help_desk",
    "coordinator",
    "cms_approver",
    "no_rights",
    "id_admin",
)
# The tables' column heads, in the same order.
HEADS = ("super", "desk", "coord", "cms", "none", "id_admin")

MODEL_RIGHTS = """
model                          super desk  coord cms   none  id_admin
auth.group                     vacd  ----  ----  ----  ----  v---
otp_totp.totpdevice            vacd  ----  ----  ----  ----  v---
otp_email.emaildevice          vacd  ----  ----  ----  ----  v---
account.emailaddress           vacd  ----  ----  ----  ----  v---
harp.user                      vacd  v---  ----  ----  ----  v-cd
harp.user:superuser            vacd  v---  ----  ----  ----  v---
harp.user:self                 vacd  v---  ----  ----  ----  v-cd
harp.phonedevice               vacd  ----  ----  ----  ----  v---
harp.backupcodedevice          vacd  ----  ----  ----  ----  v---
harp.outboxmessage             v--d  ----  ----  ----  ----  v--d
harp.auditevent                v---  v---  ----  ----  ----  v---
harp.systemcomponent           vacd  ----  ----  ----  ----  vacd
harp.dashboardmessage          va--  ----  ----  ----  ----  va--
proofing.proofingrecord        v--d  ----  ----  ----  ----  ----
proofing.remoteproofingattempt v-cd  ----  ----  ----  ----  ----
proofing.manualproofingcase    v-cd  ----  ----  ----  ----  ----
iqies_roles.organization       vacd  ----  ----  ----  ----  ----
iqies_roles.role               v-c-  ----  ----  ----  ----  ----
iqies_roles.rolerequest        v--d  ----  ----  ----  ----  ----
iqies_roles.roleassignment     v-cd  ----  ----  ----  ----  ----
qsep.category                  vacd  ----  ----  ----  ----  ----
qsep.providertype              vacd  ----  ----  ----  ----  ----
qsep.course                    vacd  ----  ----  ----  ----  ----
qsep.question                  vacd  ----  ----  ----  ----  ----
qsep.trainingplan              vacd  ----  ----  ----  ----  ----
qsep.enrollment                vacd  ----  ----  ----  ----  ----
qsep.certificate               v-cd  ----  ----  ----  ----  ----
qsep.certificationupload       v--d  ----  ----  ----  ----  ----
qsep.coordinatorproxy          vac-  vac-  ----  ----  ----  ----
qsep.learnertransfer           v---  v---  ----  ----  ----  ----
"""

# yes: the value changes; no: it does not (403, or the field is read-only).
# ":self" rows are the person's own account.
FIELD_RIGHTS = """
field                 super desk  coord cms   none  id_admin
is_staff              yes   no    no    no    no    no
is_superuser          yes   no    no    no    no    no
groups                yes   no    no    no    no    no
user_permissions      yes   no    no    no    no    no
password              yes   no    no    no    no    no
email                 yes   no    no    no    no    no
username              no    no    no    no    no    no
is_active             yes   no    no    no    no    no
two_factor_required   yes   no    no    no    no    no
kind                  yes   no    no    no    no    no
first_name            no    no    no    no    no    no
phone                 yes   no    no    no    no    yes
is_superuser:self     yes   no    no    no    no    no
is_staff:self         yes   no    no    no    no    no
groups:self           yes   no    no    no    no    no
user_permissions:self yes   no    no    no    no    no
password:self         yes   no    no    no    no    no
email:self            yes   no    no    no    no    no
"""

IDENTITY_APPS = ("auth", "harp", "otp_totp", "otp_email", "account")


def parse(table: str) -> dict[str, dict[str, str]]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    assert tuple(header[1:]) == HEADS, header
    return {row[0]: dict(zip(PERSONAS, row[1:], strict=True)) for row in rows}


MODELS = parse(MODEL_RIGHTS)
FIELDS = parse(FIELD_RIGHTS)
REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


def test_every_admin_model_has_a_row():
    rows = {name.split(":")[0] for name in MODELS}
    assert sorted(rows) == REGISTERED


def make_persona(name: str) -> User:
    user = UserFactory(
        username=f"staff_{name}",
        is_staff=True,
        is_superuser=name == "superuser",
        identity_proofed_at=timezone.now(),
    )
    if name == "help_desk":
        user.groups.add(Group.objects.get(name=HELP_DESK))
    elif name == "coordinator":
        group, _ = Group.objects.get_or_create(name="Training coordinators")
        group.permissions.set(
            Permission.objects.filter(
                codename="review_certification", content_type__app_label="qsep"
            )
        )
        user.groups.add(group)
    elif name == "cms_approver":
        user.groups.add(Group.objects.get_or_create(name="CMS approvers")[0])
    elif name == "id_admin":
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=IDENTITY_APPS)
        )
    return User.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def world(settings):
    """The demo data (objects of every model, owned by the demo accounts), plus a
    few second factors and emails the demo does not make."""
    settings.DEBUG = True
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    learner = User.objects.get(username="learner")
    EmailDevice.objects.get_or_create(user=learner, defaults={"name": "Email"})
    PhoneDevice.objects.get_or_create(
        user=learner, defaults={"name": "Phone", "number": "+14105550142"}
    )
    BackupCodeDevice.objects.get_or_create(user=learner, defaults={"name": "Backup"})
    mail.send_mail("Your code", "Your code is 123456", None, ["learner@example.org"])
    ProofingRecord.objects.get_or_create(
        user=learner, defaults={"method": "remote", "proofed_at": timezone.now()}
    )
    RemoteProofingAttempt.objects.create(
        user=learner,
        ssn_fingerprint="f" * 64,
        identity_key="k" * 64,
        vendor="stub",
        status=RemoteProofingAttempt.Status.choices[0][0],
    )
    course = Course.objects.filter(prerequisites=None).order_by("pk").first()
    enrollment = training.enrollment_create(learner=learner, course=course)
    training.certificate_issue(enrollment=enrollment)  # and its audit event
    # With its file, as a learner uploads it: private storage has no URL, and the
    # admin's pages must open all the same.
    training.certification_upload(
        learner=learner,
        certification="Fire Inspector certification",
        upload=SimpleUploadedFile("fire.pdf", pdf_bytes(), "application/pdf"),
        request=RequestFactory().post("/"),
    )
    return learner


def someone_elses(model, persona_user: User, learner: User):
    """An object of the model that the persona does not own."""
    if model is User:
        return learner
    queryset = model._default_manager.all()
    field_names = {f.name for f in model._meta.get_fields()}
    for owner in ("user", "learner", "requester"):
        if owner in field_names:
            queryset = queryset.exclude(**{owner: persona_user})
    first = queryset.order_by("pk").first()
    assert first is not None, f"the world has no {model._meta.label}: add one"
    return first


def target_for(row: str, model, persona_user: User, learner: User):
    kind = row.partition(":")[2]
    if kind == "superuser":
        return User.objects.get(username="admin")
    if kind == "self":
        return persona_user
    return someone_elses(model, persona_user, learner)


def exists(obj) -> bool:
    return type(obj)._default_manager.filter(pk=obj.pk).exists()


def rights_over_http(client, model, obj) -> str:
    """What the admin lets this client do, tried over HTTP: 'vacd' with '-' gaps."""
    info = (model._meta.app_label, model._meta.model_name)
    changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
    change_url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
    page = client.get(change_url)
    assert changelist.status_code in (200, 403) and page.status_code in (200, 403)
    assert (changelist.status_code == 200) == (page.status_code == 200), info
    view = page.status_code == 200

    add_url = reverse("admin:{}_{}_add".format(*info))
    add_get = client.get(add_url)
    assert add_get.status_code in (200, 403), info
    add = add_get.status_code == 200
    if not add:
        assert client.post(add_url, {}).status_code == 403, info

    before = model._default_manager.count()
    change_post = client.post(change_url, {})
    change = change_post.status_code != 403
    assert change_post.status_code in (200, 302, 403), (info, change_post.status_code)

    delete_url = reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
    delete_get = client.get(delete_url)
    assert delete_get.status_code in (200, 403), info
    delete = delete_get.status_code == 200
    if not delete:
        assert client.post(delete_url, {"post": "yes"}).status_code == 403, info
        assert exists(obj), info
    if not (add or change or delete):
        assert model._default_manager.count() == before, info
    return "".join(
        letter if allowed else "-"
        for letter, allowed in zip("vacd", (view, add, change, delete), strict=True)
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_model_rights(client, world, persona):
    user = make_persona(persona)
    sign_in_verified(client, user)
    found, expected = {}, {}
    for row, cells in MODELS.items():
        model = next(
            m for m in admin.site._registry if m._meta.label_lower == row.split(":")[0]
        )
        obj = target_for(row, model, user, world)
        expected[row] = cells[persona]
        found[row] = rights_over_http(client, model, obj)
    assert found == expected


ATTACK_GROUP = "Everything"


def attack_value(field: str, user: User) -> object:
    if field in ("is_staff", "is_superuser", "is_active", "two_factor_required"):
        return not getattr(user, field)
    return {
        "groups": [Group.objects.get(name=ATTACK_GROUP).pk],
        "user_permissions": [Permission.objects.get(codename="change_group").pk],
        "email": f"taken-over-{user.pk}@example.net",
        "username": f"renamed{user.pk}x",
        "kind": User.Kind.LEARNER if user.kind == User.Kind.HARP else User.Kind.HARP,
        "first_name": "Mallory",
        "phone": "410-555-0199",
    }[field]


def current(user: User, field: str) -> object:
    user = User.objects.get(pk=user.pk)
    if field in ("groups", "user_permissions"):
        return sorted(getattr(user, field).values_list("pk", flat=True))
    return getattr(user, field)


def form_data(response) -> dict[str, object]:
    """What the admin's form would post back unchanged."""
    data: dict[str, object] = {}
    for bound in response.context["adminform"].form:
        if bound.field.disabled:
            continue
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            data[bound.html_name] = value.isoformat()
        elif value is not None:
            data[bound.html_name] = str(value)
    return data


def post_field(client, target: User, field: str) -> None:
    """Post the admin's own form for `target` with one field set to a new value."""
    if field == "password":
        client.post(
            reverse("admin:auth_user_password_change", args=[target.pk]),
            {
                "password1": "a new password 2026!",
                "password2": "a new password 2026!",
                "usable_password": "true",
            },
        )
        return
    url = reverse("admin:harp_user_change", args=[target.pk])
    page = client.get(url)
    data = form_data(page) if page.status_code == 200 else {}
    value = attack_value(field, target)
    if isinstance(value, bool):
        data.pop(field, None)
        if value:
            data[field] = "on"
    else:
        data[field] = [str(v) for v in value] if isinstance(value, list) else value
    response = client.post(url, data)
    if response.status_code == 200:  # a form re-shown with errors is a test bug
        assert not response.context["adminform"].form.errors, (
            field,
            response.context["adminform"].form.errors,
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_sensitive_user_fields(client, persona):
    Group.objects.create(name=ATTACK_GROUP).permissions.set(Permission.objects.all())
    user = make_persona(persona)
    sign_in_verified(client, user)
    found, expected = {}, {}
    for row, cells in FIELDS.items():
        field, _, whose = row.partition(":")
        if whose == "self":
            target = User.objects.get(pk=user.pk)
        else:
            target = UserFactory(kind=User.Kind.HARP, phone="410-555-0100")
        before_hash = target.password
        before = current(target, field) if field != "password" else before_hash
        post_field(client, target, field)
        after = (
            current(target, field)
            if field != "password"
            else User.objects.get(pk=target.pk).password
        )
        found[row] = "yes" if after != before else "no"
        expected[row] = cells[persona]
        if whose == "self" and found[row] == "yes" and persona == "superuser":
            # The superuser's own changes (staff off, a new password) would end the
            # session or its rights; start each row from a fresh superuser.
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
            user = User.objects.get(pk=user.pk)
            client.logout()
            sign_in_verified(client, user)
    assert found == expected


# The attacks of the finding, one by one, by a member of the help desk as the
# migrations define the group.


@pytest.fixture
def help_desk(client):
    agent = make_persona("help_desk")
    sign_in_verified(client, agent)
    return agent


def test_help_desk_group_holds_no_change_permission_on_accounts():
    codenames = set(
        Group.objects.get(name=HELP_DESK).permissions.values_list("codename", flat=True)
    )
    assert codenames == {
        "view_user",
        "unlock_user",
        "correct_identity",
        "view_auditevent",
        "activate_user",
        "work_proofing_queue",
        "transfer_learner",
        "view_learnertransfer",
        "view_coordinatorproxy",
        "add_coordinatorproxy",
        "change_coordinatorproxy",
    }


def test_help_desk_cannot_make_itself_a_superuser(client, help_desk):
    url = reverse("admin:harp_user_change", args=[help_desk.pk])
    response = client.post(
        url,
        {
            "email": help_desk.email,
            "first_name": help_desk.first_name,
            "last_name": help_desk.last_name,
            "kind": help_desk.kind,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "two_factor_required": "on",
        },
    )
    assert response.status_code == 403
    help_desk.refresh_from_db()
    assert not help_desk.is_superuser


def test_help_desk_cannot_set_the_admins_password(client, help_desk):
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    url = reverse("admin:auth_user_password_change", args=[boss.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "password1": "I own this now 2026",
            "password2": "I own this now 2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.check_password("correct horse battery")


def test_help_desk_cannot_change_another_persons_email(client, help_desk):
    person = UserFactory(username="someone01")
    response = client.post(
        reverse("admin:harp_user_change", args=[person.pk]),
        {"email": "attacker@example.net", "first_name": "Pat", "last_name": "X"},
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.email == "someone01@example.org"


def test_user_admin_never_shows_a_non_superuser_the_password_hash(client):
    staff = make_persona("id_admin")
    sign_in_verified(client, staff)
    person = UserFactory(username="someone02")
    page = client.get(reverse("admin:harp_user_change", args=[person.pk]))
    assert page.status_code == 200
    assert "password" not in page.context["adminform"].form.fields
    assert person.password.split("$")[-1] not in page.content.decode()
    assert "/password/" not in page.content.decode()


def test_a_non_superuser_cannot_delete_a_superuser_in_bulk(client):
    staff = make_persona("id_admin")
    sign_in_verified(client, staff)
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    person = UserFactory(username="someone03")
    response = client.post(
        reverse("admin:harp_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [boss.pk, person.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[boss.pk, person.pk]).count() == 2


def test_no_non_superuser_grants_permissions_through_a_group(client):
    staff = make_persona("id_admin")  # holds auth.change_group and add_group
    sign_in_verified(client, staff)
    group = Group.objects.get(name=HELP_DESK)
    everything = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    change = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": HELP_DESK, "permissions": everything},
    )
    add = client.post(
        reverse("admin:auth_group_add"), {"name": "Mine", "permissions": everything}
    )
    assert (change.status_code, add.status_code) == (403, 403)
    assert group.permissions.count() == len(HELP_DESK_PERMISSIONS)
    assert not Group.objects.filter(name="Mine").exists()


def test_nobody_reads_an_authenticator_key_in_the_admin(client):
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, boss)
    device = TOTPDevice.objects.create(
        user=UserFactory(username="someone04"), name="Phone app", confirmed=True
    )
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        assert client.get(reverse(f"admin:{name}", args=[device.pk])).status_code == 403


def test_outbox_bodies_are_for_superusers_only(client):
    mail.send_mail("Your code", "Your code is 654321", None, ["x@example.org"])
    message = OutboxMessage.objects.get()
    staff = make_persona("id_admin")  # holds harp.view_outboxmessage
    sign_in_verified(client, staff)
    page = client.get(reverse("admin:harp_outboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert "654321" not in page.content.decode()


def test_marking_an_email_address_verified_is_for_superusers_only(client):
    staff = make_persona("id_admin")
    sign_in_verified(client, staff)
    address = EmailAddress.objects.create(
        user=staff, email="second@example.net", verified=False, primary=False
    )
    client.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [address.pk]},
    )
    address.refresh_from_db()
    assert not address.verified


# Unlocking: view rights plus harp.unlock_user are enough.


def locked(username: str, **fields: object) -> User:
    user = UserFactory(username=username, **fields)
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + datetime.timedelta(hours=1)
    )
    return User.objects.get(pk=user.pk)


def test_help_desk_unlocks_with_view_and_unlock_rights_only(client, help_desk):
    person = locked("lockedout2")
    listing = client.get(reverse("admin:harp_user_changelist"))
    assert "unlock" in listing.context["action_form"].fields["action"].choices[1]
    assert "delete_selected" not in dict(
        listing.context["action_form"].fields["action"].choices
    )
    response = client.post(
        reverse("admin:harp_user_changelist"),
        {"action": "unlock", "_selected_action": [person.pk]},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_locked


def test_help_desk_does_not_unlock_a_superuser(client, help_desk):
    boss = locked("siteadmin", is_staff=True, is_superuser=True)
    client.post(
        reverse("admin:harp_user_changelist"),
        {"action": "unlock", "_selected_action": [boss.pk]},
    )
    boss.refresh_from_db()
    assert boss.is_locked


def test_staff_without_the_unlock_permission_is_not_offered_it(client):
    staff = make_persona("id_admin")  # every harp permission but unlock? no:
    staff.user_permissions.remove(Permission.objects.get(codename="unlock_user"))
    sign_in_verified(client, User.objects.get(pk=staff.pk))
    person = locked("lockedout3")
    client.post(
        reverse("admin:harp_user_changelist"),
        {"action": "unlock", "_selected_action": [person.pk]},
    )
    person.refresh_from_db()
    assert person.is_locked


# Correcting a legal name, date of birth or home address (finding 3).


def identity_post(person: User, **changes: str) -> dict[str, str]:
    data = {
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "last_name": person.last_name,
        "date_of_birth": "1980-04-02",
        "address_line1": "1 Main Street",
        "address_line2": "",
        "city": "Baltimore",
        "state": "MD",
        "zip_code": "21201",
        "reason": "Ticket 4411: married name, marriage certificate seen",
    }
    return {**data, **changes}


@pytest.fixture
def proofed_person():
    return UserFactory(
        username="proofed01",
        identity_proofed_at=timezone.now(),
        two_factor_required=True,
        date_of_birth=datetime.date(1980, 4, 2),
        address_line1="1 Main Street",
        city="Baltimore",
        state="MD",
        zip_code="21201",
    )


def test_help_desk_corrects_a_name_and_the_person_proves_identity_again(
    client, help_desk, proofed_person, django_capture_on_commit_callbacks
):
    change_page = client.get(
        reverse("admin:harp_user_change", args=[proofed_person.pk])
    )
    url = reverse("admin:harp_user_identity", args=[proofed_person.pk])
    assert url in change_page.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert "must prove their identity again" in page.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, identity_post(proofed_person, last_name="Married"))
    assert response.status_code == 302
    proofed_person.refresh_from_db()
    assert proofed_person.last_name == "Married"
    assert proofed_person.identity_proofed_at is None
    event = AuditEvent.objects.get(action="harp.identity_corrected")
    assert event.actor == help_desk
    assert event.details["fields"] == ["last_name"]
    assert event.details["proofing_cleared"] is True
    (email,) = mail.outbox
    assert email.to == ["proofed01@example.org"]
    assert "legal last name" in email.body
    assert "Married" not in email.body  # which details, never their values
    assert "prove it again" in email.body

    person_client = client.__class__()
    sign_in_verified(person_client, proofed_person)
    proofing = person_client.get(reverse("proofing:start"))
    assert proofing.status_code == 200
    assert "proofing/proofed.html" not in [t.name for t in proofing.templates]


def test_an_unchanged_identity_keeps_the_proofing(client, help_desk, proofed_person):
    url = reverse("admin:harp_user_identity", args=[proofed_person.pk])
    client.post(url, identity_post(proofed_person))
    proofed_person.refresh_from_db()
    assert proofed_person.identity_proofed_at is not None
    assert not AuditEvent.objects.filter(action="harp.identity_corrected").exists()


def test_a_bad_correction_is_shown_and_changes_nothing(
    client, help_desk, proofed_person
):
    url = reverse("admin:harp_user_identity", args=[proofed_person.pk])
    response = client.post(
        url, identity_post(proofed_person, last_name="Other", zip_code="ABC", reason="")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "zip_code" in errors and "reason" in errors
    proofed_person.refresh_from_db()
    assert proofed_person.last_name != "Other"
    assert proofed_person.identity_proofed_at is not None


def test_the_change_form_does_not_change_identity_details(client, proofed_person):
    boss = UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    sign_in_verified(client, boss)
    url = reverse("admin:harp_user_change", args=[proofed_person.pk])
    data = form_data(client.get(url))
    data.update(last_name="Sneaky", city="Elsewhere")
    assert client.post(url, data).status_code == 302
    proofed_person.refresh_from_db()
    assert (proofed_person.last_name, proofed_person.city) != ("Sneaky", "Elsewhere")
    assert proofed_person.identity_proofed_at is not None


@pytest.mark.parametrize("whose", ["own", "superuser"])
def test_help_desk_cannot_correct_its_own_or_a_superusers_identity(
    client, help_desk, whose
):
    target = (
        help_desk
        if whose == "own"
        else UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    )
    url = reverse("admin:harp_user_identity", args=[target.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, identity_post(target, last_name="New")).status_code == 403
    target.refresh_from_db()
    assert target.last_name != "New"


@pytest.mark.parametrize("persona", ["coordinator", "cms_approver", "no_rights"])
def test_staff_without_the_permission_cannot_correct_identity(
    client, persona, proofed_person
):
    sign_in_verified(client, make_persona(persona))
    url = reverse("admin:harp_user_identity", args=[proofed_person.pk])
    assert (
        client.post(url, identity_post(proofed_person, last_name="New")).status_code
        == 403
    )
    proofed_person.refresh_from_db()
    assert proofed_person.last_name != "New"
