from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ProofingConfig(AppConfig):
    name = "proofing"
    verbose_name = "Identity proofing"

    def ready(self) -> None:
        from harp.selectors import profile_section_register
        from proofing.profile import proofing_section

        profile_section_register(proofing_section)
        _helpdesk_queue_register()
        # A test vendor in production would "prove" anyone who read the README.
        if (
            not settings.DEBUG
            and settings.PROOFING_VENDOR
            == "proofing.vendors.experian_stub.ExperianStub"
            and not settings.PROOFING_ALLOW_STUB
        ):
            raise ImproperlyConfigured(
                "PROOFING_VENDOR is the Experian stub, which proves anyone who knows "
                "its test personas. Set PROOFING_VENDOR to a real vendor, or "
                "PROOFING_ALLOW_STUB=1 for a test environment."
            )


def _helpdesk_queue_register() -> None:
    from harp.helpdesk import HelpDeskQueue, count_capped, helpdesk_queue_register
    from proofing.models import ManualProofingCase

    def waiting() -> int:
        return count_capped(
            ManualProofingCase.objects.filter(
                status=ManualProofingCase.Status.SUBMITTED
            )
        )

    helpdesk_queue_register(
        HelpDeskQueue(
            key="proofing",
            title="Manual proofing",
            description="Identity documents waiting for review: claim a case, view "
            "its documents, decide.",
            url_name="helpdesk:queue",
            permission="proofing.work_proofing_queue",
            count=waiting,
            count_label="waiting for review",
            position=10,
        )
    )
