from __future__ import annotations

from typing import Any

from django import forms

from iqies_roles.ccn import normalize_ccn, validate_ccn
from iqies_roles.models import Organization, Role, UserCategory


class CategoryForm(forms.Form):
    category = forms.ChoiceField(
        label="Which best describes you?",
        choices=UserCategory.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )


class RoleChoiceForm(forms.Form):
    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = {str(role.pk): role for role in roles}
        self.fields["role"] = forms.ChoiceField(
            label="Which role do you need?",
            choices=[(str(role.pk), role.name) for role in roles],
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        )

    def clean_role(self) -> Role:
        return self.roles[self.cleaned_data["role"]]


class CcnForm(forms.Form):
    ccn = forms.CharField(
        label="CCN",
        max_length=12,
        help_text="The six-character CMS Certification Number, for example 210001.",
    )

    def clean_ccn(self) -> Organization:
        from iqies_roles.selectors import organization_by_ccn

        ccn = normalize_ccn(self.cleaned_data["ccn"])
        validate_ccn(ccn)
        organization = organization_by_ccn(ccn)
        if organization is None:
            raise forms.ValidationError(
                f"No provider or supplier with CCN {ccn} is registered. Check the "
                "number with your organization."
            )
        return organization


class OrganizationChoiceForm(forms.Form):
    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"] = forms.ModelChoiceField(
            label="Organization",
            queryset=Organization.objects.filter(kind=kind, is_active=True),
            empty_label="- Select -",
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=1000,
        help_text="Required to reject: it is emailed to the requester.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
