"""Housekeeping: delete the rows that would otherwise only grow.

- ``sessions`` past their expiry (plus a grace period, so a log line about an expired
  session can still be matched to its row for a day);
- ``processed_messages`` older than the retention. Their only job is to recognise a
  redelivered message, and SQS keeps a message at most 14 days, so the default retention
  (15 days) keeps every key that could still be redelivered;
- ``outbox`` rows sent longer ago than the retention (dead rows stay for an operator);
- ``login_failures`` older than a day (the longest log-in window the settings allow).

:func:`sweep` deletes in batches of ``batch_size`` rows, each batch its own short
statement, so that it never holds many row locks or a long transaction. It runs under a
session-level advisory lock: replicas sweeping at the same moment do not do the same work
twice (the one that finds the lock taken returns at once). The :class:`Housekeeper` actor
(one per ``backend-api`` replica) sweeps every ``interval`` seconds; ``mango housekeep``
sweeps once, for a cron job or by hand.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from mango import Actor, cancel_and_wait

__all__ = ["HOUSEKEEPING_LOCK_ID", "Housekeeper", "Retention", "SweepResult", "sweep"]

HOUSEKEEPING_LOCK_ID = 0x6D616E676F01
"""The advisory lock of a sweep (next to the migrations' ``0x6D616E676F``)."""

_DATABASE_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass(frozen=True, kw_only=True)
class Retention:
    """How long rows are kept, in days.

    Attributes:
        expired_sessions_days: Grace period after a session's expiry.
        processed_messages_days: Age of redelivery keys; keep it above the queues'
            message retention (SQS: at most 14 days).
        sent_outbox_days: Age of outbox rows since they were sent.
    """

    expired_sessions_days: float = 1.0
    processed_messages_days: float = 15.0
    sent_outbox_days: float = 7.0


@dataclass(frozen=True)
class SweepResult:
    """What one sweep deleted (``ran`` is false when another sweep held the lock)."""

    ran: bool
    sessions: int = 0
    processed_messages: int = 0
    outbox: int = 0
    login_failures: int = 0


# Each statement deletes up to $2 rows older than $1 days; the key is the table's own.
_DELETES = {
    "sessions": """
        DELETE FROM sessions WHERE id IN (
            SELECT id FROM sessions
            WHERE expires_at < now() - make_interval(secs => $1 * 86400) LIMIT $2)
    """,
    "processed_messages": """
        DELETE FROM processed_messages WHERE (consumer, message_key) IN (
            SELECT consumer, message_key FROM processed_messages
            WHERE processed_at < now() - make_interval(secs => $1 * 86400) LIMIT $2)
    """,
    "outbox": """
        DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox
            WHERE sent_at < now() - make_interval(secs => $1 * 86400) LIMIT $2)
    """,
    "login_failures": """
        DELETE FROM login_failures WHERE id IN (
            SELECT id FROM login_failures
            WHERE failed_at < now() - make_interval(secs => $1 * 86400) LIMIT $2)
    """,
}
LOGIN_FAILURES_DAYS = 1.0
"""Age of failed log-in records (the longest log-in window is a day)."""


async def sweep(pool: Any, retention: Retention, *, batch_size: int = 5_000) -> SweepResult:
    """Delete what the retention no longer keeps.

    Args:
        pool: An ``asyncpg.Pool`` (or anything with ``acquire()``).
        retention: How long each kind of row is kept.
        batch_size: Rows deleted per statement.

    Returns:
        How many rows of each table were deleted.

    Raises:
        asyncpg.PostgresError, OSError: The database failed (what was deleted stays
            deleted; the next sweep goes on).
    """
    days = {
        "sessions": retention.expired_sessions_days,
        "processed_messages": retention.processed_messages_days,
        "outbox": retention.sent_outbox_days,
        "login_failures": LOGIN_FAILURES_DAYS,
    }
    deleted: dict[str, int] = {}
    async with pool.acquire() as connection:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", HOUSEKEEPING_LOCK_ID):
            return SweepResult(ran=False)
        try:
            for table, sql in _DELETES.items():
                deleted[table] = 0
                while True:
                    status = await connection.execute(sql, float(days[table]), batch_size)
                    count = int(status.rsplit(" ", 1)[-1])
                    deleted[table] += count
                    if count < batch_size:
                        break
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", HOUSEKEEPING_LOCK_ID)
    return SweepResult(ran=True, **deleted)


class Housekeeper(Actor):
    """Sweeps every ``interval`` seconds (the first sweep after a random part of it).

    Args:
        pool: The database pool.
        retention: How long rows are kept.
        interval: Seconds between sweeps.
    """

    def __init__(self, *, pool: Any, retention: Retention, interval: float = 3600.0) -> None:
        self.pool = pool
        self.retention = retention
        self.interval = interval
        self.sweeps = 0
        self._loop: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        """Start the sweep loop."""
        self._loop = self.runtime.start_task(self._run(), name=f"{self.ref.name}:loop")

    async def on_stop(self) -> None:
        """Stop the loop (a sweep in progress is cancelled; its batches stay deleted)."""
        await cancel_and_wait(self._loop)
        self._loop = None

    async def _run(self) -> None:
        # Spread replicas started together over the interval.
        await asyncio.sleep(random.uniform(0, min(self.interval, 300.0)))
        while True:
            try:
                result = await sweep(self.pool, self.retention)
            except _DATABASE_ERRORS as exc:
                self.log.warning("housekeeping.failed", error=f"{type(exc).__name__}: {exc}")
            else:
                self.sweeps += 1
                if result.ran:
                    self.log.info(
                        "housekeeping.swept",
                        sessions=result.sessions,
                        processed_messages=result.processed_messages,
                        outbox=result.outbox,
                        login_failures=result.login_failures,
                    )
            await asyncio.sleep(self.interval)
