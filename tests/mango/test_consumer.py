"""The consumer actor on the memory transport: slots, heartbeat, backoff, DLQ, drain."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from mango import Actor, Message, MessageCodec, RejectMessage, Runtime, handler
from mango.consumer import ConsumerOptions, QueueConsumer, WaitIdle
from mango.errors import RetryLater
from mango.logs import log_context
from mango.publisher import Publish, QueuePublisher
from mango.transport import ATTR_DEAD_LETTER_REASON, OutgoingMessage, QueueSpec, QueueTransport
from mango.transport.memory import MemoryBroker, MemoryStore


class Job(Message, frozen=True, tag="test.job"):
    key: str
    sleep: float = 0.0
    mode: str = "ok"  # ok | fail | retry | reject


codec = MessageCodec([Job])


@dataclass
class Ledger:
    """What the handlers did, shared by every worker instance."""

    handled: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    running: int = 0
    peak: int = 0
    gate: asyncio.Event | None = None
    contexts: list[dict[str, Any]] = field(default_factory=list)


class JobWorker(Actor):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @handler
    async def job(self, message: Job) -> None:
        ledger = self.ledger
        ledger.contexts.append(log_context())
        ledger.attempts[message.key] += 1
        ledger.running += 1
        ledger.peak = max(ledger.peak, ledger.running)
        try:
            if ledger.gate is not None:
                await ledger.gate.wait()
            await asyncio.sleep(message.sleep)
            if message.mode == "fail":
                raise RuntimeError(f"job {message.key} failed")
            if message.mode == "retry" and ledger.attempts[message.key] < 2:
                raise RetryLater("not yet", delay=0)
            if message.mode == "reject":
                raise RejectMessage("bad job")
            ledger.handled[message.key] += 1
        finally:
            ledger.running -= 1


@dataclass
class Setup:
    runtime: Runtime
    queue: QueueTransport
    ledger: Ledger
    consumer: Any
    store: MemoryStore

    async def send(self, *jobs: Job) -> None:
        for start in range(0, len(jobs), 10):
            chunk = jobs[start : start + 10]
            entries = [
                OutgoingMessage(id=str(i), body=codec.encode(job)) for i, job in enumerate(chunk)
            ]
            result = await self.queue.send_batch(entries)
            assert not result.failed


@asynccontextmanager
async def consuming(
    *,
    options: ConsumerOptions,
    spec: QueueSpec | None = None,
    ledger: Ledger | None = None,
    store: MemoryStore | None = None,
) -> AsyncIterator[Setup]:
    store = store or MemoryStore()
    spec = spec or QueueSpec(name="jobs", visibility_timeout=30, max_receive_count=3)
    ledger = ledger or Ledger()
    broker = MemoryBroker(store=store, auto_create=True)
    queue = await broker.open_queue(spec)
    async with Runtime(stop_timeout=1.0) as runtime:
        worker = await runtime.spawn(
            lambda: JobWorker(ledger), name="worker", instances=options.concurrency
        )
        consumer = await runtime.spawn(
            lambda: QueueConsumer(transport=queue, codec=codec, target=worker, options=options),
            name="consumer",
            stop_timeout=options.shutdown_grace + 5,
        )
        yield Setup(runtime, queue, ledger, consumer, store)


FAST = dict(wait_seconds=1.0, retry_backoff_min=0.0, retry_backoff_max=0.0, delete_linger=0.01)


async def test_every_message_is_handled_once_and_deleted() -> None:
    """A batch of messages is handled exactly once each and leaves the queue empty."""
    async with consuming(options=ConsumerOptions(concurrency=8, **FAST)) as setup:
        await setup.send(*(Job(key=f"k{i}") for i in range(50)))
        await setup.consumer.ask(WaitIdle(), timeout=30)
        assert setup.ledger.handled == Counter({f"k{i}": 1 for i in range(50)})
        stats = await setup.queue.stats()
        assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 0)


async def test_concurrency_limit_is_independent_of_batch_size() -> None:
    """With concurrency 3 no more than 3 handlers run, though batches hold 10."""
    ledger = Ledger()
    async with consuming(options=ConsumerOptions(concurrency=3, **FAST), ledger=ledger) as setup:
        await setup.send(*(Job(key=f"k{i}", sleep=0.02) for i in range(20)))
        await setup.consumer.ask(WaitIdle(), timeout=30)
    assert ledger.peak == 3
    assert sum(ledger.handled.values()) == 20


async def test_receives_only_as_many_as_free_slots() -> None:
    """While all slots are busy nothing more is received: the rest stays visible."""
    ledger = Ledger(gate=asyncio.Event())
    async with consuming(options=ConsumerOptions(concurrency=4, **FAST), ledger=ledger) as setup:
        await setup.send(*(Job(key=f"k{i}") for i in range(10)))
        for _ in range(200):
            if ledger.running == 4:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # give a greedy consumer the chance to over-receive
        stats = await setup.queue.stats()
        assert stats.in_flight == 4
        assert stats.visible == 6
        ledger.gate.set()  # type: ignore[union-attr]
        await setup.consumer.ask(WaitIdle(), timeout=30)
    assert sum(ledger.handled.values()) == 10


@pytest.mark.slow
async def test_heartbeat_keeps_a_slow_message_invisible() -> None:
    """A handler slower than 3 visibility timeouts is handled once (no redelivery)."""
    spec = QueueSpec(name="slow", visibility_timeout=1, max_receive_count=5)
    options = ConsumerOptions(concurrency=2, visibility_timeout=1, **FAST)
    async with consuming(options=options, spec=spec) as setup:
        await setup.send(Job(key="slow", sleep=3.5))
        await setup.consumer.ask(WaitIdle(), timeout=30)
        assert setup.ledger.attempts["slow"] == 1
        assert setup.ledger.handled["slow"] == 1


async def test_failures_back_off_then_reach_the_dead_letter_queue() -> None:
    """A failing message is retried until maxReceiveCount, then redriven to the DLQ."""
    spec = QueueSpec(name="failing", visibility_timeout=30, max_receive_count=3)
    async with consuming(options=ConsumerOptions(concurrency=2, **FAST), spec=spec) as setup:
        await setup.send(Job(key="bad", mode="fail"), Job(key="good"))
        await setup.consumer.ask(WaitIdle(), timeout=30)
        assert setup.ledger.attempts["bad"] == 3
        assert setup.ledger.handled == Counter({"good": 1})
        stats = await setup.queue.stats()
        assert stats.dead_letters == 1
        assert setup.consumer is not None


async def test_poison_message_goes_to_the_dead_letter_queue_at_once_with_the_reason() -> None:
    """An undecodable body is dead-lettered on first receipt with the decode error."""
    async with consuming(options=ConsumerOptions(concurrency=2, **FAST)) as setup:
        await setup.queue.send_batch(
            [
                OutgoingMessage(id="0", body=b'{"type":"test.job","key":42}'),
                OutgoingMessage(id="1", body=b"not json {"),
            ]
        )
        await setup.consumer.ask(WaitIdle(), timeout=30)
        dlq = await MemoryBroker(store=setup.store).open_queue(QueueSpec(name="jobs-dlq"))
        dead = await dlq.receive(max_messages=10, wait_seconds=0)
        assert len(dead) == 2
        reasons = sorted(m.attributes[ATTR_DEAD_LETTER_REASON] for m in dead)
        assert any("$.key" in reason and "test.job" in reason for reason in reasons)
        assert all(reason.startswith("undecodable") for reason in reasons)


async def test_retry_later_and_reject_are_control_flow() -> None:
    """RetryLater redelivers without a failure; RejectMessage dead-letters at once."""
    async with consuming(options=ConsumerOptions(concurrency=2, **FAST)) as setup:
        await setup.send(Job(key="later", mode="retry"), Job(key="no", mode="reject"))
        await setup.consumer.ask(WaitIdle(), timeout=30)
        assert setup.ledger.handled == Counter({"later": 1})
        assert setup.ledger.attempts["no"] == 1
        assert (await setup.queue.stats()).dead_letters == 1


async def test_deletes_are_batched() -> None:
    """Handled messages are deleted ten per call, not one by one."""
    options = ConsumerOptions(concurrency=10, **{**FAST, "delete_linger": 0.05})
    async with consuming(options=options) as setup:
        await setup.send(*(Job(key=f"k{i}") for i in range(40)))
        await setup.consumer.ask(WaitIdle(), timeout=30)
        consumer_stats = await setup.consumer.ask(WaitIdle(check_queue=False))
    assert consumer_stats.processed == 40
    assert consumer_stats.delete_calls <= 8  # 4 full batches, a few partial at the edges


async def test_graceful_drain_finishes_in_flight_and_releases_nothing_twice() -> None:
    """Stopping mid-work lets in-flight handlers finish, deletes them, and a second
    consumer handles exactly the rest: nothing lost, nothing handled twice."""
    store = MemoryStore()
    ledger = Ledger()
    options = ConsumerOptions(concurrency=4, shutdown_grace=10, **FAST)
    jobs = [Job(key=f"k{i}", sleep=0.05) for i in range(40)]
    async with consuming(options=options, store=store, ledger=ledger) as setup:
        await setup.send(*jobs)
        while sum(ledger.handled.values()) < 8:
            await asyncio.sleep(0.01)
    # The runtime has stopped: whatever was in flight finished.
    assert ledger.running == 0
    first_round = sum(ledger.handled.values())
    assert first_round < 40
    async with consuming(options=options, store=store, ledger=ledger) as setup:
        await setup.consumer.ask(WaitIdle(), timeout=30)
    assert ledger.handled == Counter({job.key: 1 for job in jobs})


async def test_messages_past_the_grace_period_are_released_at_once() -> None:
    """A handler still running when the grace period ends is cancelled and its message
    released (visibility 0), so another replica takes it right away."""
    store = MemoryStore()
    options = ConsumerOptions(concurrency=2, shutdown_grace=0.1, **FAST)
    async with consuming(options=options, store=store) as setup:
        await setup.send(Job(key="long", sleep=60))
        while setup.ledger.running == 0:
            await asyncio.sleep(0.01)
        queue = setup.queue
    stats = await queue.stats()
    assert stats.visible == 1
    assert stats.in_flight == 0


async def test_receive_errors_back_off_and_recover() -> None:
    """A queue that fails to receive is retried with backoff; work resumes after."""

    class Flaky:
        def __init__(self, inner: QueueTransport) -> None:
            self.inner = inner
            self.name = inner.name
            self.spec = inner.spec
            self.max_body_bytes = inner.max_body_bytes
            self.failures = 3

        async def receive(self, **kwargs: Any) -> Any:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("endpoint down")
            return await self.inner.receive(**kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    store = MemoryStore()
    queue = await MemoryBroker(store=store, auto_create=True).open_queue(QueueSpec(name="flaky"))
    flaky = Flaky(queue)
    ledger = Ledger()
    options = ConsumerOptions(concurrency=2, error_backoff_max=0.05, **FAST)
    async with Runtime() as runtime:
        worker = await runtime.spawn(lambda: JobWorker(ledger), instances=2)
        consumer = await runtime.spawn(
            lambda: QueueConsumer(
                transport=flaky,  # type: ignore[arg-type]
                codec=codec,
                target=worker,
                options=options,
            )
        )
        await queue.send_batch([OutgoingMessage(id="0", body=codec.encode(Job(key="a")))])
        stats = await consumer.ask(WaitIdle(), timeout=30)
    assert ledger.handled == Counter({"a": 1})
    assert stats.receive_errors == 3


async def test_publisher_coalesces_concurrent_asks_into_batches() -> None:
    """Concurrent publishes share SendMessageBatch calls and each gets its message id."""
    store = MemoryStore()
    queue = await MemoryBroker(store=store, auto_create=True).open_queue(QueueSpec(name="pub"))
    async with Runtime() as runtime:
        publisher_actor: list[QueuePublisher] = []

        def make() -> QueuePublisher:
            publisher_actor.append(QueuePublisher(transport=queue, codec=codec, sender="test"))
            return publisher_actor[-1]

        publisher = await runtime.spawn(make)
        ids = await asyncio.gather(*(publisher.ask(Publish(Job(key=str(i)))) for i in range(95)))
    assert len(set(ids)) == 95
    assert publisher_actor[0].calls <= 12
    assert (await queue.stats()).visible == 95


async def test_publisher_refuses_oversized_and_foreign_messages_per_message() -> None:
    """A too-large message fails its own ask with a clear error; the rest are sent."""
    from mango import MessageTooLargeError

    class Other(Message, frozen=True, tag="test.other"):
        pass

    store = MemoryStore()
    queue = await MemoryBroker(store=store, auto_create=True, max_body_bytes=2048).open_queue(
        QueueSpec(name="limits")
    )
    async with Runtime() as runtime:
        publisher = await runtime.spawn(
            lambda: QueuePublisher(transport=queue, codec=codec, sender="test")
        )
        big, small, other = await asyncio.gather(
            publisher.ask(Publish(Job(key="x" * 5000))),
            publisher.ask(Publish(Job(key="ok"))),
            publisher.ask(Publish(Other())),  # type: ignore[arg-type]
            return_exceptions=True,
        )
    assert isinstance(big, MessageTooLargeError)
    assert "2048" in str(big)
    assert isinstance(small, str)
    assert isinstance(other, TypeError)
    assert (await queue.stats()).visible == 1


async def test_handler_log_context_carries_queue_actor_message_and_trace_ids() -> None:
    """Log lines inside a handler carry queue, actor, message id and trace id."""
    store = MemoryStore()
    ledger = Ledger()
    async with consuming(
        options=ConsumerOptions(concurrency=2, **FAST), store=store, ledger=ledger
    ) as setup:
        publisher = await setup.runtime.spawn(
            lambda: QueuePublisher(transport=setup.queue, codec=codec, sender="test")
        )
        message_id = await publisher.ask(Publish(Job(key="traced"), trace_id="trace-123"))
        await setup.consumer.ask(WaitIdle(), timeout=30)
    (context,) = ledger.contexts
    assert context["queue"] == "jobs"
    assert context["actor"] == "worker"
    assert context["message_id"] == message_id
    assert context["trace_id"] == "trace-123"


async def test_busy_consumer_waits_briefly_for_a_full_batch_of_free_slots() -> None:
    """With concurrency 16 (not a multiple of the batch of 10), a busy consumer does not
    split its receives into 10 then 6: it waits up to ``receive_linger`` for ten free
    slots, so every receive under load asks for a full batch."""
    asked: list[int] = []
    options = ConsumerOptions(concurrency=16, receive_linger=0.5, **FAST)
    async with consuming(options=options) as setup:
        await setup.send(*(Job(key=f"k{i}", sleep=0.02) for i in range(160)))
        receive = setup.queue.receive

        async def recording(*, max_messages: int, **kwargs: Any) -> Any:
            asked.append(max_messages)
            return await receive(max_messages=max_messages, **kwargs)

        setup.queue.receive = recording  # type: ignore[method-assign]
        stats = await setup.consumer.ask(WaitIdle(), timeout=30)
    assert stats.processed == 160
    assert asked
    assert set(asked) == {10}
    assert setup.ledger.peak <= 16


async def test_idle_consumer_receives_at_once_without_lingering() -> None:
    """With every slot free, the first message is received without waiting for the linger."""
    options = ConsumerOptions(concurrency=16, receive_linger=5.0, **FAST)
    async with consuming(options=options) as setup:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await setup.send(Job(key="one"))
        while not setup.ledger.handled:
            await asyncio.sleep(0.005)
        assert loop.time() - started < 2.0  # one long poll at most, never the 5 s linger


async def test_every_late_message_is_released_at_shutdown() -> None:
    """All messages still being handled when the grace period ends are released."""
    store = MemoryStore()
    options = ConsumerOptions(concurrency=3, shutdown_grace=0.1, **FAST)
    async with consuming(options=options, store=store) as setup:
        await setup.send(*(Job(key=f"long{i}", sleep=60) for i in range(3)))
        while setup.ledger.running < 3:
            await asyncio.sleep(0.01)
        queue = setup.queue
    stats = await queue.stats()
    assert (stats.visible, stats.in_flight) == (3, 0)


def test_receive_linger_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="receive_linger"):
        ConsumerOptions(receive_linger=-1)


async def test_deletes_of_several_pollers_go_out_concurrently_and_all_land() -> None:
    """With several receive loops, up to one delete call per loop is in flight at once;
    every handled message is still deleted exactly once, in batches of ten."""
    in_flight = 0
    peak = 0
    options = ConsumerOptions(concurrency=40, pollers=3, **FAST)
    async with consuming(options=options) as setup:
        delete_batch = setup.queue.delete_batch

        async def slow_delete(entries: Any) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                await asyncio.sleep(0.05)
                return await delete_batch(entries)
            finally:
                in_flight -= 1

        setup.queue.delete_batch = slow_delete  # type: ignore[method-assign]
        await setup.send(*(Job(key=f"k{i}") for i in range(120)))
        stats = await setup.consumer.ask(WaitIdle(), timeout=30)
    assert stats.processed == 120
    assert 1 < peak <= 3
    assert (await setup.queue.stats()).visible == 0


async def test_messages_not_yet_queued_for_a_full_mailbox_are_released_at_stop() -> None:
    """Messages received but not yet queued (the target's mailbox is full) go back to the
    queue as soon as the consumer stops; those already queued are still handled."""
    store = MemoryStore()
    ledger = Ledger(gate=asyncio.Event())
    queue = await MemoryBroker(store=store, auto_create=True).open_queue(
        QueueSpec(name="jobs", visibility_timeout=30, max_receive_count=3)
    )
    options = ConsumerOptions(concurrency=10, shutdown_grace=30, **FAST)
    async with Runtime(stop_timeout=1.0) as runtime:
        worker = await runtime.spawn(lambda: JobWorker(ledger), name="worker", mailbox_size=1)
        consumer = await runtime.spawn(
            lambda: QueueConsumer(transport=queue, codec=codec, target=worker, options=options),
            name="consumer",
            stop_timeout=40,
        )
        entries = [
            OutgoingMessage(id=str(i), body=codec.encode(Job(key=f"k{i}"))) for i in range(10)
        ]
        assert not (await queue.send_batch(entries)).failed
        # One job handled (held by the gate), one in the mailbox, eight waiting for room.
        while not (
            ledger.running == 1
            and worker.mailbox_depth == 1
            and (await queue.stats()).in_flight == 10
        ):
            await asyncio.sleep(0.01)
        stopping = asyncio.ensure_future(consumer.stop())
        while (await queue.stats()).visible < 8:
            await asyncio.sleep(0.01)
        ledger.gate.set()  # type: ignore[union-attr]
        await stopping
        stats = await queue.stats()
    assert sum(ledger.handled.values()) == 2
    assert (stats.visible, stats.in_flight) == (8, 0)
