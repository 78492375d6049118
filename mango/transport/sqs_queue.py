"""The SQS queue transport: one queue's batch calls over the broker's aiobotocore client.

Partial batch failures that are not the sender's fault are sent again with exponential
backoff and full jitter, at most ``send_attempts`` times, then reported: never dropped.

Every call to the endpoint is counted per operation (``SqsQueue.calls`` and
``SqsBroker.calls``) and in the ``mango_sqs_calls_total`` metric, labelled by queue,
operation and outcome: calls per message are what SQS bills and what bounds throughput.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from mango.errors import QueueUnavailableError
from mango.transport.base import (
    BatchResult,
    DeleteEntry,
    OutgoingMessage,
    QueueSpec,
    QueueStats,
    ReceivedMessage,
    VisibilityEntry,
)
from mango.transport.checks import (
    MAX_WAIT_SECONDS,
    check_batch_ids,
    check_receive,
    checked_send_sizes,
    dead_letter_attributes,
)

if TYPE_CHECKING:
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

    from mango.transport.sqs import SqsBroker

__all__ = ["SqsQueue", "counted_call", "unavailable_on_errors"]

Failures = dict[str, tuple[str, str, bool]]

_MISSING_QUEUE = {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"}
_RECEIVE_SYSTEM_ATTRIBUTES: list[Any] = ["ApproximateReceiveCount", "SentTimestamp"]
_STATS_ATTRIBUTES: list[Any] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


def _unavailable(exc: Exception, operation: str, queue: str) -> QueueUnavailableError | None:
    """Return the QueueUnavailableError that ``exc`` stands for, or None if it is not one."""
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return QueueUnavailableError(f"SQS {operation} on {queue!r} failed after retries: {exc}")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _MISSING_QUEUE:
            return QueueUnavailableError(
                f"SQS queue {queue!r} does not exist; create it with `mango queues create`"
            )
        if status >= 500 or status == 429 or "Throttl" in code or "RequestThrottled" in code:
            return QueueUnavailableError(
                f"SQS {operation} on {queue!r} kept failing ({code or status}) after retries"
            )
    return None


@contextmanager
def unavailable_on_errors(operation: str, queue: str) -> Iterator[None]:
    """Turn "endpoint unreachable / overloaded / queue missing" into QueueUnavailableError.

    Args:
        operation: The SQS action, for the message.
        queue: The queue's name, for the message.

    Raises:
        QueueUnavailableError: A connection error, a 5xx or throttling answer that
            botocore's retries did not overcome, or a missing queue.
    """
    try:
        yield
    except (BotoConnectionError, HTTPClientError, ClientError) as exc:
        error = _unavailable(exc, operation, queue)
        if error is None:
            raise
        raise error from exc


class _CountedCall:
    """The context manager of :func:`counted_call` (a class: it wraps every SQS call)."""

    __slots__ = ("_broker", "_operation", "_queue")

    def __init__(self, broker: SqsBroker, operation: str, queue: str) -> None:
        self._broker = broker
        self._operation = operation
        self._queue = queue

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self._broker.count_call(self._queue, self._operation, "ok")
            return
        cancelled = isinstance(exc, asyncio.CancelledError)
        self._broker.count_call(self._queue, self._operation, "cancelled" if cancelled else "error")
        if isinstance(exc, Exception):
            error = _unavailable(exc, self._operation, self._queue)
            if error is not None:
                raise error from exc


def counted_call(broker: SqsBroker, operation: str, queue: str) -> AbstractContextManager[None]:
    """Count one call to the endpoint and report failures as in :func:`unavailable_on_errors`.

    The outcome is ``ok``, ``error``, or ``cancelled`` (a long poll cut short at shutdown).

    Args:
        broker: Its ``calls`` counter and metrics get the call.
        operation: The SQS action (a bounded label value).
        queue: The queue's name (a bounded label value).

    Raises:
        QueueUnavailableError: See :func:`unavailable_on_errors`.
    """
    return _CountedCall(broker, operation, queue)


class SqsQueue:
    """One SQS queue as a :class:`~mango.transport.base.QueueTransport`.

    Args:
        broker: The open broker whose client this queue uses.
        spec: The queue's spec.
        url: The queue's URL.
    """

    def __init__(self, broker: SqsBroker, spec: QueueSpec, url: str) -> None:
        self.name = spec.name
        self.spec = spec
        self.url = url
        self.max_body_bytes = broker.max_body_bytes
        self.calls: Counter[str] = Counter()
        """Calls made through this handle, by SQS operation (successful or not)."""
        self._broker = broker

    def _call(self, operation: str, queue: str | None = None) -> AbstractContextManager[None]:
        self.calls[operation] += 1
        return _CountedCall(self._broker, operation, queue or self.name)

    async def send_batch(self, entries: Sequence[OutgoingMessage]) -> BatchResult:
        """Send up to 10 messages with SendMessageBatch, retrying server-side failures.

        Entries are split into several calls only when together they exceed the batch
        size limit (which equals ``max_body_bytes``).

        Raises:
            MessageTooLargeError: A message exceeds ``max_body_bytes`` (nothing sent).
            ValueError: The batch breaks an SQS rule (see :mod:`mango.transport.checks`).
            QueueUnavailableError: The endpoint is unreachable after retries.
        """
        failed, sizes = checked_send_sizes(entries, max_body_bytes=self.max_body_bytes)
        successful: dict[str, str] = {}
        group: list[OutgoingMessage] = []
        group_size = 0
        for entry, size in zip(entries, sizes, strict=True):
            if entry.id in failed:
                continue
            if group and group_size + size > self.max_body_bytes:
                await self._send_with_retries(group, successful, failed)
                group, group_size = [], 0
            group.append(entry)
            group_size += size
        if group:
            await self._send_with_retries(group, successful, failed)
        return BatchResult(successful=successful, failed=failed)

    async def _send_with_retries(
        self, entries: list[OutgoingMessage], successful: dict[str, str], failed: Failures
    ) -> None:
        pending = {entry.id: entry for entry in entries}
        for attempt in range(self._broker.send_attempts):
            if attempt:
                await asyncio.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
            with self._call("SendMessageBatch"):
                response = await self._broker.client.send_message_batch(
                    QueueUrl=self.url, Entries=[_send_entry(entry) for entry in pending.values()]
                )
            for ok in response.get("Successful", []):
                successful[ok["Id"]] = ok["MessageId"]
                failed.pop(ok["Id"], None)
                del pending[ok["Id"]]
            retry: dict[str, OutgoingMessage] = {}
            for bad in response.get("Failed", []):
                failed[bad["Id"]] = (bad["Code"], bad.get("Message", ""), bad["SenderFault"])
                if not bad["SenderFault"]:
                    retry[bad["Id"]] = pending[bad["Id"]]
            pending = retry
            if not pending:
                return

    async def receive(
        self, *, max_messages: int, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        """Receive up to ``max_messages`` with one ReceiveMessage long poll.

        Raises:
            ValueError: An argument is outside the SQS limits.
            QueueUnavailableError: The endpoint is unreachable after retries.
        """
        timeout = self.spec.visibility_timeout if visibility_timeout is None else visibility_timeout
        check_receive(max_messages, wait_seconds, timeout)
        with self._call("ReceiveMessage"):
            response = await self._broker.client.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=min(MAX_WAIT_SECONDS, math.ceil(wait_seconds)),
                VisibilityTimeout=timeout,
                MessageSystemAttributeNames=_RECEIVE_SYSTEM_ATTRIBUTES,
                MessageAttributeNames=["All"],
            )
        return [_received(message) for message in response.get("Messages", [])]

    async def delete_batch(self, entries: Sequence[DeleteEntry]) -> BatchResult:
        """Delete up to 10 messages with one DeleteMessageBatch call.

        Raises:
            ValueError: More than 10 entries or bad entry ids.
            QueueUnavailableError: The endpoint is unreachable after retries.
        """
        check_batch_ids([entry.id for entry in entries], operation="delete_batch")
        if not entries:
            return BatchResult()
        with self._call("DeleteMessageBatch"):
            response = await self._broker.client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": e.id, "ReceiptHandle": e.receipt_handle} for e in entries],
            )
        return _batch_result(response)

    async def change_visibility_batch(self, entries: Sequence[VisibilityEntry]) -> BatchResult:
        """Set the visibility of up to 10 messages with one ChangeMessageVisibilityBatch.

        Raises:
            ValueError: More than 10 entries or bad entry ids.
            QueueUnavailableError: The endpoint is unreachable after retries.
        """
        check_batch_ids([entry.id for entry in entries], operation="change_visibility_batch")
        if not entries:
            return BatchResult()
        with self._call("ChangeMessageVisibilityBatch"):
            response = await self._broker.client.change_message_visibility_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": e.id, "ReceiptHandle": e.receipt_handle, "VisibilityTimeout": e.timeout}
                    for e in entries
                ],
            )
        return _batch_result(response)

    async def dead_letter(self, message: ReceivedMessage, *, reason: str) -> None:
        """Send ``message`` to the dead-letter queue with ``reason``, then delete it.

        Raises:
            QueueUnavailableError: The endpoint or the dead-letter queue is unavailable.
        """
        dead_letter_url = await self._broker.queue_url(self.spec.dead_letter)
        attributes = dead_letter_attributes(message.attributes, reason)
        client = self._broker.client
        with self._call("SendMessage", self.spec.dead_letter):
            await client.send_message(
                QueueUrl=dead_letter_url,
                MessageBody=message.body.decode("utf-8", errors="replace"),
                MessageAttributes=_string_attributes(attributes),
            )
        with self._call("DeleteMessage"):
            await client.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt_handle)

    async def stats(self) -> QueueStats:
        """Read the queue's counts and its dead-letter queue's depth (GetQueueAttributes).

        Raises:
            QueueUnavailableError: The endpoint is unreachable after retries.
        """
        counts = await self._counts(self.name, self.url)
        try:
            dead_letter_url = await self._broker.queue_url(self.spec.dead_letter)
        except QueueUnavailableError as exc:
            if not isinstance(exc.__cause__, ClientError):
                raise
            dead_letters = None  # the queue exists but its dead-letter queue does not
        else:
            dead_letters = sum(await self._counts(self.spec.dead_letter, dead_letter_url))
        return QueueStats(
            name=self.name,
            visible=counts[0],
            in_flight=counts[1],
            delayed=counts[2],
            dead_letters=dead_letters,
        )

    async def _counts(self, name: str, url: str) -> tuple[int, int, int]:
        with self._call("GetQueueAttributes", name):
            response = await self._broker.client.get_queue_attributes(
                QueueUrl=url, AttributeNames=_STATS_ATTRIBUTES
            )
        values = response.get("Attributes", {})
        visible, in_flight, delayed = (int(values.get(key, "0")) for key in _STATS_ATTRIBUTES)
        return visible, in_flight, delayed


def _string_attributes(attributes: Mapping[str, str]) -> dict[str, Any]:
    return {
        name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
    }


def _send_entry(entry: OutgoingMessage) -> Any:
    request: dict[str, Any] = {"Id": entry.id, "MessageBody": entry.body.decode("utf-8")}
    if entry.attributes:
        request["MessageAttributes"] = _string_attributes(entry.attributes)
    if entry.delay_seconds:
        request["DelaySeconds"] = entry.delay_seconds
    return request


def _received(message: MessageTypeDef) -> ReceivedMessage:
    system = message.get("Attributes", {})
    attributes = {
        name: value["StringValue"]
        for name, value in message.get("MessageAttributes", {}).items()
        if "StringValue" in value
    }
    return ReceivedMessage(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message["Body"].encode("utf-8"),
        attributes=attributes,
        receive_count=int(system.get("ApproximateReceiveCount", "1")),
        sent_at=int(system.get("SentTimestamp", "0")) / 1000,
    )


def _batch_result(response: Mapping[str, Any]) -> BatchResult:
    return BatchResult(
        successful={ok["Id"]: "" for ok in response.get("Successful", [])},
        failed={
            bad["Id"]: (bad["Code"], bad.get("Message", ""), bad["SenderFault"])
            for bad in response.get("Failed", [])
        },
    )
