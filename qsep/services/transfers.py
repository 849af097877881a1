"""Transfers: the help desk moves a learner to another State Agency."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from harp.emails import send_templated_email
from harp.models import User
from harp.services import audit_event_record, dashboard_message_send
from iqies_roles.models import Organization, OrganizationKind
from qsep.models import LearnerProfile, LearnerTransfer
from qsep.selectors.transfers import state_training_coordinators
from qsep.services.learners import learner_profile_ensure

LEARNER_TRANSFERRED = "qsep.learner_transferred"


class TransferError(Exception):
    """A transfer the rules refuse; nothing was written."""


def _agency_name(agency: Organization | None) -> str:
    return agency.name if agency is not None else "no State Agency"


@transaction.atomic
def learner_transfer(
    *,
    learner: User,
    to_agency: Organization,
    reason: str,
    actor: User,
    request: HttpRequest | None,
) -> LearnerTransfer:
    """Move a learner to another State Agency (the help desk; `qsep.transfer_learner`).

    The learner's State Agency is their location in every report, so the old
    agency's coordinators lose sight of them at once and the new one's gain it;
    their enrollments, certificates and transcript are theirs and move with them.
    Refused, writing nothing: no reason, the agency they are at already, an
    organization that is not a State Agency or is inactive, and one's own
    account. The profile row is locked before it is read, so two agents moving
    one learner at once are told the same as one after the other. The learner and
    the State Training Coordinators of both agencies get an email and a dashboard
    message; the transfer is audited with its reason.
    """
    reason = reason.strip()
    if not reason:
        raise TransferError("Give the reason for the transfer.")
    if learner.pk == actor.pk:
        raise TransferError("Nobody transfers themselves: ask another agent.")
    if to_agency.kind != OrganizationKind.STATE_AGENCY:
        raise TransferError(f"{to_agency} is not a State Agency.")
    if not to_agency.is_active:
        raise TransferError(f"{to_agency} is inactive: learners cannot move there.")
    learner_profile_ensure(user=learner)
    profile = (
        LearnerProfile.objects.select_for_update(of=("self",))
        .select_related("state_agency")
        .get(user=learner)
    )
    if profile.state_agency_id == to_agency.pk:
        raise TransferError(
            f"{learner.username} is at {to_agency.name} already. Nothing was changed."
        )
    from_agency = profile.state_agency
    profile.state_agency = to_agency
    profile.save(update_fields=["state_agency"])
    transfer = LearnerTransfer(
        learner=learner,
        from_agency=from_agency,
        to_agency=to_agency,
        reason=reason,
        transferred_by=actor,
    )
    transfer.full_clean(
        exclude=["learner", "from_agency", "to_agency", "transferred_by"]
    )
    transfer.save()
    audit_event_record(
        action=LEARNER_TRANSFERRED,
        actor=actor,
        target=learner,
        request=request,
        details={
            "transfer": transfer.pk,
            "from": _agency_name(from_agency),
            "from_state": from_agency.state if from_agency is not None else "",
            "to": to_agency.name,
            "to_state": to_agency.state,
            "reason": reason,
        },
    )
    _transfer_notify(transfer=transfer, request=request)
    return transfer


def _transfer_notify(*, transfer: LearnerTransfer, request: HttpRequest | None) -> None:
    learner = transfer.learner
    old, new = transfer.from_agency, transfer.to_agency
    training = reverse("qsep:my")
    context = {
        "learner": learner,
        "from_name": _agency_name(old),
        "to_name": new.name,
        "training_url": request.build_absolute_uri(training) if request else training,
    }
    subject = f"You moved to {new.name}"
    send_templated_email(
        to=learner.email,
        subject=subject,
        template="qsep/email/learner_transferred.txt",
        context=context,
    )
    dashboard_message_send(
        recipient=learner,
        subject=subject,
        body=f"The help desk moved your training record from {_agency_name(old)} "
        f"to {new.name}. Your courses, certificates and transcript stay yours; "
        f"the training coordinators of {new.name} now see your training.",
        link=training,
    )
    agencies = [agency for agency in (old, new) if agency is not None]
    for role in state_training_coordinators(agencies=agencies):
        coordinator = role.user
        if coordinator.pk == learner.pk:
            continue
        joined = role.organization_id == new.pk
        subject = (
            f"{learner.full_name or learner.username} joined {new.name}"
            if joined
            else f"{learner.full_name or learner.username} left "
            f"{role.organization.name}"
        )
        send_templated_email(
            to=coordinator.email,
            subject=subject,
            template="qsep/email/learner_transferred_coordinator.txt",
            context={**context, "coordinator": coordinator, "joined": joined},
        )
        dashboard_message_send(
            recipient=coordinator,
            subject=subject,
            body=(
                f"The help desk moved {learner.full_name} (user ID "
                f"{learner.username}) from {_agency_name(old)} to {new.name}. "
                + (
                    "They are now among your learners in the reports."
                    if joined
                    else "They are no longer among your learners in the reports."
                )
            ),
        )
