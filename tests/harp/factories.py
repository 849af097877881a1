import factory

from harp.models import SystemComponent, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class SystemComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemComponent
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Component {n}")
    position = factory.Sequence(int)
