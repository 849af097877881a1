"""Gateways that deliver text-message and voice codes, chosen by `SMS_GATEWAY`.

A gateway is a class with `send_sms(number, message)` and `call(number, message)`
that either hands the message to its provider or raises `GatewayError`; it never
says a code went out when it did not. Two ship with harp:

- `ConsoleGateway`, the development default, writes the message to the log. With
  `DJANGO_DEBUG=0` the portal refuses to start with it unless
  `ALLOW_CONSOLE_DELIVERY=1` (harp.apps), because the log would hold every code.
- `TwilioGateway` sends through Twilio's REST API with its own client library. It
  logs the outcome and the provider's reference, never the message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("harp.gateways")

CONSOLE_GATEWAY = "harp.gateways.ConsoleGateway"
TWILIO_GATEWAY = "harp.gateways.TwilioGateway"


class GatewayError(Exception):
    """The provider did not take the message: nothing was sent."""


class Gateway:
    def send_sms(self, number: str, message: str) -> None:
        raise NotImplementedError

    def call(self, number: str, message: str) -> None:
        raise NotImplementedError


class ConsoleGateway(Gateway):
    """The development default: writes the message to the log instead of sending it."""

    def send_sms(self, number: str, message: str) -> None:
        logger.warning("SMS to %s: %s", number, message)

    def call(self, number: str, message: str) -> None:
        logger.warning("Voice call to %s: %s", number, message)


def e164(number: str) -> str:
    """+1 and ten digits for a U.S. number; any other digits keep their own code."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 10:
        digits = f"1{digits}"
    return f"+{digits}"


def _masked(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"***{digits[-4:]}"


class TwilioGateway(Gateway):
    """Text messages and voice calls through Twilio (`twilio` on PyPI).

    Needs `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_FROM_NUMBER`; a call
    reads the message out with TwiML `<Say>`, twice. `TWILIO_API_BASE_URL` replaces
    the API host (tests point it at a local fake); `TWILIO_TIMEOUT` bounds each
    request.
    """

    def __init__(self) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        # The library logs each request's URL and headers at INFO; never the body.
        http_client = TwilioHttpClient(
            timeout=settings.TWILIO_TIMEOUT, logger=logging.getLogger("twilio.http")
        )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=http_client,
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send_sms(self, number: str, message: str) -> None:
        self._deliver(
            "sms",
            number,
            lambda: self.client.messages.create(
                to=e164(number), from_=settings.TWILIO_FROM_NUMBER, body=message
            ),
        )

    def call(self, number: str, message: str) -> None:
        from twilio.twiml.voice_response import VoiceResponse

        twiml = VoiceResponse()
        twiml.say(message)
        twiml.pause(length=1)
        twiml.say(message)
        self._deliver(
            "voice",
            number,
            lambda: self.client.calls.create(
                to=e164(number), from_=settings.TWILIO_FROM_NUMBER, twiml=str(twiml)
            ),
        )

    def _deliver(self, kind: str, number: str, send: Any) -> None:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            resource = send()
        except TwilioRestException as exc:
            logger.warning(
                "Twilio refused a %s code to %s: HTTP %s, error %s",
                kind,
                _masked(number),
                exc.status,
                exc.code,
            )
            raise GatewayError(f"Twilio answered HTTP {exc.status}") from None
        except (TwilioException, RequestException, ValueError) as exc:
            logger.warning(
                "Twilio could not be reached for a %s code to %s: %s",
                kind,
                _masked(number),
                type(exc).__name__,
            )
            raise GatewayError(type(exc).__name__) from None
        logger.info(
            "Twilio accepted a %s code to %s: %s", kind, _masked(number), resource.sid
        )


def get_gateway() -> Gateway:
    return import_string(settings.SMS_GATEWAY)()
