"""A consumer and a publisher on one queue of any broker, and a ledger of what handlers did.

The same harness drives the memory broker, a moto server and a fauxqs server, so every
contract test states a behaviour once and checks it on all three.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mango import Actor, Message, MessageCodec, RejectMessage, Runtime, handler
from mango.consumer import ConsumerOptions, ConsumerStats, QueueConsumer, WaitIdle
from mango.logs import log_context
from mango.publisher import Publish, QueuePublisher
from mango.transport.base import (
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    QueueTransport,
    ReceivedMessage,
)


class Job(Message, frozen=True, tag="contract.job"):
    """A unit of test work: sleep, then succeed, fail or be rejected."""

    key: str
    sleep: float = 0.0
    mode: str = "ok"  # ok | fail | reject


codec = MessageCodec([Job])

FAST = {"wait_seconds": 1.0, "retry_backoff_min": 0.0, "retry_backoff_max": 0.0}
"""Options that keep tests quick: short long polls, immediate retries."""


@dataclass
class Ledger:
    """What the handlers did, shared by every worker instance."""

    handled: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    receive_counts: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    running: int = 0
    empty_receives_at_handling: list[int] = field(default_factory=list)
    handled_message_ids: set[str] = field(default_factory=set)
    consumer: QueueConsumer | None = None


class JobWorker(Actor):
    """Records each attempt (with the receive count the consumer saw) in the ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @handler
    async def job(self, message: Job) -> None:
        """Do a job as its ``mode`` says."""
        ledger = self.ledger
        ledger.attempts[message.key] += 1
        context = log_context()
        ledger.receive_counts[message.key].append(int(context.get("receive_count", 0)))
        if ledger.consumer is not None:
            ledger.empty_receives_at_handling.append(ledger.consumer.stats.empty_receives)
        ledger.running += 1
        try:
            await asyncio.sleep(message.sleep)
            if message.mode == "fail":
                raise RuntimeError(f"job {message.key} failed")
            if message.mode == "reject":
                raise RejectMessage(f"job {message.key} is not acceptable")
            ledger.handled[message.key] += 1
            ledger.handled_message_ids.add(str(context.get("message_id")))
        finally:
            ledger.running -= 1


@dataclass
class Harness:
    """A publisher (and, once started, a consumer) on ``queue``, and what handlers did."""

    broker: QueueBroker
    spec: QueueSpec
    queue: QueueTransport
    runtime: Runtime
    ledger: Ledger
    options: ConsumerOptions
    worker_ref: Any
    publisher_ref: Any
    publishers: list[QueuePublisher]
    consumer_ref: Any = None
    consumer: Any = None  # the QueueConsumer instance, once started

    async def start_consumer(self) -> None:
        """Spawn the consumer (``running_consumer`` does it unless told not to)."""
        consumers: list[QueueConsumer] = []

        def make_consumer() -> QueueConsumer:
            consumer = QueueConsumer(
                transport=self.queue, codec=codec, target=self.worker_ref, options=self.options
            )
            consumers.append(consumer)
            self.ledger.consumer = consumer
            return consumer

        self.consumer_ref = await self.runtime.spawn(
            make_consumer, name="consumer", stop_timeout=self.options.shutdown_grace + 5
        )
        self.consumer = consumers[0]

    @property
    def stats(self) -> ConsumerStats:
        """The consumer's live counters."""
        return self.consumer.stats

    @property
    def publish_calls(self) -> int:
        """SendMessageBatch calls made by every publisher instance."""
        return sum(publisher.calls for publisher in self.publishers)

    async def publish(self, *jobs: Job, timeout: float = 60.0) -> list[str]:
        """Publish ``jobs`` with concurrent asks; return their message ids."""
        asks = (self.publisher_ref.ask(Publish(job), timeout=timeout) for job in jobs)
        return list(await asyncio.gather(*asks))

    async def send_raw(self, *bodies: bytes) -> None:
        """Send raw bodies straight through the transport (e.g. undecodable ones)."""
        entries = [OutgoingMessage(id=str(i), body=body) for i, body in enumerate(bodies)]
        result = await self.queue.send_batch(entries)
        assert not result.failed, result.failed

    async def drain(self, timeout: float = 60.0) -> ConsumerStats:
        """Wait until the queue is empty and nothing is in flight."""
        stats: ConsumerStats = await self.consumer_ref.ask(WaitIdle(), timeout=timeout)
        return stats

    async def dead_letters(self, count: int, *, within: float = 20.0) -> list[ReceivedMessage]:
        """Receive (and delete) up to ``count`` messages of the dead-letter queue."""
        dead_letter_queue = await self.broker.open_queue(
            dataclasses.replace(self.spec, name=self.spec.dead_letter)
        )
        found: list[ReceivedMessage] = []
        deadline = time.monotonic() + within
        while len(found) < count and time.monotonic() < deadline:
            batch = await dead_letter_queue.receive(
                max_messages=min(10, count - len(found)), wait_seconds=1
            )
            if batch:
                await dead_letter_queue.delete_batch(
                    [DeleteEntry(str(i), m.receipt_handle) for i, m in enumerate(batch)]
                )
            found += batch
        return found


@asynccontextmanager
async def running_consumer(
    broker: QueueBroker,
    spec: QueueSpec,
    options: ConsumerOptions,
    *,
    ledger: Ledger | None = None,
    publisher_options: dict[str, Any] | None = None,
    consume: bool = True,
) -> AsyncIterator[Harness]:
    """Create ``spec``'s queue; run a publisher (4 instances) and a consumer on it.

    With ``consume=False`` the consumer starts only at ``harness.start_consumer()``.
    """
    await broker.create_queue(spec)
    queue = await broker.open_queue(spec)
    ledger = ledger or Ledger()
    publishers: list[QueuePublisher] = []

    def make_publisher() -> QueuePublisher:
        publisher = QueuePublisher(
            transport=queue, codec=codec, sender="contract", **(publisher_options or {})
        )
        publishers.append(publisher)
        return publisher

    async with Runtime(stop_timeout=1.0) as runtime:
        worker = await runtime.spawn(
            lambda: JobWorker(ledger), name="worker", instances=options.concurrency
        )
        publisher = await runtime.spawn(make_publisher, name="publisher", instances=4)
        harness = Harness(
            broker, spec, queue, runtime, ledger, options, worker, publisher, publishers
        )
        if consume:
            await harness.start_consumer()
        yield harness
