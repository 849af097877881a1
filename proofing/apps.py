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
