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
