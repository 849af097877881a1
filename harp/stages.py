"""The second-factor stage of django-allauth's sign-in.

After the password (and email confirmation) stages, a user with any confirmed
device is sent to `harp:two-factor-verify` and is signed in only once a code from
one of them checks out. A user with no device yet is signed in and then kept on the
set-up pages by `harp.middleware.TwoFactorRequiredMiddleware`.
"""

from __future__ import annotations

from typing import Any

import django_otp
from allauth.account.stages import LoginStage
from django.http import HttpResponse
from django.shortcuts import redirect


class TwoFactorStage(LoginStage):
    key = "harp_two_factor"
    urlname = "harp:two-factor-verify"

    def handle(self) -> tuple[HttpResponse | None, bool]:
        user = self.login.user
        if user is None or not any(django_otp.devices_for_user(user, confirmed=True)):
            return None, True
        return redirect(self.urlname), True

    def complete(self, device: Any) -> HttpResponse:
        """The code checked out: sign in, with the session bound to this device."""
        # django-otp's user_logged_in receiver records the device in the session.
        self.login.user.otp_device = device
        return self.exit()
