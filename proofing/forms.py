from __future__ import annotations

import datetime
from typing import Any

from django import forms

from harp.forms import ProfileForm, validate_date_of_birth
from harp.models.users import phone_validator, zip_validator
from harp.us_states import US_STATES


class IdentityForm(forms.Form):
    """What the vendor checks. The SSN is used for this request and never stored."""

    first_name = ProfileForm.base_fields["first_name"]
    last_name = ProfileForm.base_fields["last_name"]
    date_of_birth = ProfileForm.base_fields["date_of_birth"]
    ssn = forms.CharField(
        label="Social Security number",
        help_text="9 digits, for example 123-45-6789. We send it to the identity "
        "service for this check and do not store it.",
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    address_line1 = forms.CharField(label="Home street address", max_length=200)
    city = forms.CharField(label="City", max_length=100)
    state = forms.ChoiceField(label="State", choices=[("", "- Select -"), *US_STATES])
    zip_code = forms.CharField(label="ZIP code", validators=[zip_validator])
    phone = forms.CharField(
        label="Phone number",
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def clean_date_of_birth(self) -> datetime.date:
        return validate_date_of_birth(self.cleaned_data["date_of_birth"])

    def clean_ssn(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["ssn"] if ch.isdigit())
        if len(digits) != 9:
            raise forms.ValidationError("Enter the 9 digits of your SSN.")
        return digits


class QuestionsForm(forms.Form):
    """One radio group per question, choices exactly as the vendor sent them."""

    def __init__(
        self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for number, question in enumerate(questions, start=1):
            self.fields[question["id"]] = forms.ChoiceField(
                label=f"{number}. {question['prompt']}",
                choices=[(choice, choice) for choice in question["choices"]],
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                error_messages={"required": "Choose an answer to this question."},
            )


class ReferenceNumberForm(forms.Form):
    reference_number = forms.CharField(label="Reference number", max_length=32)
