from harp.models.audit import AuditEvent, AuditEventImmutableError, AuditEventQuerySet
from harp.models.devices import BackupCode, BackupCodeDevice, PhoneDevice
from harp.models.messages import DashboardMessage, DashboardMessageRead
from harp.models.outbox import OutboxMessage
from harp.models.status import SystemComponent
from harp.models.users import User, UserIdChangedError

__all__ = [
    "AuditEvent",
    "AuditEventImmutableError",
    "AuditEventQuerySet",
    "BackupCode",
    "BackupCodeDevice",
    "DashboardMessage",
    "DashboardMessageRead",
    "OutboxMessage",
    "PhoneDevice",
    "SystemComponent",
    "User",
    "UserIdChangedError",
]
