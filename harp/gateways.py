"""Gateways that deliver text-message and voice codes, chosen by `SMS_GATEWAY`.

A gateway is a class with `send_sms(number, message)` and `call(number, message)`;
production points `SMS_GATEWAY` at one that talks to the telephony provider.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("harp.gateways")


class Gateway:
    def send_sms(self, number: str, message: str) -> None:
        raise NotImplementedError

    def call(self, number: str, message: str) -> None:
        raise NotImplementedError


class ConsoleGateway(Gateway):
    """The default: writes the message to the log instead of sending it."""

    def send_sms(self, number: str, message: str) -> None:
        logger.warning("SMS to %s: %s", number, message)

    def call(self, number: str, message: str) -> None:
        logger.warning("Voice call to %s: %s", number, message)


def get_gateway() -> Gateway:
    return import_string(settings.SMS_GATEWAY)()
