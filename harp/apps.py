from django.apps import AppConfig


class HarpConfig(AppConfig):
    name = "harp"
    verbose_name = "HARP: identity, sign-in, audit and status"

    def ready(self) -> None:
        from harp import auth_events

        auth_events.connect()
