"""Finer semantics of the memory transport, with an injected clock instead of sleeps."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from mango.transport.base import (
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    ReceivedMessage,
    VisibilityEntry,
)
from mango.transport.memory import MemoryBroker, MemoryQueue, MemoryStore
from tests.servers.sqs import unique_queue_name


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def memory(clock: FakeClock) -> MemoryBroker:
    return MemoryBroker(store=MemoryStore(clock=clock))


@pytest.fixture
async def spec(memory: MemoryBroker) -> QueueSpec:
    spec = QueueSpec(name=unique_queue_name(), visibility_timeout=30, max_receive_count=3)
    await memory.create_queue(spec)
    return spec


@pytest.fixture
async def queue(memory: MemoryBroker, spec: QueueSpec) -> MemoryQueue:
    return await memory.open_queue(spec)


async def send(queue: MemoryQueue, *bodies: bytes, delay: int = 0) -> None:
    await queue.send_batch(
        [OutgoingMessage(id=f"e{i}", body=b, delay_seconds=delay) for i, b in enumerate(bodies)]
    )


async def take(queue: MemoryQueue, visibility: int | None = None) -> list[ReceivedMessage]:
    return await queue.receive(max_messages=10, wait_seconds=0, visibility_timeout=visibility)


async def test_message_reappears_exactly_when_visibility_expires(
    queue: MemoryQueue, clock: FakeClock
) -> None:
    """Hidden for the whole visibility timeout, visible again right at its end."""
    await send(queue, b"m")
    [first] = await take(queue, visibility=10)
    clock.advance(9.9)
    assert await take(queue) == []
    clock.advance(0.1)
    [again] = await take(queue)
    assert (again.message_id, again.receive_count) == (first.message_id, 2)


async def test_delay_hides_a_message_until_it_passes(queue: MemoryQueue, clock: FakeClock) -> None:
    """A delayed message counts as delayed, then becomes visible."""
    await send(queue, b"later", delay=5)
    assert (await queue.stats()).delayed == 1
    assert await take(queue) == []
    clock.advance(5)
    assert [m.body for m in await take(queue)] == [b"later"]


async def test_delivered_at_most_max_receive_count_times(
    memory: MemoryBroker, queue: MemoryQueue, spec: QueueSpec, clock: FakeClock
) -> None:
    """With maxReceiveCount 3: three deliveries, then the next receive redrives it."""
    await send(queue, b"poison")
    counts = []
    for _ in range(5):
        counts += [m.receive_count for m in await take(queue, visibility=1)]
        clock.advance(1)
    assert counts == [1, 2, 3]
    dead = await memory.open_queue(dataclasses.replace(spec, name=spec.dead_letter))
    [moved] = await take(dead)
    assert moved.body == b"poison"
    assert moved.receive_count == 4  # the count travels with the message, as in SQS


async def test_stale_handle_delete_follows_moto(queue: MemoryQueue, clock: FakeClock) -> None:
    """An older receive's handle still deletes; a repeated delete succeeds; junk fails."""
    await send(queue, b"m")
    [first] = await take(queue, visibility=1)
    clock.advance(1)
    [second] = await take(queue, visibility=30)
    result = await queue.delete_batch([DeleteEntry("old", first.receipt_handle)])
    assert set(result.successful) == {"old"}
    assert (await queue.stats()).in_flight == 0
    again = await queue.delete_batch([DeleteEntry("new", second.receipt_handle)])
    assert set(again.successful) == {"new"}
    await send(queue, b"other")
    [other] = await take(queue)
    junk = await queue.delete_batch(
        [DeleteEntry("junk", "not-a-handle"), DeleteEntry("future", f"{other.message_id}:9")]
    )
    assert {key: value[0] for key, value in junk.failed.items()} == {
        "junk": "ReceiptHandleIsInvalid",
        "future": "ReceiptHandleIsInvalid",
    }


async def test_change_visibility_needs_the_latest_handle_of_an_in_flight_message(
    queue: MemoryQueue, clock: FakeClock
) -> None:
    """A stale heartbeat cannot hide a message another receiver holds."""
    await send(queue, b"m")
    [first] = await take(queue, visibility=1)
    clock.advance(1)
    expired = await queue.change_visibility_batch([VisibilityEntry("v", first.receipt_handle, 60)])
    assert expired.failed["v"][0] == "MessageNotInflight"
    [second] = await take(queue, visibility=30)
    stale = await queue.change_visibility_batch([VisibilityEntry("v", first.receipt_handle, 0)])
    assert stale.failed["v"][0] == "ReceiptHandleIsInvalid"
    assert (await queue.stats()).in_flight == 1
    await queue.change_visibility_batch([VisibilityEntry("v", second.receipt_handle, 0)])
    [third] = await take(queue, visibility=1)
    out_of_range = await queue.change_visibility_batch(
        [VisibilityEntry("v", third.receipt_handle, 43_201)]
    )
    assert out_of_range.failed["v"][0] == "InvalidParameterValue"


async def test_extended_visibility_counts_from_the_change(
    queue: MemoryQueue, clock: FakeClock
) -> None:
    """A heartbeat sets the timeout from now, as SQS does."""
    await send(queue, b"m")
    [message] = await take(queue, visibility=10)
    clock.advance(8)
    await queue.change_visibility_batch([VisibilityEntry("v", message.receipt_handle, 10)])
    clock.advance(9)
    assert await take(queue) == []
    clock.advance(1)
    assert len(await take(queue)) == 1


async def test_many_messages_keep_the_deadline_heap_small(
    queue: MemoryQueue, clock: FakeClock
) -> None:
    """Deleted in-flight messages do not pile up in the deadline heap."""
    for start in range(0, 5000, 10):
        await send(queue, *[str(n).encode() for n in range(start, start + 10)])
    seen = 0
    while batch := await take(queue):
        seen += len(batch)
        await queue.delete_batch(
            [DeleteEntry(f"d{i}", m.receipt_handle) for i, m in enumerate(batch)]
        )
    assert seen == 5000
    stats = await queue.stats()
    assert (stats.visible, stats.in_flight, stats.delayed) == (0, 0, 0)
    state = queue._store.queues[queue.name]
    assert len(state._timers) <= 1024 + 10


async def test_every_waiting_receiver_gets_a_message() -> None:
    """Two long polls waiting on one queue both return when two messages arrive."""
    broker = MemoryBroker(store=MemoryStore())
    spec = QueueSpec(name=unique_queue_name())
    await broker.create_queue(spec)
    queue = await broker.open_queue(spec)
    waiters = [
        asyncio.create_task(queue.receive(max_messages=1, wait_seconds=10)) for _ in range(2)
    ]
    await asyncio.sleep(0.01)
    await send(queue, b"a", b"b")
    results = await asyncio.wait_for(asyncio.gather(*waiters), timeout=8)
    assert sorted(m.body for batch in results for m in batch) == [b"a", b"b"]


async def test_a_delayed_message_ends_a_long_poll() -> None:
    """A long poll wakes when a delayed message's delay passes, with no send to wake it."""
    broker = MemoryBroker(store=MemoryStore())
    spec = QueueSpec(name=unique_queue_name())
    await broker.create_queue(spec)
    queue = await broker.open_queue(spec)
    await send(queue, b"soon", delay=1)
    received = await asyncio.wait_for(queue.receive(max_messages=1, wait_seconds=10), timeout=8)
    assert [m.body for m in received] == [b"soon"]


async def test_cancelled_receive_leaves_no_waiter_behind() -> None:
    """Cancelling a long poll removes its waiter; a later message is not lost to it."""
    broker = MemoryBroker(store=MemoryStore())
    spec = QueueSpec(name=unique_queue_name())
    await broker.create_queue(spec)
    queue = await broker.open_queue(spec)
    waiting = asyncio.create_task(queue.receive(max_messages=1, wait_seconds=10))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert queue._store.queues[spec.name]._waiters == []
    await send(queue, b"kept")
    assert len(await take(queue)) == 1


async def test_brokers_of_one_process_share_queues_by_default() -> None:
    """Two default brokers (two services in `mango dev`) see the same queue."""
    spec = QueueSpec(name=unique_queue_name())
    producer: QueueBroker = MemoryBroker()
    async with MemoryBroker() as consumer:
        await producer.create_queue(spec)
        await (await producer.open_queue(spec)).send_batch([OutgoingMessage(id="a", body=b"x")])
        received = await (await consumer.open_queue(spec)).receive(max_messages=1, wait_seconds=0)
    assert [m.body for m in received] == [b"x"]


async def test_auto_create_opens_missing_queues_with_their_dead_letter_queue() -> None:
    """With auto_create, opening a queue creates it and its dead-letter queue."""
    broker = MemoryBroker(store=MemoryStore(), auto_create=True)
    spec = QueueSpec(name=unique_queue_name())
    queue = await broker.open_queue(spec)
    assert (await queue.stats()).dead_letters == 0


async def test_configured_body_limit(clock: FakeClock) -> None:
    """max_body_bytes is configurable per broker."""
    broker = MemoryBroker(store=MemoryStore(clock=clock), auto_create=True, max_body_bytes=1024)
    queue = await broker.open_queue(QueueSpec(name=unique_queue_name()))
    assert queue.max_body_bytes == 1024
    await send(queue, b"x" * 1024)
    with pytest.raises(ValueError, match="1024"):
        await send(queue, b"x" * 1025)
