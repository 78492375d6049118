"""mango: a small asyncio actor runtime for HTTP gateways and SQS consumers.

Business code imports the runtime from here, never from the private modules.
"""

from mango.actor import Actor, handler
from mango.batching import BatchActor
from mango.consumer import ConsumerOptions, ConsumerStats, QueueConsumer, WaitIdle
from mango.errors import (
    ActorDeadError,
    ActorStartError,
    AskTimeout,
    EscalationError,
    MailboxFullError,
    MangoError,
    MessageDecodeError,
    MessageTooLargeError,
    PublishError,
    QueueUnavailableError,
    RegistrationFrozenError,
    RejectMessage,
    RetryLater,
    SettingsError,
    UnhandledMessageError,
)
from mango.messages import Message, MessageCodec, message_type_name
from mango.publisher import Publish, QueuePublisher, new_trace_id
from mango.ref import ActorRef
from mango.runtime import Resource, Runtime, cancel_and_wait
from mango.supervision import Strategy, SupervisionPolicy

__all__ = [
    "Actor",
    "ActorDeadError",
    "ActorRef",
    "ActorStartError",
    "AskTimeout",
    "BatchActor",
    "ConsumerOptions",
    "ConsumerStats",
    "EscalationError",
    "MailboxFullError",
    "MangoError",
    "Message",
    "MessageCodec",
    "MessageDecodeError",
    "MessageTooLargeError",
    "Publish",
    "PublishError",
    "QueueConsumer",
    "QueuePublisher",
    "QueueUnavailableError",
    "RegistrationFrozenError",
    "RejectMessage",
    "Resource",
    "RetryLater",
    "Runtime",
    "SettingsError",
    "Strategy",
    "SupervisionPolicy",
    "UnhandledMessageError",
    "WaitIdle",
    "cancel_and_wait",
    "handler",
    "message_type_name",
    "new_trace_id",
]
