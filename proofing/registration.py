"""Identity proofing as a step of HARP registration, after user ID and password.

The step has pages of its own (the proofing views, in registration mode): the
questions are asked before the account exists, the attempts are tied together by a
random registration key, and they pass to the account when it is created.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse

from harp.models import User
from harp.registration import Step
from proofing import services


class ProofingStep(Step):
    key = "proofing"
    title = "Identity proofing"
    form_class = forms.Form

    def url(self) -> str:
        return reverse("proofing:start")

    def is_complete(self, data: dict[str, Any]) -> bool:
        return bool(data.get(self.key, {}).get("done"))

    def earlier_step_changed(
        self, data: dict[str, Any], *, key: str, changed: set[str]
    ) -> str:
        """New name, date of birth or address: proofing starts over for them.

        The registration key stays, so the attempts already made still count
        against the limits; passes for the old details prove nothing (see
        `proofing_registration_complete`).
        """
        state = data.get(self.key)
        if key != "profile" or not state or not changed & set(services.IDENTITY_FIELDS):
            return ""
        was_done = bool(state.pop("done", False))
        state.pop("manual", None)
        if not was_done and not state.get("registration_key"):
            return ""
        return (
            "You changed details that identity proofing checks, so you need to "
            "prove your identity again for the new details."
        )

    def after_create(
        self, user: User, data: dict[str, Any], request: HttpRequest
    ) -> None:
        key = data.get(self.key, {}).get("registration_key", "")
        if key:
            services.proofing_registration_complete(
                user=user, registration_key=key, request=request
            )


def registration_key(data: dict[str, Any]) -> str:
    """The random key that ties a registration's attempts together."""
    state = data.setdefault(ProofingStep.key, {})
    if not state.get("registration_key"):
        state["registration_key"] = secrets.token_hex(16)
    return str(state["registration_key"])
