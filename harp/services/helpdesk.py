"""The help desk's own actions on accounts (unlocking lives in accounts.py)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from harp import emails
from harp.audit import AuditAction
from harp.models import User
from harp.services.audit import audit_event_record


class HelpDeskError(Exception):
    """An action the rules refuse; the message says why and that nothing changed."""


@transaction.atomic
def user_activate(
    *, user: User, actor: User, reason: str, request: HttpRequest | None
) -> EmailAddress:
    """Confirm by hand the email address of an account that never confirmed it.

    For a person whose confirmation link never arrived or ran out. Only the
    primary address is marked confirmed: nothing else changes (not `is_active`,
    not a password, a device, a group or a permission). A reason is required and
    kept in the audit event; the person is emailed that they can sign in.
    Refused, changing nothing: an address already confirmed (also when two agents
    act at once: the address row is locked before it is read), an account with no
    address, and a superuser's account unless the actor is a superuser.
    """
    reason = reason.strip()
    if not reason:
        raise HelpDeskError("Give the reason for activating this account.")
    if user.is_superuser and not actor.is_superuser:
        raise HelpDeskError(
            "Only a superuser activates a superuser's account. Nothing was changed."
        )
    address = (
        EmailAddress.objects.select_for_update().filter(user=user, primary=True).first()
    )
    if address is None:
        raise HelpDeskError(
            "This account has no email address to confirm. Nothing was changed."
        )
    if address.verified:
        raise HelpDeskError(
            f"The email address of {user.username} is already confirmed: the "
            "account needs no activation. Nothing was changed."
        )
    address.verified = True
    address.save(update_fields=["verified"])
    audit_event_record(
        action=AuditAction.USER_ACTIVATED,
        actor=actor,
        target=user,
        request=request,
        details={"reason": reason},
    )
    sign_in = reverse("account_login")
    emails.send_account_activated(
        to=address.email,
        user_id=user.username,
        sign_in_url=request.build_absolute_uri(sign_in) if request else sign_in,
    )
    return address
