"""My Dashboard messages: sent to one person, broadcast to an audience, marked read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from harp.audit import AuditAction
from harp.dashboard import audience_choices
from harp.messages import (
    dashboard_broadcast_changed,
    dashboard_message_get,
    dashboard_unread_forget,
)
from harp.models import DashboardMessage, DashboardMessageRead, User
from harp.services.audit import audit_event_record

SUBJECT_MAX = DashboardMessage._meta.get_field("subject").max_length or 200


def message_link_validate(link: str) -> str:
    """A message's link is a page of this portal ("/profile/"), nothing else.

    A broadcast is written by staff but read by everyone, so it may not point
    people at another site ("//example.com", "https://...", "javascript:").
    """
    link = link.strip()
    if link and (
        not link.startswith("/")
        or link.startswith("//")
        or "\\" in link
        or any(char.isspace() or ord(char) < 32 for char in link)
    ):
        raise ValidationError(
            {"link": "Give a page of this portal starting with /, such as /profile/."}
        )
    return link


def dashboard_message_send(
    *, recipient: User, subject: str, body: str, link: str = ""
) -> DashboardMessage:
    """Put a message on one person's dashboard.

    Runs in the caller's transaction, beside the email about the same event, so a
    decision rolled back leaves no message behind. A subject longer than the field
    is cut, never refused: the event it reports has already happened.
    """
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    message = DashboardMessage(
        recipient=recipient,
        subject=subject,
        body=body,
        link=message_link_validate(link),
    )
    # The recipient was loaded by the caller; validating the key would cost a query.
    message.full_clean(exclude=["recipient", "created_by"])
    message.save()
    dashboard_unread_forget(user_pk=recipient.pk)
    return message


@transaction.atomic
def dashboard_broadcast_create(
    *,
    audience: str,
    subject: str,
    body: str,
    link: str = "",
    actor: User,
    request: HttpRequest | None,
    submission_key: str = "",
) -> DashboardMessage:
    """Broadcast one message to an audience: one row however many people it reaches.

    Who may broadcast to which audience is the caller's rule (the admin checks
    `harp.broadcast_message`; a coordinator's page checks their states); this
    refuses an audience that no app offers, with a ValidationError on the field.

    A form's `submission_key` makes it one broadcast however often it is sent:
    sent again, or twice at the same moment, the first broadcast is returned and
    nothing more is written.
    """
    labels = dict(audience_choices())
    if audience not in labels:
        raise ValidationError({"audience": "Choose one of the audiences offered."})
    if submission_key:
        sent = DashboardMessage.objects.filter(
            created_by=actor, submission_key=submission_key
        ).first()
        if sent is not None:
            return sent
    message = DashboardMessage(
        audience=audience,
        subject=subject.strip(),
        body=body.strip(),
        link=message_link_validate(link),
        created_by=actor,
        submission_key=submission_key,
    )
    message.full_clean(exclude=["recipient", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same form, sent at the same moment, was saved first.
        return DashboardMessage.objects.get(
            created_by=actor, submission_key=submission_key
        )
    dashboard_broadcast_changed()
    audit_event_record(
        action=AuditAction.MESSAGE_BROADCAST,
        actor=actor,
        target=message,
        request=request,
        details={"audience": audience, "audience_label": labels[audience]},
    )
    return message


@transaction.atomic
def dashboard_message_mark(*, user: User, message_id: object, read: bool) -> bool:
    """Mark one of the person's messages read or unread; True if it is theirs.

    A message they may not see (someone else's, a broadcast for another audience,
    a forged or non-numeric id) changes nothing and answers False. Marking twice,
    or two tabs at once, ends the same as once.
    """
    message = dashboard_message_get(user=user, message_id=message_id)
    if message is None:
        return False
    if read:
        try:
            with transaction.atomic():
                DashboardMessageRead.objects.create(user=user, message=message)
        except IntegrityError:
            # Already read: marked before, or by another request just now.
            pass
    else:
        DashboardMessageRead.objects.filter(user=user, message=message).delete()
    dashboard_unread_forget(user_pk=user.pk)
    return True
