"""Queue operations (create, stats, dead-letter peek and redrive) against a moto server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from mango.queue_ops import (
    create_queues,
    dlq_peek,
    dlq_redrive,
    queue_stats,
    render_stats_json,
    render_stats_table,
)
from mango.transport.base import (
    ATTR_DEAD_LETTER_REASON,
    ATTR_TYPE,
    BatchResult,
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    QueueStats,
    QueueTransport,
    ReceivedMessage,
)
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import SqsServer, unique_queue_name


@pytest.fixture
async def broker(moto_server: SqsServer) -> AsyncIterator[QueueBroker]:
    async with SqsBroker(**moto_server.broker_options()) as sqs:
        yield sqs


@pytest.fixture
def spec() -> QueueSpec:
    return QueueSpec(name=unique_queue_name("ops"), max_receive_count=2, wait_seconds=1)


async def fill_dead_letters(broker: QueueBroker, spec: QueueSpec, count: int) -> set[bytes]:
    """Put ``count`` messages with a reason straight into ``spec``'s dead-letter queue."""
    dead = await broker.open_queue(dataclasses.replace(spec, name=spec.dead_letter))
    bodies = [f'{{"n":{n}}}'.encode() for n in range(count)]
    for start in range(0, count, 10):
        await dead.send_batch(
            [
                OutgoingMessage(
                    id=f"e{i}",
                    body=body,
                    attributes={ATTR_TYPE: "thing.done", ATTR_DEAD_LETTER_REASON: "boom"},
                )
                for i, body in enumerate(bodies[start : start + 10])
            ]
        )
    return set(bodies)


async def drain(queue: QueueTransport) -> list[ReceivedMessage]:
    received: list[ReceivedMessage] = []
    while batch := await queue.receive(max_messages=10, wait_seconds=1, visibility_timeout=60):
        received += batch
    return received


async def test_create_queues_is_idempotent(broker: QueueBroker, spec: QueueSpec) -> None:
    """Creating the same queues twice succeeds and yields empty queues with a DLQ."""
    other = QueueSpec(name=unique_queue_name("ops"))
    await create_queues(broker, [spec, other])
    await create_queues(broker, [spec, other])
    stats = await queue_stats(broker, [spec, other])
    assert [(s.name, s.visible, s.dead_letters) for s in stats] == [
        (spec.name, 0, 0),
        (other.name, 0, 0),
    ]


async def test_stats_render_as_table_and_json(broker: QueueBroker, spec: QueueSpec) -> None:
    """The table aligns its columns; the JSON has one object per queue."""
    await create_queues(broker, [spec])
    queue = await broker.open_queue(spec)
    await queue.send_batch([OutgoingMessage(id="a", body=b"1"), OutgoingMessage(id="b", body=b"2")])
    await fill_dead_letters(broker, spec, 3)
    stats = await queue_stats(broker, [spec])
    table = render_stats_table([*stats, QueueStats("a-much-longer-queue-name", 10, 0, 0, None)])
    lines = table.splitlines()
    assert lines[0].split() == ["queue", "visible", "in", "flight", "delayed", "dead", "letters"]
    assert lines[1].split() == [spec.name, "2", "0", "0", "3"]
    assert lines[2].split()[-1] == "-"
    assert len({len(line) for line in lines}) == 1
    assert json.loads(render_stats_json(stats)) == [
        {"name": spec.name, "visible": 2, "in_flight": 0, "delayed": 0, "dead_letters": 3}
    ]


async def test_peek_shows_dead_letters_without_removing_them(
    broker: QueueBroker, spec: QueueSpec
) -> None:
    """Peek shows type, reason and body excerpt, and leaves every message visible."""
    await create_queues(broker, [spec])
    await fill_dead_letters(broker, spec, 12)
    letters = await dlq_peek(broker, spec, limit=11)
    assert len(letters) == 11
    assert len({letter.message_id for letter in letters}) == 11
    assert {(letter.message_type, letter.reason) for letter in letters} == {("thing.done", "boom")}
    assert all(letter.body_excerpt.startswith('{"n":') for letter in letters)
    stats = (await queue_stats(broker, [spec]))[0]
    assert stats.dead_letters == 12
    dead = await broker.open_queue(dataclasses.replace(spec, name=spec.dead_letter))
    assert (await dead.stats()).visible == 12


async def test_redrive_moves_everything_back_and_a_rerun_is_harmless(
    broker: QueueBroker, spec: QueueSpec
) -> None:
    """Every dead letter returns to its queue without the reason; running again moves 0."""
    await create_queues(broker, [spec])
    bodies = await fill_dead_letters(broker, spec, 25)
    reports: list[tuple[int, int]] = []
    result = await dlq_redrive(broker, spec, progress=lambda *p: reports.append(p))
    assert (result.moved, result.failed) == (25, 0)
    assert reports[-1] == (25, 25)
    moved = await drain(await broker.open_queue(spec))
    assert {m.body for m in moved} == bodies
    assert len(moved) == 25
    assert all(m.attributes == {ATTR_TYPE: "thing.done"} for m in moved)
    assert (await dlq_redrive(broker, spec)).moved == 0


class _DeleteFailsOnce:
    """A dead-letter queue whose first delete fails, as if the process died just before it."""

    def __init__(self, queue: QueueTransport) -> None:
        self._queue = queue
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)

    async def delete_batch(self, entries: Sequence[DeleteEntry]) -> BatchResult:
        if not self.failed:
            self.failed = True
            raise KeyboardInterrupt
        return await self._queue.delete_batch(entries)


class _InterruptingBroker:
    def __init__(self, broker: QueueBroker) -> None:
        self._broker = broker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    async def open_queue(self, spec: QueueSpec) -> Any:
        queue = await self._broker.open_queue(spec)
        return _DeleteFailsOnce(queue) if spec.name.endswith("-dlq") else queue


async def test_interrupted_redrive_loses_nothing(broker: QueueBroker, spec: QueueSpec) -> None:
    """Interrupted between send and delete, a rerun completes: every message arrives."""
    await create_queues(broker, [spec])
    bodies = await fill_dead_letters(broker, spec, 15)
    with pytest.raises(KeyboardInterrupt):
        await dlq_redrive(_InterruptingBroker(broker), spec, visibility_timeout=1)
    await asyncio.sleep(1.5)  # the unfinished batch reappears in the dead-letter queue
    result = await dlq_redrive(broker, spec, visibility_timeout=1)
    assert result.moved == 15
    moved = await drain(await broker.open_queue(spec))
    assert {m.body for m in moved} == bodies  # the first batch may arrive twice
    assert result.moved + 10 == len(moved)
    assert (await queue_stats(broker, [spec]))[0].dead_letters == 0
