import factory

from harp.models import SystemComponent, User
from harp.services import challenge_answer_hash


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = "Pat"
    challenge_question = User.ChallengeQuestion.FIRST_PET
    challenge_answer_hash = factory.LazyFunction(
        lambda: challenge_answer_hash("Biscuit")
    )
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def email_verified(self, create, extracted, **kwargs):
        """A confirmed address, as after the confirmation link; False leaves it not."""
        if create and self.email:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=self,
                email=self.email,
                defaults={"primary": True, "verified": extracted is not False},
            )


class SystemComponentFactory(factory.django.DjangoModelFactory):
    """Sets a component's state, creating it if the seed migration did not."""

    class Meta:
        model = SystemComponent

    name = factory.Sequence(lambda n: f"Component {n}")
    position = factory.Sequence(int)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        name = kwargs.pop("name")
        component, _ = model_class.objects.update_or_create(name=name, defaults=kwargs)
        return component


def sign_in_verified(client, user: User):
    """Sign a test client in as a user who has passed the second factor.

    Gives the user an authenticator app if they have none, as a real sign-in would
    need, and binds the session to it the way django-otp does.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Phone app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def reauthenticated(client, user: User) -> None:
    """Mark the client's session as re-authenticated just now (harp.views.reauth).

    Email, password and two-factor changes need it; tests of those changes that are
    not about re-authentication itself start from here.
    """
    import time

    from harp.views.reauth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = {"user": user.pk, "at": time.time()}
    session.save()
