"""Demo data for proofing: one person waiting in the manual-proofing queue."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from harp import demo
from proofing.models import ManualProofingCase, ProofingDocument

# A one-page PDF and a 1x1 PNG: enough for the help desk to open and look at.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005fe02fea7d6a4d30000000049454e44ae426082"
)


@demo.register
@transaction.atomic
def load_proofing(say: Callable[[str], None]) -> None:
    person = demo.demo_user(
        username="proofpending",
        totp="JBSWY3DPEHPK3PXPPROOFPENDINGAAAA",
        first_name="Paula",
        last_name="Pending",
        identity_proofed_at=None,
        date_of_birth=datetime.date(1984, 5, 17),
        phone="410-555-0123",
        address_line1="400 Main Street",
        city="Annapolis",
        zip_code="21401",
    )
    if ManualProofingCase.objects.filter(user=person).exists():
        return
    case = ManualProofingCase.objects.create(
        user=person,
        status=ManualProofingCase.Status.SUBMITTED,
        ssn_last4="0042",
        submitted_at=timezone.now(),
    )
    for kind, id_type, name, content_type, content in [
        ("photo_id", "drivers_license", "license.png", "image/png", DEMO_PNG),
        ("financial", "", "bank-statement.pdf", "application/pdf", DEMO_PDF),
        ("financial", "", "pay-stub.pdf", "application/pdf", DEMO_PDF),
    ]:
        document = ProofingDocument(
            case=case,
            kind=kind,
            id_type=id_type,
            original_name=name,
            content_type=content_type,
            size=len(content),
        )
        document.file.save(name, ContentFile(content), save=False)
        document.save()
    say("proofpending a person waiting in the manual-proofing queue")
