"""The steps of HARP registration at /register/.

`REGISTRATION_STEPS` lists the steps in order as dotted paths, so another app can
put a step between two of these (identity proofing does) without touching this
module. Each step shows one form and keeps what it needs, JSON-ready and never a
plain password, in the registration's session data; when the last step is done,
`finish()` creates the account.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string

from harp import services
from harp.encryption import decrypt, encrypt
from harp.forms import CredentialsForm, ProfileForm
from harp.models import User

SESSION_KEY = "harp_registration"
# Profile fields the user model encrypts at rest: the session row (plain JSON in the
# session table) keeps them encrypted too, and `profile_data()` reads them back.
ENCRYPTED_PROFILE_FIELDS = (
    "date_of_birth",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)


class Step:
    """One page of registration. Subclasses name a form and keep its results."""

    key: ClassVar[str]
    title: ClassVar[str]
    intro: ClassVar[str] = ""
    form_class: ClassVar[type[forms.Form]]
    template_name: ClassVar[str] = "harp/register_step.html"

    def form_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"initial": data.get(self.key, {})}

    def save(self, form: forms.Form, data: dict[str, Any]) -> None:
        data[self.key] = form.cleaned_data

    def is_complete(self, data: dict[str, Any]) -> bool:
        return self.key in data

    def url(self) -> str:
        """Where the step is shown; a step with pages of its own points there."""
        return reverse("harp:register-step", args=[self.key])

    def after_create(
        self, user: User, data: dict[str, Any], request: HttpRequest
    ) -> None:
        """Called once the account exists, for steps whose results belong to it."""

    def earlier_step_changed(
        self, data: dict[str, Any], *, key: str, changed: set[str]
    ) -> str:
        """An earlier step's fields in `changed` were saved with new values.

        A step whose result depends on them forgets that result here and returns a
        sentence telling the person what they must do again ("" if nothing).
        """
        return ""


class ProfileStep(Step):
    key = "profile"
    title = "Profile information"
    intro = (
        "Enter your legal name and home address as they appear on your government "
        "ID and financial records: identity proofing checks them."
    )
    form_class = ProfileForm

    def save(self, form: forms.Form, data: dict[str, Any]) -> None:
        cleaned = dict(form.cleaned_data)
        cleaned["date_of_birth"] = cleaned["date_of_birth"].isoformat()
        cleaned.pop("email_confirm", None)
        for field in ENCRYPTED_PROFILE_FIELDS:
            cleaned[field] = encrypt(str(cleaned.get(field) or ""))
        data[self.key] = cleaned

    def form_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        initial = profile_data(data)
        if initial.get("email"):
            initial["email_confirm"] = initial["email"]
        return {"initial": initial}


class CredentialsStep(Step):
    key = "credentials"
    title = "User ID and password"
    intro = "Choose the user ID and password you will sign in with."
    form_class = CredentialsForm

    def form_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        saved = data.get(self.key, {})
        return {
            "initial": {
                "user_id": saved.get("user_id", ""),
                "challenge_question": saved.get("challenge_question", ""),
            },
            "profile": profile_data(data),
        }

    def save(self, form: forms.Form, data: dict[str, Any]) -> None:
        cleaned = form.cleaned_data
        data[self.key] = {
            "user_id": cleaned["user_id"],
            "password_hash": make_password(cleaned["password1"]),
            "challenge_question": cleaned["challenge_question"],
            "challenge_answer_hash": services.challenge_answer_hash(
                cleaned["challenge_answer"]
            ),
        }


def steps() -> list[Step]:
    return [import_string(path)() for path in settings.REGISTRATION_STEPS]


def get_data(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY, {}))


def profile_data(data: dict[str, Any]) -> dict[str, Any]:
    """The profile step's answers in plain text ({} before the step is done).

    A profile that no key in FIELD_ENCRYPTION_KEY can read (a registration begun
    before a key was removed) reads as not done, so the person enters it again.
    """
    profile = dict(data.get(ProfileStep.key, {}))
    try:
        for field in ENCRYPTED_PROFILE_FIELDS:
            if profile.get(field):
                profile[field] = decrypt(profile[field])
    except ValueError:
        data.pop(ProfileStep.key, None)
        return {}
    return profile


def step_save(step: Step, form: forms.Form, data: dict[str, Any]) -> list[str]:
    """Save a step's form; later steps that relied on changed fields start over.

    Returns what the person must do again, one sentence per later step affected.
    """
    before = profile_data(data) if step.key == ProfileStep.key else data.get(step.key)
    step.save(form, data)
    after = profile_data(data) if step.key == ProfileStep.key else data.get(step.key)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    changed = {
        field
        for field in before.keys() | after.keys()
        if before.get(field) != after.get(field)
    }
    if not changed:
        return []
    keys = [each.key for each in steps()]
    later = steps()[keys.index(step.key) + 1 :] if step.key in keys else []
    notes = [
        later_step.earlier_step_changed(data, key=step.key, changed=changed)
        for later_step in later
    ]
    return [note for note in notes if note]


def set_data(request: HttpRequest, data: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = data


def first_incomplete(data: dict[str, Any]) -> Step | None:
    return next((step for step in steps() if not step.is_complete(data)), None)


def finish(request: HttpRequest, data: dict[str, Any]) -> User:
    """Create the account from every step's data, then forget the data."""
    with transaction.atomic():
        user = services.user_register(
            profile=profile_data(data),
            credentials=data["credentials"],
            request=request,
        )
        for step in steps():
            step.after_create(user, data, request)
    request.session.pop(SESSION_KEY, None)
    return user
