"""Identity-proofing vendors behind one small interface, chosen by `PROOFING_VENDOR`."""

from django.conf import settings
from django.utils.module_loading import import_string

from proofing.vendors.base import ProofingVendor


def get_vendor() -> ProofingVendor:
    vendor: ProofingVendor = import_string(settings.PROOFING_VENDOR)()
    return vendor
