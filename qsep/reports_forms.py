"""The search forms of the coordinators' reports (GET forms: they change nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from iqies_roles.ccn import normalize_ccn, validate_ccn
from qsep.models import TrainingPlan
from qsep.selectors.report_scope import Agency
from qsep.selectors.training_status import STATUS_LABELS

SEARCH_MAX_LENGTH = 100


def _state_choices(agencies: Sequence[Agency], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [
        (agency.state, f"{agency.state}: {agency.name}") for agency in agencies
    ]


class LearnerSearchForm(forms.Form):
    """Find by Learner: what to look for and where.

    Leaving the search text out lists every learner of the chosen state (or of
    all the coordinator's states); sending it empty with no state is a mistake
    worth a message, since that is a search button pressed on an empty box.
    """

    field = forms.ChoiceField(
        label="Search by",
        choices=[
            ("name", "Name (last name first)"),
            ("user_id", "User ID"),
            ("email", "Email address"),
            ("ccn", "Facility CCN"),
        ],
        required=False,
    )
    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text="A name starts with the last name: “smith” or “smith j”. "
        "A user ID may be its beginning; an email address must be whole.",
        error_messages={
            "max_length": "Search text can be at most %(limit_value)d characters "
            "long (it has %(show_value)d)."
        },
    )
    state = forms.ChoiceField(label="State", required=False)

    def __init__(
        self, *args: Any, agencies: Sequence[Agency] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        state = cast(forms.ChoiceField, self.fields["state"])
        state.choices = _state_choices(agencies, "All my states")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field = data.get("field") or "name"
        data["field"] = field
        text = data.get("q") or ""
        searched = "q" in self.data
        if searched and not text and not data.get("state") and "q" not in self.errors:
            self.add_error(
                "q",
                "Enter a name, user ID, email address or CCN to search for, or "
                "choose a state to list its learners.",
            )
        elif text and field == "email":
            try:
                validate_email(text)
            except ValidationError:
                self.add_error(
                    "q", "Enter a whole email address, like name@example.org."
                )
        elif text and field == "ccn":
            try:
                validate_ccn(text)
            except ValidationError as error:
                self.add_error("q", error)
            else:
                data["q"] = normalize_ccn(text)
        return data


class TrainingStatusForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="Training plan",
        queryset=TrainingPlan.objects.order_by("title"),
        to_field_name="slug",
        empty_label="Choose a training plan",
        error_messages={
            "required": "Choose a training plan.",
            "invalid_choice": "Choose a training plan from the list.",
        },
    )
    state = forms.ChoiceField(
        label="State", error_messages={"required": "Choose a state."}
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Every status"), *STATUS_LABELS.items()],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )

    def __init__(
        self, *args: Any, agencies: Sequence[Agency] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        state = cast(forms.ChoiceField, self.fields["state"])
        state.choices = _state_choices(agencies, "Choose a state")
