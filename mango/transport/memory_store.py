"""The state behind the ``memory`` transport: queues, messages, deadlines and waiters.

Ready messages live in a deque and delayed or in-flight ones in a heap of deadlines (with
a generation number per message, so a later change makes older heap entries stale), so a
receive costs O(batch) rather than a scan of the queue. See :mod:`mango.transport.memory`
for the semantics.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from enum import Enum

from mango.errors import QueueUnavailableError
from mango.transport.base import QueueSpec, ReceivedMessage
from mango.transport.checks import MAX_VISIBILITY_TIMEOUT, MAX_WAIT_SECONDS

__all__ = ["INVALID_HANDLE", "MemoryStore", "QueueState", "State", "StoredMessage", "default_store"]

INVALID_HANDLE = ("ReceiptHandleIsInvalid", "the receipt handle is not valid", True)


class State(Enum):
    """Where a message is in its life."""

    DELAYED = 1
    READY = 2
    IN_FLIGHT = 3
    DELETED = 4


class StoredMessage:
    """A message as the store keeps it (mutable, unlike what receivers get)."""

    __slots__ = (
        "attributes",
        "body",
        "generation",
        "handle",
        "message_id",
        "receive_count",
        "sent_at",
        "state",
    )

    def __init__(self, body: bytes, attributes: Mapping[str, str], sent_at: float) -> None:
        self.message_id = str(uuid.uuid4())
        self.body = body
        self.attributes = dict(attributes)
        self.sent_at = sent_at
        self.receive_count = 0
        self.state = State.READY
        self.generation = 0  # bumps invalidate this message's older heap entries
        self.handle = ""


class QueueState:
    """One queue's messages, counters and waiting receivers."""

    def __init__(self, spec: QueueSpec, store: MemoryStore, *, redrive: bool) -> None:
        self.spec = spec
        self.redrive = redrive
        self._store = store
        self.messages: dict[str, StoredMessage] = {}
        self._ready: deque[StoredMessage] = deque()
        self._timers: list[tuple[float, int, int, StoredMessage]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self.counts = {State.READY: 0, State.IN_FLIGHT: 0, State.DELAYED: 0}

    # -- state changes ------------------------------------------------------------------

    def _set_state(self, message: StoredMessage, state: State) -> None:
        if message.state in self.counts:
            self.counts[message.state] -= 1
        message.state = state
        message.generation += 1
        if state in self.counts:
            self.counts[state] += 1

    def _make_ready(self, message: StoredMessage) -> None:
        self._set_state(message, State.READY)
        self._ready.append(message)

    def _hold_until(self, message: StoredMessage, state: State, deadline: float) -> None:
        self._set_state(message, state)
        heapq.heappush(
            self._timers, (deadline, next(self._store.sequence), message.generation, message)
        )
        # Deleted messages leave entries behind; rebuild before they dominate the heap.
        live = self.counts[State.IN_FLIGHT] + self.counts[State.DELAYED]
        if len(self._timers) > 2 * live + 1024:
            self._timers = [entry for entry in self._timers if entry[2] == entry[3].generation]
            heapq.heapify(self._timers)

    def add(self, message: StoredMessage, delay_seconds: int = 0) -> None:
        """Enqueue ``message``, visible now or after ``delay_seconds``."""
        self.messages[message.message_id] = message
        message.state = State.DELETED  # not counted anywhere yet
        if delay_seconds > 0:
            self._hold_until(message, State.DELAYED, self._store.clock() + delay_seconds)
        else:
            self._make_ready(message)
            self.wake_receivers()

    def remove(self, message: StoredMessage) -> None:
        """Forget ``message`` (deleted, or moved to the dead-letter queue)."""
        self._set_state(message, State.DELETED)
        del self.messages[message.message_id]

    def release_due(self) -> None:
        """Make delayed messages and expired in-flight messages visible."""
        now = self._store.clock()
        released = False
        while self._timers and self._timers[0][0] <= now:
            _, _, generation, message = heapq.heappop(self._timers)
            if generation == message.generation:
                self._make_ready(message)
                released = True
        if released:
            self.wake_receivers()

    def seconds_to_next_timer(self) -> float:
        """Seconds until the next delayed or in-flight message may become visible."""
        if not self._timers:
            return float(MAX_WAIT_SECONDS)
        return max(0.0, self._timers[0][0] - self._store.clock())

    # -- receive ------------------------------------------------------------------------

    def take(self, max_messages: int, visibility_timeout: int) -> list[ReceivedMessage]:
        """Hand out up to ``max_messages`` ready messages, redriving the exhausted ones."""
        self.release_due()
        dead_letters = self._store.queues.get(self.spec.dead_letter) if self.redrive else None
        deadline = self._store.clock() + visibility_timeout
        taken: list[ReceivedMessage] = []
        while self._ready and len(taken) < max_messages:
            message = self._ready.popleft()
            if message.state is not State.READY:
                continue  # deleted while ready; its deque entry is dropped lazily
            if dead_letters is not None and message.receive_count >= self.spec.max_receive_count:
                self.remove(message)
                dead_letters.add(message)
                continue
            message.receive_count += 1
            message.handle = f"{message.message_id}:{message.receive_count}"
            self._hold_until(message, State.IN_FLIGHT, deadline)
            taken.append(
                ReceivedMessage(
                    message_id=message.message_id,
                    receipt_handle=message.handle,
                    body=message.body,
                    attributes=dict(message.attributes),
                    receive_count=message.receive_count,
                    sent_at=message.sent_at,
                )
            )
        return taken

    async def wait_for_message(self, timeout: float) -> None:
        """Sleep until a message may be ready or ``timeout`` seconds have passed."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait([waiter], timeout=min(timeout, self.seconds_to_next_timer()))
        finally:
            if not waiter.done():
                waiter.cancel()
                self._waiters.remove(waiter)

    def wake_receivers(self) -> None:
        """Wake every waiting receiver; those that find nothing go back to sleep."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- delete and visibility ----------------------------------------------------------

    def find(self, handle: str) -> tuple[bool, StoredMessage | None]:
        """Return whether ``handle`` was issued, and its message if it still exists."""
        message_id, _, count = handle.rpartition(":")
        if not message_id or not count.isdigit():
            return False, None
        message = self.messages.get(message_id)
        if message is None:
            return True, None  # deleted or moved on: like moto, deleting again succeeds
        return 1 <= int(count) <= message.receive_count, message

    def change_visibility(self, handle: str, timeout: int) -> tuple[str, str, bool] | None:
        """Apply one visibility change; return the failure, or ``None`` on success."""
        if not 0 <= timeout <= MAX_VISIBILITY_TIMEOUT:
            return ("InvalidParameterValue", f"visibility timeout {timeout} is not 0-43200", True)
        _, message = self.find(handle)
        if message is None or message.handle != handle:
            return INVALID_HANDLE
        if message.state is not State.IN_FLIGHT:
            return ("MessageNotInflight", "the message is not in flight", True)
        if timeout == 0:
            self._make_ready(message)
            self.wake_receivers()
        else:
            self._hold_until(message, State.IN_FLIGHT, self._store.clock() + timeout)
        return None


class MemoryStore:
    """The named queues that every :class:`MemoryBroker` using this store shares.

    Args:
        clock: Monotonic seconds for visibility and delay deadlines (inject a fake clock
            in tests and call ``receive`` with ``wait_seconds=0``).
        wall_clock: Epoch seconds for ``sent_at``.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.wall_clock = wall_clock
        self.queues: dict[str, QueueState] = {}
        self.sequence = itertools.count()

    def create(self, spec: QueueSpec) -> None:
        """Create ``spec``'s dead-letter queue and then the queue (idempotent)."""
        dead_letter_spec = replace(spec, name=spec.dead_letter)
        for queue_spec, redrive in ((dead_letter_spec, False), (spec, True)):
            existing = self.queues.get(queue_spec.name)
            if existing is None:
                self.queues[queue_spec.name] = QueueState(queue_spec, self, redrive=redrive)
            else:  # like SetQueueAttributes: the latest settings win
                existing.spec = queue_spec

    def get(self, name: str) -> QueueState:
        """Return the queue called ``name``.

        Raises:
            QueueUnavailableError: There is no such queue.
        """
        state = self.queues.get(name)
        if state is None:
            raise QueueUnavailableError(
                f"memory queue {name!r} does not exist; create it first (mango queues create)"
            )
        return state


_DEFAULT_STORE = MemoryStore()


def default_store() -> MemoryStore:
    """Return the process-wide store that brokers use unless given their own."""
    return _DEFAULT_STORE
