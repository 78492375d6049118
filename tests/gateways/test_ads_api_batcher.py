"""The intake batcher: packing requests' creatives into few messages, and answering each
request with the outcome of the messages that hold its creatives."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actors.ads.messages import Creative, CreativesCollected, ads_codec
from gateways.ads_api.batcher import IntakeBatcher
from gateways.ads_api.intake import ATTRIBUTES_ALLOWANCE, encoded_size, new_intake, pack
from mango import Actor, Publish, PublishError, Runtime, handler
from mango.http import ProblemError

LIMIT = 262_144


def creatives(count: int, start: int, **fields: Any) -> list[Creative]:
    return [Creative(library_id=str(10**14 + start + n), **fields) for n in range(count)]


def test_encoded_size_is_the_creatives_share_of_the_message():
    """Sizes add up to the encoded message exactly, emoji (escaped by the codec) included."""
    items = [
        Creative(library_id="123456789012345", body="plain"),
        Creative(library_id="123456789012346", body="é 🔥 \U0001d518 عرض"),
    ]
    empty = len(ads_codec.encode(CreativesCollected(user_id="u", creatives=[])))
    full = len(ads_codec.encode(CreativesCollected(user_id="u", creatives=items)))
    assert full == empty + sum(encoded_size(c) for c in items) + len(items) - 1


def test_pack_groups_per_user_and_keeps_every_creative_once():
    """Requests of two users make one message per user, requests and creatives in arrival
    order; each message names the requests it holds; a lone request keeps its id."""
    intakes = [
        new_intake(creatives(2, 0), user_id="a", request_id="r0", max_body_bytes=LIMIT),
        new_intake(creatives(1, 10), user_id="b", request_id="r1", max_body_bytes=LIMIT),
        new_intake(creatives(3, 20), user_id="a", request_id="r2", max_body_bytes=LIMIT),
    ]
    packed = pack(intakes, max_body_bytes=LIMIT)
    assert [(p.message.user_id, p.intakes) for p in packed] == [("a", (0, 2)), ("b", (1,))]
    assert packed[0].message.creatives == [*intakes[0].creatives, *intakes[2].creatives]
    assert packed[0].message.request_id is None  # several requests: the batcher logs them
    assert packed[1].message.request_id == "r1"
    assert packed[0].message.received_at == min(intakes[0].received_at, intakes[2].received_at)


@pytest.mark.parametrize(("limit", "max_creatives"), [(LIMIT, 7), (12_000, 100), (9_000, 3)])
def test_pack_splits_at_the_creative_cap_and_the_body_limit(limit, max_creatives):
    """Messages never exceed the cap nor the body limit; a request's creatives spill into
    the next message in order; every creative is in exactly one message."""
    intakes = [
        new_intake(
            creatives(5, 100 * n, body="x" * 900),
            user_id="u",
            request_id=f"r{n}",
            max_body_bytes=limit,
        )
        for n in range(6)
    ]
    packed = pack(intakes, max_body_bytes=limit, max_creatives=max_creatives)
    sent = [c for p in packed for c in p.message.creatives]
    assert sent == [c for intake in intakes for c in intake.creatives]
    assert 1 < len(packed) < 30
    for part in packed:
        assert len(part.message.creatives) <= max_creatives
        assert len(ads_codec.encode(part.message)) <= limit - ATTRIBUTES_ALLOWANCE
        held = {c.library_id for c in part.message.creatives}
        for position in part.intakes:
            assert held & {c.library_id for c in intakes[position].creatives}


def test_a_creative_too_large_alone_is_a_413_before_packing():
    """The request is refused at once, naming the creative; nothing reaches the batcher."""
    with pytest.raises(ProblemError) as caught:
        new_intake(
            creatives(1, 0, body="y" * 3000), user_id="u", request_id="r", max_body_bytes=4000
        )
    assert caught.value.status == 413
    assert "100000000000000" in str(caught.value.detail)


def test_new_intake_measures_each_creative_and_names_the_first_too_large():
    """Sizes are each creative's ``encoded_size`` in order; among several creatives too
    large, the 413 names the first one sent."""
    fitting = creatives(3, 0, body="x" * 10)
    intake = new_intake(fitting, user_id="u", request_id="r", max_body_bytes=4000)
    assert list(intake.sizes) == [encoded_size(c) for c in fitting]
    mixed = creatives(1, 10) + creatives(2, 20, body="y" * 3000)
    with pytest.raises(ProblemError) as caught:
        new_intake(mixed, user_id="u", request_id="r", max_body_bytes=4000)
    assert caught.value.status == 413
    assert str(10**14 + 20) in str(caught.value.detail)
    assert str(10**14 + 21) not in str(caught.value.detail)


class FakePublisher(Actor):
    """Records published messages; fails those whose first creative is in ``failing``."""

    def __init__(self, published: list[Publish], failing: set[str]) -> None:
        self.published = published
        self.failing = failing

    @handler
    async def publish(self, message: Publish) -> str:
        await asyncio.sleep(0.01)  # a queue round trip: requests pile up meanwhile
        collected = message.message
        assert isinstance(collected, CreativesCollected)
        if collected.creatives[0].library_id in self.failing:
            raise PublishError("the queue said no")
        self.published.append(message)
        return f"m{len(self.published)}"


async def test_concurrent_requests_share_messages_and_each_gets_its_own_answer():
    """Forty requests of two users, asked at once, travel in a handful of messages; each
    request is answered with the ids of the messages holding its creatives; a failed
    message fails only the requests it holds."""
    published: list[Publish] = []
    failing = {str(10**14 + 3900)}  # the first creative of request 39
    async with Runtime() as runtime:
        publisher = await runtime.spawn(lambda: FakePublisher(published, failing), instances=4)
        batcher = await runtime.spawn(
            lambda: IntakeBatcher(publisher=publisher, max_body_bytes=LIMIT, linger=0.005),
            instances=2,
        )
        intakes = [
            new_intake(
                creatives(1 + n % 3, 100 * n),
                user_id="ab"[n % 2] if n != 39 else "c",
                request_id=f"r{n}",
                max_body_bytes=LIMIT,
            )
            for n in range(40)
        ]
        answers = await asyncio.gather(
            *(batcher.ask(intake) for intake in intakes), return_exceptions=True
        )
    assert isinstance(answers[39], PublishError)
    assert all(isinstance(answer, list) and len(answer) == 1 for answer in answers[:39])
    assert len(published) < 10
    messages = [p.message for p in published]
    assert all(isinstance(m, CreativesCollected) for m in messages)
    sent = [c.library_id for m in messages for c in m.creatives]
    expected = [c.library_id for intake in intakes[:39] for c in intake.creatives]
    assert sorted(sent) == sorted(expected)  # every creative once, none of the failed one
    by_id = {f"m{n + 1}": m for n, m in enumerate(messages)}
    for intake, [message_id] in zip(intakes[:39], answers[:39], strict=True):
        holding = by_id[message_id]
        assert holding.user_id == intake.user_id
        held = {c.library_id for c in holding.creatives}
        assert {c.library_id for c in intake.creatives} <= held
