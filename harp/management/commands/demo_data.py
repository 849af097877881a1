from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from harp import demo


class Command(BaseCommand):
    help = (
        "Load demo accounts and content for trying the portal. Refuses in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo data is for the embedded default only; it refuses to run in "
                "production form (DJANGO_DEBUG=0)."
            )
        autodiscover_modules("demo")
        for loader in demo.loaders():
            loader(lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded. Every demo account's password is "
                f"{demo.DEMO_PASSWORD!r}."
            )
        )
