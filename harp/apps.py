from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def console_delivery_check() -> None:
    """Refuse the production form with delivery that only writes to the log.

    The console text gateway logs every code it would send, and the console email
    backend every email: sign-in codes, password reset and confirmation links.
    In production the log is read by more people than the account holders.
    `ALLOW_CONSOLE_DELIVERY=1` is for trying the production form on one machine.
    """
    if settings.DEBUG:
        return
    from harp.gateways import CONSOLE_GATEWAY, TWILIO_GATEWAY

    if settings.SMS_GATEWAY == TWILIO_GATEWAY:
        missing = [
            name
            for name in (
                "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN",
                "TWILIO_FROM_NUMBER",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(
                f"SMS_GATEWAY is the Twilio gateway: set {', '.join(missing)}."
            )
    if settings.ALLOW_CONSOLE_DELIVERY:
        return
    problems = []
    if settings.SMS_GATEWAY == CONSOLE_GATEWAY:
        problems.append(
            "SMS_GATEWAY is the console gateway, which writes every text and voice "
            f"code to the log: set SMS_GATEWAY to a real gateway ({TWILIO_GATEWAY})."
        )
    if settings.OUTBOX_DELIVERY_BACKEND == CONSOLE_EMAIL_BACKEND:
        problems.append(
            "Email goes to the console, which writes every code and link to the "
            "log: set EMAIL_URL (or EMAIL_HOST)."
        )
    if problems:
        raise ImproperlyConfigured(
            " ".join(problems) + " Only to try the production form on one machine, set "
            "ALLOW_CONSOLE_DELIVERY=1."
        )


class HarpConfig(AppConfig):
    name = "harp"
    verbose_name = "HARP: identity, sign-in, audit and status"

    def ready(self) -> None:
        from harp import auth_events, backends

        auth_events.connect()
        backends.connect()
        _status_banner_connect()
        console_delivery_check()
        _helpdesk_queues_register()


def _status_banner_connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from harp.models import SystemComponent
    from harp.page_cache import public_pages_invalidate
    from harp.selectors import status_banner_forget

    def changed(sender: object, **kwargs: object) -> None:
        status_banner_forget()
        # Every cached public page shows the banner, and /status/ the components.
        public_pages_invalidate()

    post_save.connect(changed, sender=SystemComponent, weak=False)
    post_delete.connect(changed, sender=SystemComponent, weak=False)


def _helpdesk_queues_register() -> None:
    from harp.helpdesk import (
        HelpDeskQueue,
        activation_request_count,
        helpdesk_queue_register,
        locked_user_count,
    )

    helpdesk_queue_register(
        HelpDeskQueue(
            key="activation",
            title="Activation requests",
            description="Accounts whose email address was never confirmed: find one "
            "by user ID or email and confirm it, with a reason.",
            url_name="helpdesk:activation",
            permission="harp.activate_user",
            count=activation_request_count,
            count_label="not confirmed",
            position=20,
        )
    )
    helpdesk_queue_register(
        HelpDeskQueue(
            key="unlocks",
            title="Sign-in unlocks",
            description="Accounts locked after repeated failed sign-ins or codes.",
            url_name="helpdesk:unlocks",
            permission="harp.unlock_user",
            count=locked_user_count,
            count_label="locked now",
            position=40,
        )
    )
