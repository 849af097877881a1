"""A gateway for tests: keeps what it would have sent, so tests can read the code."""

from harp.gateways import Gateway


class RecordingGateway(Gateway):
    sent: list[tuple[str, str, str]] = []

    def send_sms(self, number: str, message: str) -> None:
        self.sent.append(("sms", number, message))

    def call(self, number: str, message: str) -> None:
        self.sent.append(("voice", number, message))
