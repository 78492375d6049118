"""mango: a small asyncio actor runtime for HTTP gateways and SQS consumers.

Business code imports the runtime from here, never from the private modules.
"""

from mango.actor import Actor, handler
from mango.errors import (
    ActorDeadError,
    ActorStartError,
    AskTimeout,
    EscalationError,
    MailboxFullError,
    MangoError,
    MessageDecodeError,
    MessageTooLargeError,
    QueueUnavailableError,
    RegistrationFrozenError,
    SettingsError,
    UnhandledMessageError,
)
from mango.messages import Message, MessageCodec, message_type_name
from mango.ref import ActorRef
from mango.runtime import Resource, Runtime
from mango.supervision import Strategy, SupervisionPolicy

__all__ = [
    "Actor",
    "ActorDeadError",
    "ActorRef",
    "ActorStartError",
    "AskTimeout",
    "EscalationError",
    "MailboxFullError",
    "MangoError",
    "Message",
    "MessageCodec",
    "MessageDecodeError",
    "MessageTooLargeError",
    "QueueUnavailableError",
    "RegistrationFrozenError",
    "Resource",
    "Runtime",
    "SettingsError",
    "Strategy",
    "SupervisionPolicy",
    "UnhandledMessageError",
    "handler",
    "message_type_name",
]
