"""The queue transport contract, run against memory, a moto server and a fauxqs server.

Every test here must pass on all three backends: this is what lets the consumer and the
publisher be tested on the memory transport and trusted on SQS.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from mango.errors import MessageTooLargeError, QueueUnavailableError
from mango.transport.base import (
    ATTR_DEAD_LETTER_REASON,
    ATTR_TYPE,
    DEFAULT_MAX_BODY_BYTES,
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    QueueTransport,
    ReceivedMessage,
    VisibilityEntry,
)
from tests.servers.sqs import unique_queue_name


def outgoing(*bodies: bytes, **attributes: str) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(id=f"e{i}", body=body, attributes=dict(attributes))
        for i, body in enumerate(bodies)
    ]


async def receive_until(
    queue: QueueTransport, count: int, *, within: float = 10.0, visibility: int | None = None
) -> list[ReceivedMessage]:
    """Receive until ``count`` messages arrived or ``within`` seconds passed."""
    received: list[ReceivedMessage] = []
    deadline = time.monotonic() + within
    while len(received) < count and time.monotonic() < deadline:
        received += await queue.receive(
            max_messages=min(10, count - len(received)),
            wait_seconds=1,
            visibility_timeout=visibility,
        )
    return received


def deletes(messages: list[ReceivedMessage]) -> list[DeleteEntry]:
    return [DeleteEntry(f"d{i}", message.receipt_handle) for i, message in enumerate(messages)]


async def dead_letter_queue(broker: QueueBroker, spec: QueueSpec) -> QueueTransport:
    return await broker.open_queue(dataclasses.replace(spec, name=spec.dead_letter))


async def test_send_receive_delete_batches(queue: QueueTransport) -> None:
    """A batch of 10 arrives whole with its attributes and receive count 1, then deletes."""
    bodies = [f'{{"n":{i}}}'.encode() for i in range(10)]
    sent = await queue.send_batch(outgoing(*bodies, **{ATTR_TYPE: "test.thing", "x": "1"}))
    assert set(sent.successful) == {f"e{i}" for i in range(10)}
    assert not sent.failed

    received = await receive_until(queue, 10)
    assert sorted(m.body for m in received) == sorted(bodies)
    assert {m.message_id for m in received} == set(sent.successful.values())
    for message in received:
        assert message.attributes == {ATTR_TYPE: "test.thing", "x": "1"}
        assert message.receive_count == 1
        assert abs(message.sent_at - time.time()) < 3600

    result = await queue.delete_batch(deletes(received))
    assert len(result.successful) == 10
    assert not result.failed
    assert await queue.receive(max_messages=10, wait_seconds=0) == []
    stats = await queue.stats()
    assert (stats.visible, stats.in_flight, stats.delayed) == (0, 0, 0)


async def test_batches_hold_at_most_ten_entries(queue: QueueTransport) -> None:
    """Eleven entries are refused before anything is sent, for every batch call."""
    with pytest.raises(ValueError, match="at most 10"):
        await queue.send_batch(outgoing(*[b"x"] * 11))
    with pytest.raises(ValueError, match="at most 10"):
        await queue.delete_batch([DeleteEntry(f"d{i}", "h") for i in range(11)])
    with pytest.raises(ValueError, match="at most 10"):
        await queue.change_visibility_batch([VisibilityEntry(f"v{i}", "h", 0) for i in range(11)])
    with pytest.raises(ValueError, match="max_messages"):
        await queue.receive(max_messages=11, wait_seconds=0)
    assert (await queue.stats()).visible == 0


async def test_duplicate_or_invalid_entry_ids_are_refused(queue: QueueTransport) -> None:
    """Entry ids must be distinct and SQS-shaped; nothing is sent otherwise."""
    with pytest.raises(ValueError, match="distinct"):
        await queue.send_batch(
            [OutgoingMessage(id="a", body=b"1"), OutgoingMessage(id="a", body=b"2")]
        )
    with pytest.raises(ValueError, match="entry id"):
        await queue.send_batch([OutgoingMessage(id="not ok!", body=b"1")])
    assert (await queue.stats()).visible == 0


async def test_oversized_body_is_refused_before_sending(queue: QueueTransport) -> None:
    """One message over the limit refuses the whole batch: the others are not sent either."""
    assert queue.max_body_bytes == DEFAULT_MAX_BODY_BYTES
    too_big = b"x" * (DEFAULT_MAX_BODY_BYTES + 1)
    with pytest.raises(MessageTooLargeError, match="limit"):
        await queue.send_batch(outgoing(b"small", too_big))
    # Attributes count towards the size, as SQS counts them.
    with pytest.raises(MessageTooLargeError):
        await queue.send_batch(outgoing(b"x" * DEFAULT_MAX_BODY_BYTES, **{ATTR_TYPE: "t"}))
    assert await queue.receive(max_messages=10, wait_seconds=0) == []


async def test_large_bodies_up_to_the_limit_arrive_intact(queue: QueueTransport) -> None:
    """A body of exactly the limit is accepted, and a batch whose total exceeds it too."""
    at_limit = b"a" * DEFAULT_MAX_BODY_BYTES
    thirds = [bytes([98 + i]) * (100 * 1024) for i in range(3)]  # 300 KiB together
    sent = await queue.send_batch(outgoing(at_limit, *thirds))
    assert len(sent.successful) == 4
    assert not sent.failed
    received = await receive_until(queue, 4)
    assert sorted(m.body for m in received) == sorted([at_limit, *thirds])


async def test_unicode_round_trips_and_refused_characters_fail_their_entry(
    queue: QueueTransport,
) -> None:
    """Unicode SQS allows round-trips; NUL and invalid UTF-8 fail only their own entry."""
    fine = "héllo 中文 \t\n\r \ue000 \ufffd".encode()
    batch = [
        OutgoingMessage(id="fine", body=fine, attributes={"note": "ünïcødé ✓"}),
        OutgoingMessage(id="nul", body=b'{"a":"\x00"}'),
        OutgoingMessage(id="bad_utf8", body=b"\xff\xfe"),
        OutgoingMessage(id="bad_attribute", body=b"{}", attributes={"note": "\x01"}),
    ]
    result = await queue.send_batch(batch)
    assert set(result.successful) == {"fine"}
    assert set(result.failed) == {"nul", "bad_utf8", "bad_attribute"}
    for code, _, sender_fault in result.failed.values():
        assert code == "InvalidMessageContents"
        assert sender_fault
    [message] = await receive_until(queue, 1)
    assert message.body == fine
    assert message.attributes == {"note": "ünïcødé ✓"}


async def test_characters_beyond_the_bmp(
    request: pytest.FixtureRequest, queue: QueueTransport
) -> None:
    """Emoji round-trip on memory and moto (as on AWS); fauxqs 1.9.2 refuses them per entry.

    fauxqs checks bodies with a JavaScript regex that sees surrogate halves, so every
    character above U+FFFF (any emoji) is refused with InvalidMessageContents, which AWS
    accepts. The transport reports that entry as failed: nothing is lost silently.
    """
    body = '{"text":"Mango 🥭 sale \U0010fffd"}'.encode()
    result = await queue.send_batch([OutgoingMessage(id="emoji", body=body)])
    if "fauxqs" in request.node.callspec.id:
        assert result.failed["emoji"][0] == "InvalidMessageContents"
        return
    assert set(result.successful) == {"emoji"}
    [message] = await receive_until(queue, 1)
    assert message.body == body


async def test_bad_attributes_are_refused(queue: QueueTransport) -> None:
    """Empty values, bad names and more than 10 attributes are programming errors."""
    for attributes in (
        {"x": ""},
        {"bad name": "v"},
        {"AWS.x": "v"},
        {f"a{i}": "v" for i in range(11)},
    ):
        with pytest.raises(ValueError, match="attribute"):
            await queue.send_batch([OutgoingMessage(id="m", body=b"{}", attributes=attributes)])


async def test_long_poll_returns_as_soon_as_a_message_arrives(
    broker: QueueBroker, queue: QueueTransport, spec: QueueSpec
) -> None:
    """A receiver waiting 10 s gets a message sent while it waits, well before the wait ends."""
    started = time.monotonic()
    waiting = asyncio.create_task(queue.receive(max_messages=10, wait_seconds=10))
    await asyncio.sleep(0.5)
    sender = await broker.open_queue(spec)
    await sender.send_batch(outgoing(b"wake up"))
    received = await waiting
    assert [m.body for m in received] == [b"wake up"]
    assert time.monotonic() - started < 8


async def test_long_poll_on_an_empty_queue_returns_nothing(queue: QueueTransport) -> None:
    """An empty queue answers a long poll with an empty list once the wait is over."""
    assert await queue.receive(max_messages=10, wait_seconds=1) == []


async def test_visibility_timeout_redelivers_with_a_higher_receive_count(
    queue: QueueTransport,
) -> None:
    """An unacknowledged message is hidden, then delivered again with receive count 2."""
    await queue.send_batch(outgoing(b"again"))
    [first] = await receive_until(queue, 1, visibility=1)
    assert first.receive_count == 1
    assert await queue.receive(max_messages=10, wait_seconds=0) == []
    [second] = await receive_until(queue, 1, within=10)
    assert second.message_id == first.message_id
    assert second.receive_count == 2
    assert second.receipt_handle != first.receipt_handle


async def test_change_visibility_zero_releases_at_once(queue: QueueTransport) -> None:
    """Visibility 0 makes a received message receivable again immediately, count kept."""
    await queue.send_batch(outgoing(b"release me"))
    [first] = await receive_until(queue, 1, visibility=300)
    result = await queue.change_visibility_batch([VisibilityEntry("v", first.receipt_handle, 0)])
    assert set(result.successful) == {"v"}
    assert not result.failed
    [second] = await receive_until(queue, 1, visibility=300)
    assert second.message_id == first.message_id
    assert second.receive_count == 2


async def test_change_visibility_extends_the_timeout(queue: QueueTransport) -> None:
    """A heartbeat's longer visibility keeps the message hidden past the original timeout."""
    await queue.send_batch(outgoing(b"slow"))
    [message] = await receive_until(queue, 1, visibility=1)
    await queue.change_visibility_batch([VisibilityEntry("v", message.receipt_handle, 60)])
    await asyncio.sleep(2)
    assert await queue.receive(max_messages=10, wait_seconds=0) == []
    assert (await queue.stats()).in_flight == 1


async def test_redrive_to_dead_letter_queue_after_max_receive_count(
    broker: QueueBroker, queue: QueueTransport, spec: QueueSpec
) -> None:
    """A message is delivered max_receive_count times, then moves to the dead-letter queue."""
    await queue.send_batch(outgoing(b"poison", **{ATTR_TYPE: "bad.thing"}))
    counts = []
    for _ in range(spec.max_receive_count):
        [message] = await receive_until(queue, 1, visibility=300)
        counts.append(message.receive_count)
        await queue.change_visibility_batch([VisibilityEntry("v", message.receipt_handle, 0)])
    assert counts == [1, 2]
    assert await queue.receive(max_messages=10, wait_seconds=1) == []
    stats = await queue.stats()
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 1)
    [dead] = await receive_until(await dead_letter_queue(broker, spec), 1)
    assert dead.body == b"poison"
    assert dead.attributes[ATTR_TYPE] == "bad.thing"
    assert dead.message_id == message.message_id


async def test_dead_letter_moves_a_message_with_its_reason(
    broker: QueueBroker, queue: QueueTransport, spec: QueueSpec
) -> None:
    """dead_letter() copies the message with the reason attribute and deletes the original."""
    await queue.send_batch(outgoing(b"{not json", **{ATTR_TYPE: "x.y"}))
    [message] = await receive_until(queue, 1)
    await queue.dead_letter(message, reason="undecodable: expected '}' \x00 at 9")
    stats = await queue.stats()
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 1)
    [dead] = await receive_until(await dead_letter_queue(broker, spec), 1)
    assert dead.body == b"{not json"
    assert dead.attributes[ATTR_TYPE] == "x.y"
    assert dead.attributes[ATTR_DEAD_LETTER_REASON].startswith("undecodable: expected '}'")


async def test_stats_count_visible_in_flight_and_delayed(queue: QueueTransport) -> None:
    """Stats separate visible, in-flight and delayed messages, and the empty DLQ shows 0."""
    await queue.send_batch(outgoing(b"1", b"2"))
    await queue.send_batch([OutgoingMessage(id="later", body=b"3", delay_seconds=60)])
    await receive_until(queue, 1)
    stats = await queue.stats()
    assert (stats.name, stats.visible, stats.in_flight, stats.delayed) == (queue.name, 1, 1, 1)
    assert stats.dead_letters == 0


async def test_delayed_message_is_hidden_until_its_delay_passes(queue: QueueTransport) -> None:
    """A delayed message is not delivered before its delay, and is delivered after it."""
    await queue.send_batch([OutgoingMessage(id="later", body=b"later", delay_seconds=1)])
    assert await queue.receive(max_messages=10, wait_seconds=0) == []
    [message] = await receive_until(queue, 1, within=10)
    assert message.body == b"later"


async def test_create_queue_is_idempotent_and_keeps_messages(
    broker: QueueBroker, queue: QueueTransport, spec: QueueSpec
) -> None:
    """Creating an existing queue again (even with new settings) changes no messages."""
    await queue.send_batch(outgoing(b"kept"))
    await broker.create_queue(spec)
    await broker.create_queue(dataclasses.replace(spec, visibility_timeout=45, max_receive_count=3))
    [message] = await receive_until(await broker.open_queue(spec), 1)
    assert message.body == b"kept"


async def test_invalid_or_missing_queue_names(broker: QueueBroker) -> None:
    """Bad names are refused before any call; a queue that was never created is unavailable."""
    for name in ("bad name!", "", "x" * 77, "dots.not.allowed"):
        with pytest.raises(ValueError, match="invalid queue name"):
            await broker.create_queue(QueueSpec(name=name))
    with pytest.raises(QueueUnavailableError, match="does not exist"):
        await broker.open_queue(QueueSpec(name=unique_queue_name("missing")))


async def test_ping_answers(broker: QueueBroker) -> None:
    """A reachable backend answers ping with True."""
    assert await broker.ping() is True
