"""Every write harp makes, one function per use case, grouped by subject."""

from harp.services.accounts import (
    challenge_answer_hash,
    challenge_answer_matches,
    email_confirmation_resend,
    user_id_reminder_send,
    user_identity_correct,
    user_register,
    user_sign_in_failed,
    user_unlock,
)
from harp.services.audit import audit_event_record
from harp.services.messages import (
    dashboard_broadcast_create,
    dashboard_message_mark,
    dashboard_message_send,
)
from harp.services.outbox import (
    outbox_message_create,
    outbox_message_enqueue,
    outbox_message_requeue,
    outbox_message_resend_pending,
    outbox_message_send,
    outbox_messages_create_bulk,
    outbox_messages_enqueue,
)
from harp.services.two_factor import (
    backup_codes_generate,
    device_confirm,
    device_remove,
    device_rename,
    email_device_start,
    phone_device_start,
    second_factor_challenge,
    second_factor_verify,
    totp_device_start,
)

__all__ = [
    "audit_event_record",
    "backup_codes_generate",
    "challenge_answer_hash",
    "challenge_answer_matches",
    "dashboard_broadcast_create",
    "dashboard_message_mark",
    "dashboard_message_send",
    "device_confirm",
    "device_remove",
    "device_rename",
    "email_confirmation_resend",
    "email_device_start",
    "outbox_message_create",
    "outbox_message_enqueue",
    "outbox_message_requeue",
    "outbox_message_resend_pending",
    "outbox_message_send",
    "outbox_messages_create_bulk",
    "outbox_messages_enqueue",
    "phone_device_start",
    "second_factor_challenge",
    "second_factor_verify",
    "totp_device_start",
    "user_id_reminder_send",
    "user_identity_correct",
    "user_register",
    "user_sign_in_failed",
    "user_unlock",
]
