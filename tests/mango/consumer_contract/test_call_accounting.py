"""SQS API calls per message, counted by the transport on a fauxqs server.

Counts, not times: the number of calls a workload makes is deterministic enough to bound,
and calls per message are what SQS bills and what limits throughput (aiobotocore spends
about a millisecond of CPU per call). The goal of issue 3 is at most 0.35 calls per message
end to end at steady load (publish, receive, delete, visibility changes), against about 2
or more for a consumer that deletes one message at a time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from mango.consumer import ConsumerOptions
from mango.metrics import Metrics
from mango.transport.base import QueueSpec
from mango.transport.sqs import SqsBroker
from tests.mango.consumer_contract.harness import Job, running_consumer
from tests.servers.sqs import SqsServer, unique_queue_name

MESSAGE_PATH = (
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibilityBatch",
    "SendMessage",
    "DeleteMessage",
)
"""Operations made per message; GetQueueAttributes (depth sampling, stats) is per time."""


@pytest.fixture
async def sqs(fauxqs_server: SqsServer) -> AsyncIterator[SqsBroker]:
    """A broker on the session's fauxqs server, counting into a metrics registry of its own."""
    async with SqsBroker(**fauxqs_server.broker_options(metrics=Metrics())) as broker:
        yield broker


def spec() -> QueueSpec:
    return QueueSpec(name=unique_queue_name("calls"), visibility_timeout=30, wait_seconds=1)


def message_path_calls(calls: Counter[str]) -> int:
    return sum(calls[operation] for operation in MESSAGE_PATH)


async def test_concurrent_publishes_coalesce_into_batch_calls(sqs: SqsBroker) -> None:
    """Publishing 200 messages with concurrent asks makes at most 30 SendMessageBatch calls."""
    options = ConsumerOptions(depth_sample_interval=0)
    async with running_consumer(sqs, spec(), options, consume=False) as harness:
        ids = await harness.publish(*(Job(key=f"k{i}") for i in range(200)))
        assert len(set(ids)) == 200
        assert harness.queue.calls["SendMessageBatch"] <= 30  # type: ignore[attr-defined]
        assert set(harness.queue.calls) == {"SendMessageBatch"}  # type: ignore[attr-defined]


async def test_steady_load_costs_at_most_035_calls_per_message(sqs: SqsBroker) -> None:
    """Publish, receive and delete of 200 messages in full batches: <= 0.35 calls each."""
    options = ConsumerOptions(
        concurrency=20, wait_seconds=1, delete_linger=0.05, depth_sample_interval=0
    )
    async with running_consumer(sqs, spec(), options, consume=False) as harness:
        await harness.publish(*(Job(key=f"k{i}") for i in range(200)))
        await harness.start_consumer()
        while harness.consumer.stats.processed < 200 or harness.consumer._deletes.pending:
            await asyncio.sleep(0.01)
        await harness.drain()
        calls: Counter[str] = harness.queue.calls  # type: ignore[attr-defined]
        assert harness.ledger.handled == Counter({f"k{i}": 1 for i in range(200)})
    per_operation = {operation: calls[operation] for operation in MESSAGE_PATH}
    assert message_path_calls(calls) / 200 <= 0.35, per_operation
    assert calls["ChangeMessageVisibilityBatch"] == 0  # fast handlers need no heartbeat
    # The metric counts the same calls, labelled by queue, operation and outcome.
    metric = sqs._sqs_calls
    outcomes = ("ok", "error", "cancelled")
    counted = sum(
        metric.labels(
            queue=harness.spec.name, operation="ReceiveMessage", outcome=outcome
        )._value.get()
        for outcome in outcomes
    )
    assert counted == calls["ReceiveMessage"]


@pytest.mark.slow
async def test_idle_consumer_makes_one_receive_call_per_poller_per_long_poll(
    sqs: SqsBroker,
) -> None:
    """On an empty queue, in ~5 s each of two pollers has made exactly one 20 s receive."""
    options = ConsumerOptions(pollers=2, wait_seconds=20, depth_sample_interval=0)
    async with running_consumer(sqs, spec(), options) as harness:
        await asyncio.sleep(5)
        assert harness.queue.calls["ReceiveMessage"] == 2  # type: ignore[attr-defined]
        assert harness.consumer.stats.receive_calls == 2
        assert harness.consumer.stats.empty_receives == 0  # both still waiting
