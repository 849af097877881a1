"""Gateways for tests: one keeps what it would have sent, one always fails."""

from harp.gateways import Gateway, GatewayError


class RecordingGateway(Gateway):
    sent: list[tuple[str, str, str]] = []

    def send_sms(self, number: str, message: str) -> None:
        self.sent.append(("sms", number, message))

    def call(self, number: str, message: str) -> None:
        self.sent.append(("voice", number, message))


class FailingGateway(Gateway):
    """A provider that refuses every message, as one does when it is down."""

    def send_sms(self, number: str, message: str) -> None:
        raise GatewayError("refused")

    def call(self, number: str, message: str) -> None:
        raise GatewayError("refused")
