"""The consumer and publisher while the SQS endpoint is stopped for 10 s and started again.

What this proves, and what it cannot: moto and fauxqs keep their queues in memory, so a
restarted server has neither queues nor messages; the test recreates the queue after the
restart, as an operator (or ``mango queues create``) would. Against that, it pins:

- While the endpoint is down, the consumer keeps polling with backoff (receive errors
  are counted, the poll loop never dies), the publisher keeps retrying the asks made
  meanwhile (none fails), and ``broker.ping()`` (what ``/readyz`` asks) is False.
- Nothing is deleted that was not processed: every receipt handle the consumer passes to
  DeleteMessageBatch belongs to a message whose handler succeeded.
- Messages received before the outage and still in flight when it began finish, and are
  handled exactly once: their deletes fail while the server is down and the restarted
  server no longer has them, so nothing redelivers them. (On real SQS, which keeps its
  messages, such a message would come back after its visibility timeout and be handled
  again: at-least-once, made safe by idempotent handlers, as the multi-process test shows.)
- After the restart, with no restart of the consumer or the publisher, the asks made
  during the outage land, new work flows again, and every message is handled exactly
  once with nothing left in the queue or its dead-letter queue.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from mango.consumer import ConsumerOptions
from mango.transport.base import DeleteEntry, QueueSpec, ReceivedMessage
from mango.transport.sqs import SqsBroker
from tests.mango.consumer_contract.harness import Harness, Job, running_consumer
from tests.servers.sqs import ServerKind, SqsServer, unique_queue_name

OUTAGE_SECONDS = 10.0


def spy_on_deletes(harness: Harness) -> tuple[dict[str, str], list[str]]:
    """Record which message each receipt handle belongs to, and every handle deleted."""
    queue: Any = harness.queue
    message_of: dict[str, str] = {}
    deleted: list[str] = []
    receive, delete_batch = queue.receive, queue.delete_batch

    async def recording_receive(**kwargs: Any) -> list[ReceivedMessage]:
        messages: list[ReceivedMessage] = await receive(**kwargs)
        message_of.update((m.receipt_handle, m.message_id) for m in messages)
        return messages

    async def recording_delete_batch(entries: list[DeleteEntry]) -> Any:
        deleted.extend(entry.receipt_handle for entry in entries)
        return await delete_batch(entries)

    queue.receive, queue.delete_batch = recording_receive, recording_delete_batch
    return message_of, deleted


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["moto", "fauxqs"])
async def test_endpoint_down_for_ten_seconds_then_restarted_loses_nothing(
    kind: ServerKind, dedicated_sqs_server: Callable[[ServerKind], SqsServer]
) -> None:
    """Consumer and publisher ride out a 10 s outage: nothing lost, nothing done twice."""
    server = dedicated_sqs_server(kind)
    spec = QueueSpec(name=unique_queue_name("out"), visibility_timeout=30, wait_seconds=1)
    options = ConsumerOptions(
        concurrency=4,
        wait_seconds=1,
        error_backoff_max=1.0,
        delete_linger=0.01,
        depth_sample_interval=0,
        retry_backoff_min=0,
        retry_backoff_max=0,
    )
    # The publisher's retries outlast the outage (the default gives up after ~3 s).
    publisher_options = {"max_attempts": 100, "retry_backoff": 0.25}

    async with (
        SqsBroker(**server.broker_options()) as broker,
        running_consumer(broker, spec, options, publisher_options=publisher_options) as harness,
    ):
        message_of, deleted = spy_on_deletes(harness)
        ledger = harness.ledger

        before = [Job(key=f"before-{i}") for i in range(10)]
        await harness.publish(*before)
        await harness.drain()

        in_flight = [Job(key=f"inflight-{i}", sleep=2.0) for i in range(4)]
        await harness.publish(*in_flight)
        while ledger.running < len(in_flight):  # all four received and being handled
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server.stop)
        outage_started = time.monotonic()

        during = [Job(key=f"during-{i}") for i in range(5)]
        publishing = asyncio.ensure_future(harness.publish(*during))
        assert await broker.ping() is False
        errors_at_start = harness.stats.receive_errors
        await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - outage_started))
        assert await broker.ping() is False
        assert harness.stats.receive_errors > errors_at_start  # still polling, backing off
        assert not publishing.done()  # still retrying, not failed
        assert ledger.handled.keys() >= {job.key for job in in_flight}  # finished while down

        await asyncio.to_thread(server.start)
        assert await broker.ping() is True
        await broker.create_queue(spec)  # the emulator forgot its queues
        during_ids = await asyncio.wait_for(publishing, timeout=60)
        assert len(set(during_ids)) == len(during)

        after = [Job(key=f"after-{i}") for i in range(10)]
        await harness.publish(*after)
        await harness.drain()

        everything = [*before, *in_flight, *during, *after]
        assert ledger.handled == Counter({job.key: 1 for job in everything})
        assert ledger.attempts == Counter({job.key: 1 for job in everything})
        deleted_ids = {message_of[handle] for handle in deleted}
        assert deleted_ids <= ledger.handled_message_ids  # nothing deleted unprocessed
        assert len(deleted_ids) == len(everything)  # and every handled one was tried
        stats = await harness.queue.stats()
        assert (stats.visible, stats.in_flight, stats.delayed, stats.dead_letters) == (0, 0, 0, 0)
