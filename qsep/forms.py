from __future__ import annotations

import hashlib
from typing import Any, cast

from django import forms
from django.db.models import URLField

from harp.forms import NewCredentialsForm, check_emails_match, submission_key_field
from iqies_roles.ccn import validate_ccn
from iqies_roles.models import Organization
from iqies_roles.selectors import organization_by_ccn
from qsep.models import (
    SURVEYOR_TYPES,
    Category,
    Course,
    EmploymentType,
    EvaluationQuestion,
    Module,
    ProviderType,
    Question,
)
from qsep.module_html import module_body_sanitise
from qsep.selectors.transfers import state_agency_choices


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="Search courses", required=False, max_length=100)
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.all(),
        required=False,
        empty_label="All categories",
    )
    provider_type = forms.ModelChoiceField(
        label="Provider type",
        queryset=ProviderType.objects.all(),
        required=False,
        empty_label="All provider types",
    )
    min_ceus = forms.DecimalField(
        label="At least this many CEUs",
        required=False,
        min_value=0,
        max_value=99,
        decimal_places=1,
    )


class AnswerForm(forms.Form):
    """One question's choices, in an order that is fixed for the attempt but not
    the order they were written in, so the right answer is not always first."""

    def __init__(
        self, *args: Any, question: Question, shuffle_key: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = forms.ModelChoiceField(
            label=question.text,
            queryset=question.choices.all(),
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            empty_label=None,
            error_messages={"required": "Choose an answer."},
        )
        choices = sorted(
            question.choices.all(),
            key=lambda c: hashlib.sha256(f"{shuffle_key}:{c.pk}".encode()).digest(),
        )
        field.choices = [(choice.pk, choice.text) for choice in choices]
        self.fields["choice"] = field


class EvaluationForm(forms.Form):
    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(EvaluationQuestion.objects.filter(course=course))
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == EvaluationQuestion.Kind.RATING:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text,
                    choices=[(n, str(n)) for n in range(5, 0, -1)],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                    help_text="5 is best.",
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def responses(self) -> dict[int, dict[str, object]]:
        answers: dict[int, dict[str, object]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if question.kind == EvaluationQuestion.Kind.RATING:
                answers[question.pk] = {"rating": value}
            else:
                answers[question.pk] = {"text": value or ""}
        return answers


class LearnerSignupForm(NewCredentialsForm):
    """A learner account: name, email, user ID, password, and where they work."""

    HOW = [
        ("ccn", "By my facility's CCN"),
        ("zip", "By my facility's ZIP code"),
        ("none", "I don't work at a facility"),
    ]

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email address")
    email_confirm = forms.EmailField(label="Email address again")
    how = forms.ChoiceField(
        label="How do you want to find your facility?",
        choices=HOW,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    ccn = forms.CharField(label="CCN", required=False, max_length=12)
    zip_code = forms.CharField(label="ZIP code", required=False, max_length=10)
    field_order = [
        "first_name",
        "last_name",
        "email",
        "email_confirm",
        "user_id",
        "password1",
        "password2",
        "how",
        "ccn",
        "zip_code",
        "facility",
    ]
    facility = forms.ModelChoiceField(
        label="Your facility",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zip_code = (self.data.get("zip_code") or "").strip()[:5]
        self.zip_facilities = list(
            Organization.objects.filter(
                kind="provider", is_active=True, zip_code__startswith=zip_code
            ).order_by("name")
            if len(zip_code) == 5 and zip_code.isdigit()
            else []
        )
        facility_field = cast(forms.ModelChoiceField, self.fields["facility"])
        facility_field.queryset = Organization.objects.filter(
            pk__in=[org.pk for org in self.zip_facilities]
        )

    def clean_email(self) -> str:
        # An address that already has an account is accepted here: the sign-up
        # ends on the same "check your email" page and that account's owner is
        # emailed instead (qsep.views.LearnerSignupView), so this page never tells
        # a stranger which addresses have accounts.
        email: str = self.cleaned_data["email"].strip()
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_emails_match(self, cleaned)
        self.check_new_password(
            cleaned,
            email=cleaned.get("email", ""),
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
        )
        how = cleaned.get("how")
        cleaned["organization"] = None
        if how == "ccn":
            try:
                validate_ccn(cleaned.get("ccn", ""))
            except forms.ValidationError as error:
                self.add_error("ccn", error)
            else:
                organization = organization_by_ccn(cleaned["ccn"])
                if organization is None:
                    self.add_error("ccn", "No facility with that CCN is registered.")
                cleaned["organization"] = organization
        elif how == "zip":
            if not self.zip_facilities:
                self.add_error(
                    "zip_code", "No facility is registered in that ZIP code."
                )
            elif cleaned.get("facility") is None:
                self.add_error("facility", "Choose your facility from the list.")
            else:
                cleaned["organization"] = cleaned["facility"]
        return cleaned


class CertificationUploadForm(forms.Form):
    certification = forms.ChoiceField(label="Certification")
    file = forms.FileField(
        label="File",
        help_text="A PDF, JPEG or PNG scan or photo, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = (
            Course.objects.exclude(required_certification="")
            .values_list("required_certification", flat=True)
            .distinct()
        )
        certification = cast(forms.ChoiceField, self.fields["certification"])
        certification.choices = [("", "- Select -")] + [(n, n) for n in sorted(names)]


def _module_formfield(field: Any, **kwargs: Any) -> Any:
    # A video address typed without a scheme is taken as https.
    if isinstance(field, URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class ModuleForm(forms.ModelForm):
    """A module as admins write it; the body is cleaned to the allow-list on save."""

    class Meta:
        model = Module
        fields = ["position", "title", "body", "video_url", "pdf"]
        formfield_callback = _module_formfield

    def clean_body(self) -> str:
        body = module_body_sanitise(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError(
                "Nothing is left of this text once scripts, frames and other HTML "
                "that modules may not contain are removed. Write the module's text."
            )
        return body


class DashboardBroadcastForm(forms.Form):
    """A State Training Coordinator's broadcast to the learners of one of their
    states; `states` are the ones they coordinate (None: a superuser, every state)."""

    state = forms.ChoiceField(label="Send to the learners of")
    submission = submission_key_field()
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    link = forms.CharField(
        label="Link (optional)",
        max_length=200,
        required=False,
        help_text="A page of this portal that starts with /, such as /training/my/.",
    )

    def __init__(self, *args: Any, states: set[str] | None, **kwargs: Any) -> None:
        from harp.us_states import US_STATES

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            (code, f"{name} State Agency")
            for code, name in US_STATES
            if states is None or code in states
        ]


class EmploymentForm(forms.Form):
    """The annual profile review: employment type and provider/survey types."""

    employment_type = forms.ChoiceField(
        label="Employment type",
        choices=EmploymentType.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        error_messages={"required": "Choose your employment type."},
    )
    survey_types = forms.ModelMultipleChoiceField(
        label="Provider/Survey Types",
        queryset=ProviderType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
        help_text="The kinds of providers you survey. State, Federal and contract "
        "surveyors choose at least one.",
        error_messages={
            "invalid_choice": "Choose provider/survey types from the list.",
            "invalid_pk_value": "Choose provider/survey types from the list.",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("employment_type") in SURVEYOR_TYPES and not cleaned.get(
            "survey_types"
        ):
            self.add_error(
                "survey_types", "Surveyors choose at least one provider/survey type."
            )
        return cleaned


class StateAgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.state}: {obj.name}" if obj.state else str(obj.name)


class LearnerTransferForm(forms.Form):
    """The help desk's transfer of a learner: where to, and why."""

    to_agency = StateAgencyChoiceField(
        label="New State Agency",
        queryset=Organization.objects.none(),
        empty_label="- Select a State Agency -",
        error_messages={
            "required": "Choose the State Agency to move the learner to.",
            "invalid_choice": "Choose one of the active State Agencies listed.",
        },
    )
    reason = forms.CharField(
        label="Reason for the transfer",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit record: who asked, and a ticket number.",
        error_messages={"required": "Give the reason for the transfer."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["to_agency"])
        field.queryset = state_agency_choices()
