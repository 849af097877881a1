from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from harp.encryption import EncryptedCharField, EncryptedDateField
from harp.us_states import US_STATES

user_id_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9._-]{5,29}$",
    "A user ID is 6 to 30 characters: letters, digits, periods, hyphens and "
    "underscores, starting with a letter.",
)
phone_validator = RegexValidator(
    r"^\+?1?[-. (]*\d{3}[-. )]*\d{3}[-. ]*\d{4}$",
    "Enter a 10-digit U.S. phone number, such as 410-555-0142.",
)
zip_validator = RegexValidator(
    r"^\d{5}(-\d{4})?$", "Enter a 5-digit ZIP code, or ZIP+4 such as 21244-1850."
)


class UserIdChangedError(ValidationError):
    """A user ID is chosen at registration and never changes."""


class PortalUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in matches user IDs without regard to case, as they are unique so.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A portal account: a HARP user (proofed, two-factor) or a learner.

    `username` is the user ID. It is unique without regard to case and can never
    change once the account exists: `save()` refuses a changed one, and forms and
    the admin show it read-only.
    """

    class Kind(models.TextChoices):
        HARP = "harp", "HARP user"
        LEARNER = "learner", "Learner"

    class ChallengeQuestion(models.TextChoices):
        FIRST_SCHOOL = "first_school", "What was the name of your first school?"
        FIRST_PET = "first_pet", "What was the name of your first pet?"
        BIRTH_CITY = "birth_city", "In what city were you born?"
        FIRST_CAR = "first_car", "What was the make of your first car?"
        MOTHER_MIDDLE = "mother_middle", "What is your mother's middle name?"
        FIRST_STREET = "first_street", "On what street did you live as a child?"

    username = models.CharField(
        "user ID",
        max_length=30,
        unique=True,
        validators=[user_id_validator],
        help_text="6 to 30 characters: letters, digits, periods, hyphens and "
        "underscores, starting with a letter. It cannot be changed later.",
        error_messages={"unique": "That user ID is taken. Choose another."},
    )
    email = models.EmailField("email address")
    first_name = models.CharField("legal first name", max_length=150)
    middle_name = models.CharField("middle name", max_length=150, blank=True)
    last_name = models.CharField("legal last name", max_length=150)
    date_of_birth = EncryptedDateField("date of birth", null=True, blank=True)
    address_line1 = EncryptedCharField("street address", blank=True)
    address_line2 = EncryptedCharField("apartment, suite, etc.", blank=True)
    city = EncryptedCharField("city", blank=True)
    state = models.CharField("state", max_length=2, choices=US_STATES, blank=True)
    zip_code = EncryptedCharField("ZIP code", blank=True)
    phone = models.CharField(
        "phone number", max_length=20, blank=True, validators=[phone_validator]
    )
    challenge_question = models.CharField(
        max_length=32, choices=ChallengeQuestion.choices, blank=True
    )
    challenge_answer_hash = models.CharField(max_length=256, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.HARP)
    two_factor_required = models.BooleanField(
        default=True,
        help_text="Every sign-in asks for a second factor. Always on for HARP "
        "users; on for learners once they prove their identity or request a role.",
    )
    identity_proofed_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Sign-in is refused until then after repeated failures.",
    )

    objects = PortalUserManager()  # type: ignore[misc]
    _stored_user_id: str | None = None

    REQUIRED_FIELDS = ["email", "first_name", "last_name"]

    class Meta:
        db_table = "harp_user"
        verbose_name = "user"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="harp_user_user_id_ci_unique",
                violation_error_message="That user ID is taken. Choose another.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="harp_user_email_ci_unique",
                condition=~models.Q(email=""),
                violation_error_message="An account already uses this email address.",
            ),
        ]
        indexes = [
            # The help desk's look-up of other accounts with the same legal name
            # (proofing.selectors), which compares without case as iexact does.
            models.Index(
                Upper("last_name"), Upper("first_name"), name="harp_user_name_ci_idx"
            ),
            # The help desk's list of locked accounts.
            models.Index(
                fields=["locked_until"],
                name="harp_user_locked_idx",
                condition=models.Q(locked_until__isnull=False),
            ),
        ]
        permissions = [
            ("unlock_user", "Can unlock accounts locked after failures"),
            (
                "correct_identity",
                "Can correct a person's legal name, date of birth and home address",
            ),
            (
                "activate_user",
                "Can confirm the email address of an account that never confirmed it",
            ),
        ]

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> User:
        instance = super().from_db(db, field_names, values)
        instance._stored_user_id = instance.__dict__.get("username")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = getattr(self, "_stored_user_id", None)
        if not self._state.adding and stored is not None and stored != self.username:
            raise UserIdChangedError("A user ID cannot be changed.")
        super().save(*args, **kwargs)
        self._stored_user_id = self.username

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.first_name, self.middle_name, self.last_name) if part
        )

    @property
    def is_identity_proofed(self) -> bool:
        return self.identity_proofed_at is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()
