"""The Twilio gateway against a local fake of Twilio's REST API."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from harp.gateways import GatewayError, TwilioGateway, e164
from harp.models import PhoneDevice
from tests.harp.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-auth-token-for-tests"
FROM_NUMBER = "+14105550100"


@dataclass
class FakeTwilio:
    """What the fake API received, and the status it answers with."""

    url: str
    status: int = 201
    requests: list[dict[str, object]] = field(default_factory=list)


def _handler(fake_holder: list[FakeTwilio]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            fake = fake_holder[0]
            length = int(self.headers.get("Content-Length", 0))
            form = {
                key: values[0]
                for key, values in parse_qs(self.rfile.read(length).decode()).items()
            }
            fake.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization", ""),
                    "form": form,
                }
            )
            if fake.status >= 400:
                # Twilio's error body; it echoes what it was sent, so a gateway that
                # logged the provider's message would log the code.
                payload = {
                    "code": 21211,
                    "message": f"Invalid request: {form}",
                    "more_info": "https://example.org/errors/21211",
                    "status": fake.status,
                }
            else:
                kind = "CA" if self.path.endswith("/Calls.json") else "SM"
                payload = {
                    "sid": kind + "2" * 32,
                    "account_sid": ACCOUNT_SID,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body"),
                    "status": "queued",
                }
            body = json.dumps(payload).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake_twilio(settings, monkeypatch) -> Iterator[FakeTwilio]:
    holder: list[FakeTwilio] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    server.timeout = 5
    fake = FakeTwilio(url=f"http://127.0.0.1:{server.server_address[1]}")
    holder.append(fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings.SMS_GATEWAY = "harp.gateways.TwilioGateway"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_API_BASE_URL = fake.url
    settings.TWILIO_TIMEOUT = 5.0
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def send_code(client, method: str):
    return client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "send", "number": "(410) 555-0142", "method": method},
        follow=True,
    )


def expected_auth() -> str:
    return "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def test_a_text_code_goes_to_twilio_with_the_right_fields(client, fake_twilio, caplog):
    caplog.set_level(logging.DEBUG)
    user = UserFactory(username="twilio001")
    client.force_login(user)
    page = send_code(client, "sms").content.decode()
    assert "We sent a code to (***) ***-0142" in page

    device = PhoneDevice.objects.get(user=user, confirmed=False)
    (request,) = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["authorization"] == expected_auth()
    form = request["form"]
    assert form["To"] == "+14105550142"
    assert form["From"] == FROM_NUMBER
    assert device.token in form["Body"]
    assert device.token not in caplog.text
    assert AUTH_TOKEN not in caplog.text

    confirm = client.post(
        reverse("harp:two-factor-setup-phone"),
        {"action": "verify", "token": device.token},
    )
    assert confirm.url == reverse("harp:two-factor-backup-codes")


def test_a_voice_code_is_read_out_by_twilio_with_say(client, fake_twilio, caplog):
    caplog.set_level(logging.DEBUG)
    user = UserFactory(username="twilio002")
    client.force_login(user)
    page = send_code(client, "voice").content.decode()
    assert "We are calling (***) ***-0142 now to read you a code." in page

    device = PhoneDevice.objects.get(user=user, confirmed=False)
    (request,) = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert request["authorization"] == expected_auth()
    form = request["form"]
    assert (form["To"], form["From"]) == ("+14105550142", FROM_NUMBER)
    spoken = ", ".join(device.token)
    assert form["Twiml"].startswith("<?xml")
    assert form["Twiml"].count("<Say>") == 2
    assert f"Your code is {spoken}." in form["Twiml"]
    assert device.token not in caplog.text
    assert spoken not in caplog.text


@pytest.mark.parametrize("status", [400, 401, 500, 503])
@pytest.mark.parametrize("method", ["sms", "voice"])
def test_a_refusal_from_twilio_gives_a_clear_page_and_no_sent_message(
    client, fake_twilio, caplog, status, method
):
    caplog.set_level(logging.DEBUG)
    fake_twilio.status = status
    user = UserFactory(username=f"twilio{status}{method[0]}")
    client.force_login(user)
    response = send_code(client, method)
    assert response.status_code == 200
    page = response.content.decode()
    assert "We could not send the code. Try again, or choose another method." in page
    assert "We sent" not in page
    assert "We are calling" not in page
    assert not PhoneDevice.objects.filter(user=user).exists()
    (request,) = fake_twilio.requests
    form = request["form"]
    if method == "sms":
        code = re.search(r"code: (\d{6})\.", form["Body"]).group(1)
    else:
        spoken = re.search(r"Your code is ([\d, ]+)\.", form["Twiml"]).group(1)
        assert spoken not in caplog.text
        code = spoken.replace(", ", "")
    assert len(code) == 6
    assert code not in caplog.text
    assert f"HTTP {status}" in caplog.text


def test_an_unreachable_twilio_gives_a_clear_page_at_sign_in(client, settings):
    settings.SMS_GATEWAY = "harp.gateways.TwilioGateway"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:1"
    settings.TWILIO_TIMEOUT = 2.0
    user = UserFactory(username="twilio003")
    TOTPDevice.objects.create(user=user, name="App")
    device = PhoneDevice.objects.create(
        user=user, name="Phone", number="4105550142", method="sms"
    )
    client.post(
        reverse("account_login"),
        {"login": "twilio003", "password": "correct horse battery"},
    )
    response = client.post(
        reverse("harp:two-factor-verify"),
        {"device": device.persistent_id, "action": "send"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "We could not send the code. Try again, or choose another method." in page
    assert "We sent" not in page


def test_the_gateway_raises_rather_than_pretending(fake_twilio):
    fake_twilio.status = 500
    with pytest.raises(GatewayError):
        TwilioGateway().send_sms("4105550142", "code 123456")


def test_numbers_are_sent_in_e164_form():
    assert e164("(410) 555-0142") == "+14105550142"
    assert e164("14105550142") == "+14105550142"
