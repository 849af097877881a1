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
