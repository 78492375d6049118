"""The publisher actor: coalesces sends into ``SendMessageBatch`` calls.

Callers ask it to publish one message and get back the queue's message id::

    publisher = await runtime.spawn(
        lambda: QueuePublisher(transport=queue, codec=codec, sender="ads-api"),
        name="publisher:mango-ads",
    )
    message_id = await publisher.ask(Publish(CreativeCollected(...), trace_id=trace))

Every ask queued while a batch is in flight joins the next batch (up to 10 messages, or
after ``linger`` seconds), so a busy gateway makes one SQS call per ten messages. Entries
that fail without being the sender's fault are retried with backoff; after the last
attempt the ask raises :class:`~mango.errors.PublishError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import msgspec
import structlog

from mango.batching import BatchActor
from mango.errors import MessageTooLargeError, PublishError, QueueUnavailableError
from mango.ids import IdSeries
from mango.messages import Message, MessageCodec, message_type_name
from mango.metrics import Metrics
from mango.metrics import metrics as process_metrics
from mango.supervision import backoff_delay
from mango.transport.base import (
    ATTR_SENDER,
    ATTR_SENT_AT,
    ATTR_TRACE_ID,
    ATTR_TYPE,
    OutgoingMessage,
    QueueTransport,
)

__all__ = ["Publish", "QueuePublisher", "new_trace_id"]

log = structlog.get_logger("mango.publisher")


_trace_ids = IdSeries()


def new_trace_id() -> str:
    """Return a fresh trace id: 32 hex characters, unique (see :mod:`mango.ids`)."""
    return _trace_ids.next()


class Publish(msgspec.Struct, frozen=True, gc=False):
    """Ask the publisher to send ``message``; the reply is the queue's message id.

    Attributes:
        message: The message to send.
        trace_id: Carried in the message attributes; a new one when None.
        delay_seconds: Seconds before the message becomes visible (0-900).
    """

    message: Message
    trace_id: str | None = None
    delay_seconds: int = 0


class QueuePublisher(BatchActor):
    """Publishes messages to one queue in batches of up to 10.

    Args:
        transport: The queue to publish to.
        codec: Encodes the messages (and checks they belong to the queue's union).
        sender: Service name written to the ``mango.sender`` attribute.
        linger: Seconds to wait for a batch to fill; a few milliseconds trade a little
            latency for far fewer calls.
        max_attempts: Send attempts per entry for failures that are not the sender's fault.
        retry_backoff: Base delay between attempts, in seconds.
        metrics: Where batch sizes go; the process-wide registry by default.
    """

    max_batch = 10

    def __init__(
        self,
        *,
        transport: QueueTransport,
        codec: MessageCodec[Any],
        sender: str,
        linger: float = 0.002,
        max_attempts: int = 5,
        retry_backoff: float = 0.2,
        metrics: Metrics | None = None,
    ) -> None:
        self.transport = transport
        self.codec = codec
        self.sender = sender
        self.linger = linger
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.calls = 0
        self.sent = 0
        self._batch_sizes = (metrics or process_metrics).publisher_batch_size.labels(
            queue=transport.name
        )
        self._type_names = {cls: message_type_name(cls) for cls in codec.types}

    async def receive_batch(self, messages: list[Any]) -> list[Any]:
        """Encode, send in one batch, retry what failed; one result per message."""
        results: list[Any] = [None] * len(messages)
        pending: dict[str, OutgoingMessage] = {}
        sent_at = f"{time.time():.3f}"  # one clock read for the batch that goes out now
        for index, request in enumerate(messages):
            try:
                pending[str(index)] = self._entry(str(index), request, sent_at)
            except (MessageTooLargeError, TypeError, ValueError) as exc:
                results[index] = exc
        attempt = 0
        while pending:
            attempt += 1
            failures = await self._send(list(pending.values()), results)
            retry: dict[str, OutgoingMessage] = {}
            for entry_id, (code, reason, sender_fault) in failures.items():
                if sender_fault or attempt >= self.max_attempts:
                    results[int(entry_id)] = PublishError(
                        f"publishing to {self.transport.name!r} failed: {code}: {reason}"
                    )
                else:
                    retry[entry_id] = pending[entry_id]
            pending = retry
            if pending:
                log.warning("publisher.retrying", queue=self.transport.name, entries=len(pending))
                await asyncio.sleep(
                    backoff_delay(attempt, base=self.retry_backoff, cap=self.retry_backoff * 16)
                )
        return results

    async def _send(
        self, entries: Sequence[OutgoingMessage], results: list[Any]
    ) -> dict[str, tuple[str, str, bool]]:
        """Send one batch; fill ``results`` for successes; return the failures."""
        try:
            self.calls += 1
            self._batch_sizes.observe(len(entries))
            outcome = await self.transport.send_batch(entries)
        except QueueUnavailableError as exc:
            return {entry.id: ("QueueUnavailable", str(exc), False) for entry in entries}
        for entry_id, message_id in outcome.successful.items():
            results[int(entry_id)] = message_id
            self.sent += 1
        return dict(outcome.failed)

    def _entry(self, entry_id: str, request: Any, sent_at: str) -> OutgoingMessage:
        if not isinstance(request, Publish):
            raise TypeError(f"QueuePublisher accepts Publish, not {type(request).__name__}")
        message = request.message
        type_name = self._type_names.get(type(message))
        if type_name is None:
            raise TypeError(
                f"{type(message).__name__} is not a message of queue {self.transport.name!r}"
            )
        body = self.codec.encode(message)
        if len(body) > self.transport.max_body_bytes:
            raise MessageTooLargeError(
                f"{type_name} message is {len(body)} bytes, over the "
                f"{self.transport.max_body_bytes}-byte limit of queue {self.transport.name!r}"
            )
        return OutgoingMessage(
            id=entry_id,
            body=body,
            attributes={
                ATTR_TYPE: type_name,
                ATTR_TRACE_ID: request.trace_id or new_trace_id(),
                ATTR_SENDER: self.sender,
                ATTR_SENT_AT: sent_at,
            },
            delay_seconds=request.delay_seconds,
        )
