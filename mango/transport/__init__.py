"""Queue transports: the protocol, and the ``memory`` and ``sqs`` implementations."""

from mango.transport.base import (
    ATTR_DEAD_LETTER_REASON,
    ATTR_SENDER,
    ATTR_SENT_AT,
    ATTR_TRACE_ID,
    ATTR_TYPE,
    DEFAULT_MAX_BODY_BYTES,
    BatchResult,
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    QueueStats,
    QueueTransport,
    ReceivedMessage,
    VisibilityEntry,
    dead_letter_name,
)

__all__ = [
    "ATTR_DEAD_LETTER_REASON",
    "ATTR_SENDER",
    "ATTR_SENT_AT",
    "ATTR_TRACE_ID",
    "ATTR_TYPE",
    "DEFAULT_MAX_BODY_BYTES",
    "BatchResult",
    "DeleteEntry",
    "OutgoingMessage",
    "QueueBroker",
    "QueueSpec",
    "QueueStats",
    "QueueTransport",
    "ReceivedMessage",
    "VisibilityEntry",
    "dead_letter_name",
]
