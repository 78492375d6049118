"""The ``memory`` queue transport: in-process queues with the semantics of SQS.

For tests and ``mango dev``. Every :class:`MemoryBroker` of a process shares one
:class:`MemoryStore` by default, so the services of one process see the same queues.
The store belongs to one event loop at a time.

Semantics, matching SQS (and the moto server the contract suite also runs against):

- A received message is invisible for the visibility timeout, then visible again with
  its ``receive_count`` (ApproximateReceiveCount) kept; it is never reset.
- A queue created with a redrive policy moves a message to ``<name>-dlq`` on the receive
  that would exceed ``max_receive_count``, so it is delivered at most that many times.
- A long poll returns as soon as a message is ready; it sleeps on a future, not a loop.
- Delete follows moto: any receipt handle a message was ever given deletes it, even
  after a newer receive, and deleting an already deleted message succeeds again. Only a
  handle that was never issued fails (``ReceiptHandleIsInvalid``).
- Change visibility follows SQS: only the latest receive's handle of a message still in
  flight is accepted; anything else fails that entry, so a stale heartbeat cannot hide a
  message another consumer holds.

The queues themselves live in :mod:`mango.transport.memory_store`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self

from mango.transport.base import (
    DEFAULT_MAX_BODY_BYTES,
    BatchResult,
    DeleteEntry,
    OutgoingMessage,
    QueueSpec,
    QueueStats,
    ReceivedMessage,
    VisibilityEntry,
)
from mango.transport.checks import (
    check_batch_ids,
    check_queue_name,
    check_receive,
    check_send_batch,
    dead_letter_attributes,
)
from mango.transport.memory_store import (
    INVALID_HANDLE,
    MemoryStore,
    State,
    StoredMessage,
    default_store,
)

__all__ = ["MemoryBroker", "MemoryQueue", "MemoryStore", "default_store"]


class MemoryBroker:
    """A :class:`~mango.transport.base.QueueBroker` for in-process queues.

    Args:
        store: The queues to use; the process-wide :func:`default_store` by default.
        auto_create: Create a queue (and its dead-letter queue) on ``open_queue`` if it
            does not exist, instead of raising.
        max_body_bytes: The largest message the opened queues accept.
    """

    scheme = "memory"

    def __init__(
        self,
        *,
        store: MemoryStore | None = None,
        auto_create: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.store = store if store is not None else default_store()
        self.auto_create = auto_create
        self.max_body_bytes = max_body_bytes

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def create_queue(self, spec: QueueSpec) -> None:
        """Create ``spec``'s queue and dead-letter queue (idempotent; new settings win)."""
        self.store.create(replace(spec, name=check_queue_name(spec.name)))

    async def open_queue(self, spec: QueueSpec) -> MemoryQueue:
        """Return the transport of an existing queue.

        Raises:
            QueueUnavailableError: The queue does not exist and ``auto_create`` is off.
        """
        check_queue_name(spec.name, room_for_suffix=False)
        if self.auto_create and spec.name not in self.store.queues:
            await self.create_queue(spec)
        self.store.get(spec.name)
        return MemoryQueue(self.store, spec, max_body_bytes=self.max_body_bytes)

    async def ping(self) -> bool:
        """Return ``True``: an in-process store is always reachable."""
        return True


class MemoryQueue:
    """One in-process queue as a :class:`~mango.transport.base.QueueTransport`.

    Args:
        store: The store holding the queue.
        spec: The queue's spec.
        max_body_bytes: The largest message (body plus attributes) ``send_batch`` accepts.
    """

    receive_is_cancel_safe = True
    """A cancelled receive has taken nothing: consumers may cancel it at shutdown."""

    def __init__(self, store: MemoryStore, spec: QueueSpec, *, max_body_bytes: int) -> None:
        self.name = spec.name
        self.spec = spec
        self.max_body_bytes = max_body_bytes
        self._store = store

    async def send_batch(self, entries: Sequence[OutgoingMessage]) -> BatchResult:
        """Send up to 10 messages; entries SQS would refuse are reported as failed.

        Raises:
            MessageTooLargeError: A message exceeds ``max_body_bytes`` (nothing sent).
            ValueError: The batch breaks an SQS rule (see :mod:`mango.transport.checks`).
            QueueUnavailableError: The queue no longer exists.
        """
        refused = check_send_batch(entries, max_body_bytes=self.max_body_bytes)
        state = self._store.get(self.name)
        sent: dict[str, str] = {}
        for entry in entries:
            if entry.id not in refused:
                message = StoredMessage(entry.body, entry.attributes, self._store.wall_clock())
                state.add(message, entry.delay_seconds)
                sent[entry.id] = message.message_id
        return BatchResult(successful=sent, failed=refused)

    async def receive(
        self, *, max_messages: int, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        """Receive up to ``max_messages``, waiting up to ``wait_seconds`` for the first.

        Raises:
            ValueError: ``max_messages`` outside 1-10, ``wait_seconds`` outside 0-20 or
                ``visibility_timeout`` outside 0-43200.
        """
        timeout = self.spec.visibility_timeout if visibility_timeout is None else visibility_timeout
        check_receive(max_messages, wait_seconds, timeout)
        state = self._store.get(self.name)
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + wait_seconds
        while True:
            taken = state.take(max_messages, timeout)
            remaining = give_up_at - loop.time()
            if taken or remaining <= 0:
                return taken
            await state.wait_for_message(remaining)

    async def delete_batch(self, entries: Sequence[DeleteEntry]) -> BatchResult:
        """Delete up to 10 messages by receipt handle (see the module notes on stale handles)."""
        check_batch_ids([entry.id for entry in entries], operation="delete_batch")
        state = self._store.get(self.name)
        deleted: dict[str, str] = {}
        failed: dict[str, tuple[str, str, bool]] = {}
        for entry in entries:
            issued, message = state.find(entry.receipt_handle)
            if not issued:
                failed[entry.id] = INVALID_HANDLE
                continue
            if message is not None:
                state.remove(message)
            deleted[entry.id] = ""
        return BatchResult(successful=deleted, failed=failed)

    async def change_visibility_batch(self, entries: Sequence[VisibilityEntry]) -> BatchResult:
        """Set the visibility timeout of up to 10 in-flight messages (0 releases them)."""
        check_batch_ids([entry.id for entry in entries], operation="change_visibility_batch")
        state = self._store.get(self.name)
        state.release_due()  # an expired message is no longer in flight
        changed: dict[str, str] = {}
        failed: dict[str, tuple[str, str, bool]] = {}
        for entry in entries:
            failure = state.change_visibility(entry.receipt_handle, entry.timeout)
            if failure is None:
                changed[entry.id] = ""
            else:
                failed[entry.id] = failure
        return BatchResult(successful=changed, failed=failed)

    async def dead_letter(self, message: ReceivedMessage, *, reason: str) -> None:
        """Copy ``message`` to the dead-letter queue with ``reason``, then delete it.

        Raises:
            QueueUnavailableError: The dead-letter queue does not exist.
        """
        dead_letters = self._store.get(self.spec.dead_letter)
        attributes = dead_letter_attributes(message.attributes, reason)
        dead_letters.add(StoredMessage(message.body, attributes, self._store.wall_clock()))
        await self.delete_batch([DeleteEntry("dead-letter", message.receipt_handle)])

    async def stats(self) -> QueueStats:
        """Return the visible, in-flight and delayed counts and the dead-letter depth."""
        state = self._store.get(self.name)
        state.release_due()
        counts = state.counts
        dead_letters = self._store.queues.get(self.spec.dead_letter)
        depth = None
        if dead_letters is not None:
            dead_letters.release_due()
            depth = sum(dead_letters.counts.values())
        return QueueStats(
            name=self.name,
            visible=counts[State.READY],
            in_flight=counts[State.IN_FLIGHT],
            delayed=counts[State.DELAYED],
            dead_letters=depth,
        )
