"""The outbox relay: publishes the rows of the ``outbox`` table to their queues.

A service writes a message to ``outbox`` in the same transaction as the effects it
announces (:func:`actors.content.tasks.create_task`). The relay, one per replica of the
``backend-api`` service, then loops:

1. in one transaction, take up to ``batch_size`` unsent rows, oldest first, with
   ``SELECT ... FOR UPDATE SKIP LOCKED``: replicas running the relay at once never take the
   same rows, and a row stays locked while it is being sent;
2. publish each through the queue's publisher actor and wait for the queue's confirmation;
3. set ``sent_at`` on the confirmed rows (``attempts`` and ``last_error`` on the others)
   and commit.

Failure cases:

- the process dies after the writer committed and before the relay sent: the row is still
  unsent, so the next round (of this or another replica) sends it. Nothing is lost;
- the process dies after the queue took a message and before the commit that marks it
  sent: the lock goes away with the connection and the message is sent again. Consumers
  handle redeliveries idempotently anyway (SQS delivers at least once); the Content
  Creator's task state only moves forward, so the task is generated once;
- the queue is unreachable: rows stay unsent and the relay waits with exponential backoff
  (full jitter, up to ``max_backoff``) before the next round;
- a row whose body the queue's codec cannot decode can never be sent: it gets ``dead_at``
  and its error, and is skipped from then on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from mango import (
    Actor,
    ActorDeadError,
    ActorRef,
    AskTimeout,
    MangoError,
    MessageCodec,
    Publish,
    cancel_and_wait,
    handler,
)
from mango.http import Liveness
from mango.supervision import backoff_delay

__all__ = ["OutboxRelay", "OutboxRoute", "RelayNow"]

_DATABASE_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
_PUBLISH_ERRORS = (MangoError, TimeoutError, ActorDeadError, AskTimeout)


@dataclass(frozen=True)
class OutboxRoute:
    """Where the rows of one queue go.

    Attributes:
        publisher: The queue's publisher actor (asked with ``Publish``).
        codec: Decodes the stored bodies back into messages.
    """

    publisher: ActorRef[Any]
    codec: MessageCodec[Any]


@dataclass(frozen=True)
class RelayNow:
    """Tell the relay to start a round now (sent after a commit that wrote outbox rows)."""


class OutboxRelay(Actor):
    """Publishes unsent outbox rows of the queues it has routes for.

    Args:
        pool: The database pool (an ``asyncpg.Pool``).
        routes: Queue name (as stored in ``outbox.queue``) to its route.
        batch_size: Rows taken per round.
        poll_interval: Seconds between rounds when idle (a ``RelayNow`` wakes it earlier).
        publish_timeout: Seconds to wait for the publisher's verdict on one message. Keep
            it longer than the publisher's own retries: an ask that times out does not
            cancel a send in flight, so the row would later be sent a second time.
        min_backoff: First wait after a failed round, in seconds.
        max_backoff: Longest wait between failed rounds, in seconds.
        liveness: Where the loop reports progress (``/healthz``), if anywhere.
    """

    def __init__(
        self,
        *,
        pool: Any,
        routes: Mapping[str, OutboxRoute],
        batch_size: int = 10,
        poll_interval: float = 1.0,
        publish_timeout: float = 120.0,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        liveness: Liveness | None = None,
    ) -> None:
        self.pool = pool
        self.routes = dict(routes)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.publish_timeout = publish_timeout
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.liveness = liveness
        self.sent = 0
        self.failed_rounds = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None

    @property
    def _probe(self) -> str:
        return f"outbox-relay:{self.ref.name}"

    async def on_start(self) -> None:
        """Start the relay loop."""
        if self.liveness is not None:
            # A round may wait for the queue through every publish retry.
            self.liveness.register(self._probe, max_silence=self.publish_timeout * 2 + 60)
        self._loop = self.runtime.start_task(self._run(), name=f"{self.ref.name}:loop")

    async def on_stop(self) -> None:
        """Stop the loop; a round in progress is cancelled and its rows stay unsent."""
        await cancel_and_wait(self._loop)
        self._loop = None
        if self.liveness is not None and self._ref is not None:
            self.liveness.unregister(self._probe)

    @handler
    async def relay_now(self, message: RelayNow) -> None:
        """Wake the loop for a round now."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Run one round: send up to ``batch_size`` rows.

        Returns:
            How many rows were sent and marked sent, or, when some failed to send,
            minus the number that failed (the caller backs off).

        Raises:
            asyncpg.PostgresError, OSError: The database failed (nothing was marked).
        """
        async with self.pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """
                SELECT id, queue, body, trace_id FROM outbox
                WHERE sent_at IS NULL AND dead_at IS NULL AND queue = ANY($1::text[])
                ORDER BY id LIMIT $2
                FOR UPDATE SKIP LOCKED
                """,
                list(self.routes),
                self.batch_size,
            )
            if not rows:
                return 0
            outcomes = await asyncio.gather(*(self._publish(row) for row in rows))
            sent = [row["id"] for row, error in zip(rows, outcomes, strict=True) if error is None]
            failed = [
                (row["id"], error)
                for row, error in zip(rows, outcomes, strict=True)
                if error is not None
            ]
            if sent:
                await connection.execute(
                    "UPDATE outbox SET sent_at = now(), attempts = attempts + 1,"
                    " last_error = NULL WHERE id = ANY($1::bigint[])",
                    sent,
                )
            for row_id, (error, dead) in failed:
                await connection.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2,"
                    " dead_at = CASE WHEN $3 THEN now() END WHERE id = $1",
                    row_id,
                    error[:1000],
                    dead,
                )
        self.sent += len(sent)
        if sent:
            self.log.info("outbox.sent", rows=len(sent), failed=len(failed))
        if failed:
            self.log.warning("outbox.publish_failed", rows=len(failed), error=failed[0][1][0])
        return len(sent) if not failed else -len(failed)

    async def _publish(self, row: Any) -> tuple[str, bool] | None:
        """Send one row; ``None`` when the queue confirmed, else ``(error, dead)``."""
        route = self.routes[row["queue"]]
        try:
            message = route.codec.decode(row["body"].encode("utf-8"))
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, MangoError) as exc:
            return f"undecodable: {type(exc).__name__}: {exc}", True
        try:
            await route.publisher.ask(
                Publish(message, trace_id=row["trace_id"]), timeout=self.publish_timeout
            )
        except _PUBLISH_ERRORS as exc:
            return f"{type(exc).__name__}: {exc}", False
        return None

    async def _run(self) -> None:
        while True:
            if self.liveness is not None:
                self.liveness.beat(self._probe)
            try:
                outcome = await self.relay_once()
            except _DATABASE_ERRORS as exc:
                self.log.warning("outbox.round_failed", error=f"{type(exc).__name__}: {exc}")
                outcome = -1
            if outcome < 0:
                self.failed_rounds += 1
                # Not woken early: new rows must not turn a backoff into a hammering.
                await asyncio.sleep(
                    backoff_delay(self.failed_rounds, base=self.min_backoff, cap=self.max_backoff)
                )
                continue
            self.failed_rounds = 0
            if outcome < self.batch_size:  # drained: wait for news or the next poll
                await self._sleep(self.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
