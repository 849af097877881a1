"""Forms check the shape of input; services enforce the rules that cross rows."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm, ResetPasswordKeyForm, UserTokenForm
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.http import HttpRequest
from django.utils import timezone

from harp.models import PhoneDevice, User
from harp.models.users import phone_validator, user_id_validator, zip_validator
from harp.services import challenge_answer_matches
from harp.services.accounts import (
    password_reset_answer_failed,
    password_reset_link_usable,
)
from harp.us_states import US_STATES

MINIMUM_AGE = 18


def validate_date_of_birth(born: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if born > today or born.year < 1900:
        raise forms.ValidationError("Enter your real date of birth.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MINIMUM_AGE:
        raise forms.ValidationError(
            f"You must be at least {MINIMUM_AGE} to register for an account."
        )
    return born


class SignInForm(LoginForm):
    """Sign-in by user ID and password; no "remember me" on a shared workstation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "User ID"
        self.fields["login"].widget.attrs.update(
            {"placeholder": "", "autocomplete": "username", "autocapitalize": "none"}
        )
        self.fields["password"].widget.attrs["placeholder"] = ""
        self.fields.pop("remember", None)


class ProfileForm(forms.Form):
    """Registration step 1: the person's legal name, contact details and address."""

    first_name = forms.CharField(label="Legal first name", max_length=150)
    middle_name = forms.CharField(label="Middle name", max_length=150, required=False)
    last_name = forms.CharField(label="Legal last name", max_length=150)
    date_of_birth = forms.DateField(
        label="Date of birth",
        help_text="For example: 04/28/1986",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    email = forms.EmailField(label="Email address")
    email_confirm = forms.EmailField(label="Email address again")
    phone = forms.CharField(
        label="Phone number",
        help_text="10 digits, for example 410-555-0142",
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address_line1 = forms.CharField(label="Home street address", max_length=200)
    address_line2 = forms.CharField(
        label="Apartment, suite, etc.", max_length=200, required=False
    )
    city = forms.CharField(label="City", max_length=100)
    state = forms.ChoiceField(label="State", choices=[("", "- Select -"), *US_STATES])
    zip_code = forms.CharField(label="ZIP code", validators=[zip_validator])

    def clean_date_of_birth(self) -> datetime.date:
        return validate_date_of_birth(self.cleaned_data["date_of_birth"])

    def clean_email(self) -> str:
        # An address that already has an account is accepted here: registration
        # ends with the same "check your email" page and emails that account's
        # owner instead (harp.views.accounts), so this page never tells a stranger
        # which addresses have accounts.
        email: str = self.cleaned_data["email"].strip()
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_emails_match(self, cleaned)
        return cleaned


def check_emails_match(form: forms.Form, cleaned: dict[str, Any]) -> None:
    email, again = cleaned.get("email"), cleaned.get("email_confirm")
    if email and again and email.casefold() != again.casefold():
        form.add_error("email_confirm", "The two email addresses don't match.")


class NewCredentialsForm(forms.Form):
    """User ID and password for a new account, checked against the person's details."""

    user_id = forms.CharField(
        label="User ID",
        max_length=30,
        validators=[user_id_validator],
        help_text=User._meta.get_field("username").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 12 characters. A phrase of several words is easy to "
        "remember and hard to guess. It can't be a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_user_id(self) -> str:
        user_id: str = self.cleaned_data["user_id"]
        if User.objects.filter(username__iexact=user_id).exists():
            raise forms.ValidationError("That user ID is taken. Choose another.")
        return user_id

    def check_new_password(
        self, cleaned: dict[str, Any], *, email: str, first_name: str, last_name: str
    ) -> None:
        password, again = cleaned.get("password1"), cleaned.get("password2")
        if password and again and password != again:
            self.add_error("password2", "The two passwords don't match.")
        elif password:
            # The similarity check compares against the person's own details.
            person = User(
                username=cleaned.get("user_id", ""),
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
            try:
                password_validation.validate_password(password, person)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class CredentialsForm(NewCredentialsForm):
    """Registration step 2: user ID, password and a challenge question."""

    challenge_question = forms.ChoiceField(
        label="Challenge question",
        choices=[("", "- Select -"), *User.ChallengeQuestion.choices],
        help_text="You answer it when you reset a forgotten password.",
    )
    challenge_answer = forms.CharField(
        label="Answer", min_length=3, max_length=100, help_text="At least 3 characters."
    )

    def __init__(self, *args: Any, profile: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_new_password(
            cleaned,
            email=self.profile.get("email", ""),
            first_name=self.profile.get("first_name", ""),
            last_name=self.profile.get("last_name", ""),
        )
        return cleaned


class PasswordResetFromKeyForm(ResetPasswordKeyForm):
    """A new password after the emailed link, only with the challenge answer."""

    challenge_answer = forms.CharField(label="Answer to your challenge question")

    field_order = ["challenge_answer", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None and self.user.challenge_question:
            self.fields[
                "challenge_answer"
            ].label = self.user.get_challenge_question_display()
        self.order_fields(self.field_order)

    def clean_challenge_answer(self) -> str:
        """Each wrong answer counts against this link (harp.services.accounts)."""
        answer: str = self.cleaned_data["challenge_answer"]
        key = str(self.temp_key or "")
        if self.user is None or not password_reset_link_usable(user=self.user, key=key):
            raise forms.ValidationError(RESET_LINK_ENDED)
        if not challenge_answer_matches(user=self.user, answer=answer):
            password_reset_answer_failed(
                user=self.user, key=key, request=allauth_context.request
            )
            if not password_reset_link_usable(user=self.user, key=key):
                raise forms.ValidationError(RESET_LINK_ENDED)
            raise forms.ValidationError(
                "That answer doesn't match the one on file. After "
                f"{settings.RESET_ANSWER_FAILURES} wrong answers this link stops "
                "working."
            )
        return answer


RESET_LINK_ENDED = (
    "This password reset link no longer works after too many wrong answers. "
    "Ask for a new link with “Forgot password” on the sign-in page."
)


class PasswordResetUserTokenForm(UserTokenForm):
    """The reset link's key, refused once wrong answers have ended it."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.reset_user is not None and not password_reset_link_usable(
            user=self.reset_user, key=str(cleaned.get("key", ""))
        ):
            raise get_adapter().validation_error("invalid_password_reset")
        return cleaned


class AddEmailForm(allauth_forms.AddEmailForm):
    """A new address on the account; the address in use now is told about it."""

    def save(self, request: HttpRequest) -> Any:
        current = self.user.email if self.user is not None else ""
        address = super().save(request)
        if current and address is not None and address.pk:
            get_adapter(request).send_notification_mail(
                "account/email/email_added",
                self.user,
                {"added_email": address.email},
                email=current,
            )
        return address


class ReauthenticateForm(forms.Form):
    """Confirm it's you: the password and, where the account has one, a code."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )

    def __init__(self, *args: Any, needs_code: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["token"]


class ForgotUserIdForm(forms.Form):
    email = forms.EmailField(label="Email address on your account")


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label="Email address on your account")


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "characters",
            }
        ),
    )


class PhoneDeviceForm(forms.Form):
    number = forms.CharField(
        label="Mobile or landline number",
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    method = forms.ChoiceField(
        label="How should we send the code?",
        choices=PhoneDevice.Method.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        initial=PhoneDevice.Method.SMS,
    )

    def clean_number(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["number"] if ch.isdigit())
        return digits[-10:]


class DeviceRenameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=64)


class HelpDeskFindForm(forms.Form):
    """The help desk's look-up of one account: its user ID or email, exactly."""

    q = forms.CharField(
        label="User ID or email address",
        max_length=254,
        help_text="The whole user ID or address; capitals do not matter.",
    )


class HelpDeskReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit record: who asked, how you checked it was "
        "them, a ticket number.",
        error_messages={"required": "Give the reason."},
    )


def submission_key_field() -> forms.CharField:
    """A hidden one-time key for a form whose every sending writes something
    (a broadcast): the service writes once per key, so a double click or two
    tabs sending the same form do it once."""
    return forms.CharField(
        widget=forms.HiddenInput,
        initial=lambda: uuid.uuid4().hex,
        max_length=64,
        required=False,
    )
