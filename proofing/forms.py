from __future__ import annotations

import datetime
from typing import Any

from django import forms

from harp.forms import ProfileForm, validate_date_of_birth
from harp.models.users import phone_validator, zip_validator
from harp.us_states import US_STATES
from proofing.models import ProofingDocument


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


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is this document?",
        choices=[("", "- Select -"), *ProofingDocument.Kind.choices],
    )
    id_type = forms.ChoiceField(
        label="Type of photo ID",
        required=False,
        choices=[
            ("", "- Select if this is a photo ID -"),
            *ProofingDocument.IdType.choices,
        ],
    )
    file = forms.FileField(
        label="File",
        help_text="A PDF, JPEG or PNG scan or photo, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == ProofingDocument.Kind.PHOTO_ID and not cleaned.get(
            "id_type"
        ):
            self.add_error("id_type", "Choose the type of photo ID.")
        return cleaned


class SubmitCaseForm(forms.Form):
    ssn_last4 = forms.RegexField(
        label="Last four digits of your SSN",
        regex=r"^\d{4}$",
        required=False,
        error_messages={"invalid": "Enter exactly four digits."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("approve", "Approve: the documents prove this identity"),
            ("more_info", "Ask for more information"),
            ("reject", "Reject"),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    note = forms.CharField(
        label="Message to the person",
        required=False,
        help_text="Required to reject or ask for more: it is emailed to them.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "All states"), *US_STATES]
    )
