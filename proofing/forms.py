from __future__ import annotations

from typing import Any

from django import forms

from harp.us_states import US_STATES
from proofing.models import ProofingDocument


class SsnInput(forms.TextInput):
    """A text box that never writes a value back into the page (like a password)."""

    def format_value(self, value: Any) -> str | None:
        return None


class IdentityForm(forms.Form):
    """The SSN, the one detail not in the profile. It is never stored or shown back.

    Name, date of birth and address are the profile's, shown read-only beside the
    form: the identity proofed is always the account's own.
    """

    ssn = forms.CharField(
        label="Social Security number",
        help_text="9 digits, with or without dashes. We send it to the identity "
        "service for this check and do not store it or show it again.",
        max_length=11,
        widget=SsnInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

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
    confirm_different_person = forms.BooleanField(
        label="I have checked the matching accounts listed on this page: this case "
        "is a different person, or the help desk has dealt with the other account.",
        required=False,
    )

    def __init__(self, *args: Any, matches: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not matches:
            del self.fields["confirm_different_person"]


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "All states"), *US_STATES]
    )
