"""The queue transport protocol: the SQS operations the consumer and publisher need.

Two implementations share one contract suite: ``memory`` (in-process, SQS semantics, for
tests and ``mango dev``) and ``sqs`` (aiobotocore, any SQS-compatible endpoint). A
:class:`QueueBroker` is a process-wide resource that opens :class:`QueueTransport` handles by
queue name; the URL scheme (``memory://name`` or ``sqs://name``) selects the broker.

The value types built for every message (entries, received messages, batch results) are
frozen ``msgspec.Struct`` types rather than frozen dataclasses: built in C, several times
cheaper per object, and, holding plain data only, left out of the garbage collector's
tracking (``gc=False``), so they do not bring its collections sooner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import msgspec

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

# Message attributes mango writes on every message (SQS String attributes).
ATTR_TYPE = "mango.type"
ATTR_TRACE_ID = "mango.trace_id"
ATTR_SENDER = "mango.sender"
ATTR_SENT_AT = "mango.sent_at"
ATTR_DEAD_LETTER_REASON = "mango.dead_letter_reason"

DEFAULT_MAX_BODY_BYTES = 256 * 1024
"""What every emulator and older region accepts; AWS raised its own limit to 1 MiB in 2025."""


def dead_letter_name(queue: str) -> str:
    """Return the name of ``queue``'s dead-letter queue (``<queue>-dlq``)."""
    return f"{queue}-dlq"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSpec:
    """How a queue is created: its dead-letter queue and redrive policy.

    Attributes:
        name: Queue name.
        visibility_timeout: Seconds a received message stays invisible.
        max_receive_count: Receives after which a message moves to the dead-letter queue.
        wait_seconds: The queue's default long-poll wait (ReceiveMessageWaitTimeSeconds).
        retention_seconds: How long messages are kept.
    """

    name: str
    visibility_timeout: int = 30
    max_receive_count: int = 5
    wait_seconds: int = 20
    retention_seconds: int = 14 * 24 * 3600

    @property
    def dead_letter(self) -> str:
        """Name of this queue's dead-letter queue."""
        return dead_letter_name(self.name)


class OutgoingMessage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One entry of a send batch.

    Attributes:
        id: Entry id, unique within the batch (SQS: up to 80 of ``[A-Za-z0-9_-]``).
        body: The message body (UTF-8 JSON for mango messages).
        attributes: String message attributes.
        delay_seconds: Seconds before the message becomes visible.
    """

    id: str
    body: bytes
    attributes: Mapping[str, str] = msgspec.field(default_factory=dict)
    delay_seconds: int = 0


class ReceivedMessage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A message handed out by ``receive``; invisible to others until it is deleted.

    Attributes:
        message_id: The queue's id of the message (stable across receives).
        receipt_handle: Handle of this receive, for delete and visibility changes.
        body: The message body.
        attributes: String message attributes.
        receive_count: ApproximateReceiveCount, this receive included.
        sent_at: Epoch seconds the message was first sent.
    """

    message_id: str
    receipt_handle: str
    body: bytes
    attributes: Mapping[str, str]
    receive_count: int
    sent_at: float


class DeleteEntry(msgspec.Struct, frozen=True, gc=False):
    """One entry of a delete batch: an entry id and the receipt handle to delete."""

    id: str
    receipt_handle: str


class VisibilityEntry(msgspec.Struct, frozen=True, gc=False):
    """One entry of a change-visibility batch."""

    id: str
    receipt_handle: str
    timeout: int


class BatchResult(msgspec.Struct, frozen=True, gc=False):
    """Per-entry outcome of a batch call.

    Attributes:
        successful: Entry ids that succeeded, with the queue's message id for sends.
        failed: Entry id to ``(code, reason, sender_fault)`` for each failed entry. Entries
            that are not the sender's fault may be retried.
    """

    successful: Mapping[str, str] = msgspec.field(default_factory=dict)
    failed: Mapping[str, tuple[str, str, bool]] = msgspec.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Approximate counts of a queue and its dead-letter queue."""

    name: str
    visible: int
    in_flight: int
    delayed: int
    dead_letters: int | None


@runtime_checkable
class QueueTransport(Protocol):
    """One queue, as the consumer and publisher see it. Batches hold at most 10 entries."""

    name: str
    spec: QueueSpec
    max_body_bytes: int

    async def send_batch(self, entries: Sequence[OutgoingMessage]) -> BatchResult:
        """Send up to 10 messages; failed entries are reported, not raised.

        Raises:
            MessageTooLargeError: An entry's body exceeds ``max_body_bytes`` (nothing sent).
            QueueUnavailableError: The endpoint cannot be reached after retries.
        """
        ...

    async def receive(
        self, *, max_messages: int, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        """Receive up to ``max_messages`` (1-10), long-polling up to ``wait_seconds``.

        Returns as soon as at least one message is available, or empty after the wait.
        """
        ...

    async def delete_batch(self, entries: Sequence[DeleteEntry]) -> BatchResult:
        """Delete up to 10 received messages by receipt handle."""
        ...

    async def change_visibility_batch(self, entries: Sequence[VisibilityEntry]) -> BatchResult:
        """Set the visibility timeout of up to 10 received messages (0 releases them)."""
        ...

    async def dead_letter(self, message: ReceivedMessage, *, reason: str) -> None:
        """Move ``message`` to the dead-letter queue at once, with ``reason`` attached."""
        ...

    async def stats(self) -> QueueStats:
        """Approximate visible, in-flight and delayed counts, and the dead-letter depth."""
        ...


@runtime_checkable
class QueueBroker(Protocol):
    """A process-wide connection to a queue service that opens queues by name."""

    scheme: str

    async def create_queue(self, spec: QueueSpec) -> None:
        """Create ``spec``'s queue and its dead-letter queue with a redrive policy (idempotent)."""
        ...

    async def open_queue(self, spec: QueueSpec) -> QueueTransport:
        """Return a transport for an existing queue (resolved once, then cached)."""
        ...

    async def ping(self) -> bool:
        """Return whether the service answers right now (for readiness)."""
        ...
