"""The SQS transport while its endpoint is stopped and started again.

moto and fauxqs keep queues in memory, so a restarted server has none: this suite checks
what the transport owns (calls fail with QueueUnavailableError within a bounded time
instead of hanging, the broker recovers by itself once the endpoint is back, and queues
are recreated idempotently). That no message is lost end to end belongs to the consumer
suites, which own the retry loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from mango.errors import QueueUnavailableError
from mango.transport.base import OutgoingMessage, QueueSpec
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import ServerKind, SqsServer, unique_queue_name

BOUND_SECONDS = 30  # generous: two attempts with 2 s connect timeouts and backoff


@pytest.mark.parametrize("kind", ["moto", "fauxqs"])
async def test_calls_fail_fast_while_down_and_recover_after_restart(
    kind: ServerKind, dedicated_sqs_server: Callable[[ServerKind], SqsServer]
) -> None:
    """Down: every call raises QueueUnavailableError (a long poll too); back up: all works."""
    server = dedicated_sqs_server(kind)
    spec = QueueSpec(name=unique_queue_name(), wait_seconds=1)
    async with SqsBroker(**server.broker_options()) as broker:
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        await queue.send_batch([OutgoingMessage(id="a", body=b"before")])

        long_poll = asyncio.create_task(queue.receive(max_messages=10, wait_seconds=1))
        assert [m.body for m in await long_poll] == [b"before"]
        waiting = asyncio.create_task(queue.receive(max_messages=10, wait_seconds=15))
        await asyncio.sleep(0.5)
        server.stop()
        started = time.monotonic()
        with pytest.raises(QueueUnavailableError):
            await waiting
        for call in (
            lambda: queue.send_batch([OutgoingMessage(id="b", body=b"while down")]),
            lambda: queue.receive(max_messages=1, wait_seconds=0),
            queue.stats,
            lambda: broker.create_queue(spec),
        ):
            with pytest.raises(QueueUnavailableError):
                await call()
        assert await broker.ping() is False
        assert time.monotonic() - started < BOUND_SECONDS

        server.start()
        assert await broker.ping() is True
        with pytest.raises(QueueUnavailableError, match="does not exist"):
            await queue.stats()  # the emulator forgot its queues
        await broker.create_queue(spec)
        sent = await queue.send_batch([OutgoingMessage(id="c", body=b"after")])
        assert set(sent.successful) == {"c"}
        [message] = await queue.receive(max_messages=10, wait_seconds=5)
        assert message.body == b"after"
