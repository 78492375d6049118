"""The consumer and publisher behave alike on memory, a moto server and a fauxqs server.

``tests/mango/test_consumer.py`` pins these behaviours on the memory transport alone;
here the same behaviours run against real SQS-compatible servers, through the real
aiobotocore transport. Queues are small (moto slows as queues grow) and uniquely named.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from mango.consumer import ConsumerOptions
from mango.transport.base import ATTR_DEAD_LETTER_REASON, ATTR_TYPE, QueueBroker, QueueSpec
from tests.mango.consumer_contract.harness import FAST, Job, running_consumer
from tests.servers.sqs import unique_queue_name


def spec(**overrides: int) -> QueueSpec:
    """A uniquely named queue spec; redrive after 3 receives unless overridden."""
    values = {"visibility_timeout": 30, "max_receive_count": 3, "wait_seconds": 1, **overrides}
    return QueueSpec(name=unique_queue_name("cc"), **values)


async def test_long_poll_wakes_early_when_a_message_arrives(broker: QueueBroker) -> None:
    """A 20 s long poll already in flight returns the message that arrives meanwhile."""
    options = ConsumerOptions(concurrency=2, wait_seconds=20, depth_sample_interval=0)
    async with running_consumer(broker, spec(), options) as harness:
        while harness.stats.receive_calls < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # the first long poll is now waiting at the server
        await harness.publish(Job(key="late"))
        while not harness.ledger.handled:
            await asyncio.sleep(0.01)
        # The first receive call returned the message: it was not empty-handed.
        assert harness.ledger.empty_receives_at_handling == [0]
        assert harness.stats.received == 1


async def test_publisher_coalesces_and_consumer_deletes_in_batches(broker: QueueBroker) -> None:
    """100 concurrent publishes share SendMessageBatch calls; deletes go ten per call."""
    options = ConsumerOptions(concurrency=20, delete_linger=0.05, **FAST)
    async with running_consumer(broker, spec(), options) as harness:
        ids = await harness.publish(*(Job(key=f"k{i}") for i in range(100)))
        assert len(set(ids)) == 100
        assert harness.publish_calls <= 15  # 10 full batches, a few partial ones
        stats = await harness.drain()
        assert harness.ledger.handled == Counter({f"k{i}": 1 for i in range(100)})
        await harness.runtime.shutdown()
    assert stats.processed == 100
    assert harness.consumer.stats.delete_calls <= 20


@pytest.mark.slow
async def test_handler_slower_than_three_visibility_timeouts_is_processed_once(
    broker: QueueBroker,
) -> None:
    """The heartbeat keeps a 3.5 s handler's message invisible at a 1 s visibility."""
    options = ConsumerOptions(concurrency=2, visibility_timeout=1, **FAST)
    async with running_consumer(broker, spec(visibility_timeout=1), options) as harness:
        await harness.publish(Job(key="slow", sleep=3.5))
        await harness.drain()
        assert harness.ledger.attempts == Counter({"slow": 1})
        assert harness.ledger.handled == Counter({"slow": 1})
        stats = await harness.queue.stats()
        assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 0)


async def test_failures_back_off_keep_the_receive_count_and_reach_the_dead_letter_queue(
    broker: QueueBroker,
) -> None:
    """A failing message is seen with receive counts 1, 2, 3, then redriven to the DLQ.

    The queue's own visibility is 30 s: only the consumer's 1 s backoff visibility makes
    the retries come back within the test's wait.
    """
    options = ConsumerOptions(
        concurrency=2, wait_seconds=1, retry_backoff_min=1, retry_backoff_max=1
    )
    async with running_consumer(broker, spec(max_receive_count=3), options) as harness:
        await harness.publish(Job(key="bad", mode="fail"), Job(key="good"))
        await harness.drain(timeout=60)
        assert harness.ledger.receive_counts["bad"] == [1, 2, 3]
        assert harness.ledger.handled == Counter({"good": 1})
        [dead] = await harness.dead_letters(1)
        assert b'"bad"' in dead.body
        assert dead.attributes[ATTR_TYPE] == "contract.job"
        stats = await harness.queue.stats()
        assert (stats.visible, stats.in_flight) == (0, 0)


async def test_poison_and_rejected_messages_go_to_the_dead_letter_queue_with_the_reason(
    broker: QueueBroker,
) -> None:
    """Undecodable bodies and RejectMessage go to the DLQ at once, reason attached."""
    options = ConsumerOptions(concurrency=4, **FAST)
    async with running_consumer(broker, spec(), options) as harness:
        await harness.send_raw(b'{"type":"contract.job","key":42}', b"not json {")
        await harness.publish(Job(key="no", mode="reject"), Job(key="fine"))
        await harness.drain()
        dead = await harness.dead_letters(3)
        reasons = sorted(message.attributes[ATTR_DEAD_LETTER_REASON] for message in dead)
        assert len(reasons) == 3
        assert sum(reason.startswith("undecodable") for reason in reasons) == 2
        assert any("$.key" in reason and "contract.job" in reason for reason in reasons)
        assert any(reason.startswith("rejected: job no") for reason in reasons)
        assert harness.ledger.attempts == Counter({"no": 1, "fine": 1})
        assert harness.ledger.handled == Counter({"fine": 1})
