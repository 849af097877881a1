from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current authenticator-app code of a demo account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code is for the embedded default only.")
        device = TOTPDevice.objects.filter(
            user__username__iexact=options["user_id"],
            name="Demo authenticator app",
        ).first()
        if device is None:
            raise CommandError(
                f"{options['user_id']} has no demo authenticator app: run demo_data."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
