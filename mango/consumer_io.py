"""Batched deletes for the consumer: one DeleteMessageBatch call per ten handled messages."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import structlog

from mango.supervision import backoff_delay
from mango.transport.base import DeleteEntry, QueueTransport

if TYPE_CHECKING:
    from mango.runtime import Runtime

__all__ = ["BatchedReceipts"]

log = structlog.get_logger("mango.consumer")


class BatchedReceipts:
    """Collects receipt handles and deletes them ten at a time.

    A batch goes out when ten are pending or ``linger`` seconds after the first one; up
    to ``concurrency`` delete calls are in flight at once (one by default; the consumer
    allows one per receive loop, so several loops are not held to one delete round trip
    at a time).
    Failed deletes are retried a few times; a message whose delete never succeeds comes
    back after its visibility timeout and is handled again, which idempotent handlers
    make harmless.

    Args:
        transport: The queue the messages came from.
        linger: Seconds the first receipt of a batch waits for nine more.
        runtime: Owns the flusher task.
        name: For task names and logs.
        max_attempts: Delete attempts per batch before giving up.
        concurrency: Most delete calls in flight at once.
    """

    def __init__(
        self,
        transport: QueueTransport,
        *,
        linger: float,
        runtime: Runtime,
        name: str,
        max_attempts: int = 4,
        concurrency: int = 1,
    ) -> None:
        self.transport = transport
        self.linger = linger
        self.calls = 0
        self.deleted = 0
        self._runtime = runtime
        self._name = name
        self._max_attempts = max_attempts
        self._pending: list[str] = []
        self._has_items = asyncio.Event()
        self._full = asyncio.Event()
        self._flushed = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._concurrency = max(1, concurrency)
        self._flights: set[asyncio.Task[None]] = set()
        self._flight_done = asyncio.Event()

    @property
    def pending(self) -> int:
        """Receipts waiting to be deleted."""
        return len(self._pending)

    def start(self) -> None:
        """Start the flusher task."""
        self._task = self._runtime.start_task(self._run(), name=f"{self._name}:deletes")

    def add(self, receipt_handle: str) -> None:
        """Queue a handled message's receipt for deletion."""
        self._pending.append(receipt_handle)
        self._flushed.clear()
        self._has_items.set()
        if len(self._pending) >= 10:
            self._full.set()

    async def close(self) -> None:
        """Flush every pending delete, then stop the flusher."""
        self._closing = True
        self._full.set()
        self._has_items.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._flights:
            await asyncio.gather(*self._flights, return_exceptions=True)
        while self._pending:  # the task was cancelled before it could finish
            await self._flush_once()

    async def _run(self) -> None:
        while True:
            await self._has_items.wait()
            if len(self._pending) < 10 and not self._closing and self.linger > 0:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.linger):  # no task, unlike wait_for
                        await self._full.wait()
            while self._pending:
                if self._concurrency == 1:
                    await self._flush_once()
                    continue
                while len(self._flights) >= self._concurrency:
                    self._flight_done.clear()
                    await self._flight_done.wait()
                flight = self._runtime.start_task(
                    self._delete(self._take()), name=f"{self._name}:delete"
                )
                self._flights.add(flight)
                flight.add_done_callback(self._landed)
            self._has_items.clear()
            self._flushed.set()
            if self._closing:
                return

    def _landed(self, flight: asyncio.Task[None]) -> None:
        self._flights.discard(flight)
        self._flight_done.set()

    def _take(self) -> list[str]:
        # In place: copying the rest would cost O(pending) per batch.
        batch = self._pending[:10]
        del self._pending[:10]
        return batch

    async def _flush_once(self) -> None:
        await self._delete(self._take())

    async def _delete(self, batch: list[str]) -> None:
        entries = [DeleteEntry(str(i), handle) for i, handle in enumerate(batch)]
        for attempt in range(1, self._max_attempts + 1):
            try:
                self.calls += 1
                result = await self.transport.delete_batch(entries)
            except Exception as exc:
                log.warning("consumer.delete_failed", error=repr(exc), attempt=attempt)
                await asyncio.sleep(backoff_delay(attempt, base=0.2, cap=2.0))
                continue
            self.deleted += len(result.successful)
            retry = [e for e in entries if e.id in result.failed and not result.failed[e.id][2]]
            for entry_id, (code, reason, _) in result.failed.items():
                log.warning("consumer.delete_entry_failed", code=code, reason=reason, id=entry_id)
            if not retry:
                return
            entries = retry
        log.error("consumer.delete_gave_up", count=len(entries))
