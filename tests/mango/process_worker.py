"""A test service whose handler records each message's effect in PostgreSQL, idempotently.

Run by ``tests/mango/test_multiprocess.py`` as ``mango run tests.mango.process_worker:service``
(with the repository root on ``PYTHONPATH``). Its database comes from the environment
variable ``PROCESS_WORKER_DSN``; the schema is created by the test (:data:`SCHEMA`).

Per message, in one transaction (the pattern of DESIGN.md §4): a processed-message record
keyed by the message's key (``INSERT ... ON CONFLICT DO NOTHING``), and only when that
record is new, the effect. The effect is deliberately not idempotent by itself (it adds
one to ``effects.applied``), so an effect applied twice shows as ``applied = 2``. Every
delivery is also written to ``attempts``, outside that transaction, so redeliveries
(expected after a SIGKILL) can be seen and counted.
"""

from __future__ import annotations

import os
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg

from mango import Actor, Message, MessageCodec, handler
from mango.service import Service, ServiceContext

__all__ = ["DSN_VARIABLE", "QUEUE", "SCHEMA", "ProcessJob", "codec", "service"]

QUEUE = "process-jobs"
DSN_VARIABLE = "PROCESS_WORKER_DSN"

SCHEMA = """
CREATE TABLE processed_messages (key text PRIMARY KEY, pid integer NOT NULL);
CREATE TABLE effects (key text PRIMARY KEY, applied integer NOT NULL);
CREATE TABLE attempts (id bigserial PRIMARY KEY, key text NOT NULL, pid integer NOT NULL);
"""


class ProcessJob(Message, frozen=True, tag="test.process_job"):
    """One message whose effect must be applied exactly once."""

    key: str


codec = MessageCodec([ProcessJob])


class EffectWriter(Actor):
    """Applies each job's effect once, guarded by a processed-message record."""

    def __init__(self, pool: asyncpg.Pool[Any]) -> None:
        self.pool = pool
        self.pid = os.getpid()

    @handler
    async def job(self, message: ProcessJob) -> None:
        """Record the attempt, then the effect unless this key was processed before."""
        async with self.pool.acquire() as connection:
            await connection.execute(
                "INSERT INTO attempts (key, pid) VALUES ($1, $2)", message.key, self.pid
            )
            async with connection.transaction():
                first = await connection.fetchval(
                    "INSERT INTO processed_messages (key, pid) VALUES ($1, $2) "
                    "ON CONFLICT (key) DO NOTHING RETURNING key",
                    message.key,
                    self.pid,
                )
                if first is not None:
                    await connection.execute(
                        "INSERT INTO effects (key, applied) VALUES ($1, 1) "
                        "ON CONFLICT (key) DO UPDATE SET applied = effects.applied + 1",
                        message.key,
                    )


def _pool(context: ServiceContext) -> AbstractAsyncContextManager[asyncpg.Pool[Any]]:
    dsn = os.environ[DSN_VARIABLE]
    size = context.settings.consumer_concurrency
    return asyncpg.create_pool(dsn, min_size=1, max_size=size)  # type: ignore[return-value]


def _configure(context: ServiceContext) -> None:
    context.shared("process-worker.db", lambda: _pool(context))


async def _start(context: ServiceContext) -> None:
    pool = context.shared("process-worker.db", lambda: _pool(context)).value
    writer = await context.runtime.spawn(
        lambda: EffectWriter(pool),
        name="effect-writer",
        instances=context.settings.consumer_concurrency,
    )
    await context.consume(QUEUE, codec=codec, target=writer)


service = Service(
    name="process-worker",
    summary="Test: applies each process-jobs message's effect in PostgreSQL exactly once.",
    queues=(QUEUE,),
    configure=_configure,
    start=_start,
)
