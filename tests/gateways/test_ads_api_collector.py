"""The gateway's intake collector: one ask of the intake batcher per batch of requests,
each request answered with its own outcome, nobody left waiting at shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actors.ads.messages import Creative
from gateways.ads_api.batcher import IntakeBatch, IntakeBatcher
from gateways.ads_api.collector import IntakeCollector
from gateways.ads_api.intake import Intake, new_intake
from mango import Actor, ActorDeadError, Publish, PublishError, Runtime, handler
from tests.gateways.test_ads_api_batcher import FakePublisher

LIMIT = 262_144


def intake(n: int, user_id: str = "u") -> Intake:
    creatives = [Creative(library_id=str(10**14 + 100 * n))]
    return new_intake(creatives, user_id=user_id, request_id=f"r{n}", max_body_bytes=LIMIT)


class RecordingBatcher(Actor):
    """Answers each intake of an ``IntakeBatch`` with its request id; records the batches."""

    def __init__(self, batches: list[IntakeBatch], failing: set[str]) -> None:
        self.batches = batches
        self.failing = failing

    @handler
    async def take(self, message: IntakeBatch) -> list[Any]:
        self.batches.append(message)
        await asyncio.sleep(0.01)  # a queue round trip: requests pile up meanwhile
        return [
            PublishError("the queue said no") if i.request_id in self.failing else [i.request_id]
            for i in message.intakes
        ]


async def test_concurrent_requests_travel_in_one_ask_and_each_gets_its_own_outcome():
    """Requests submitted together reach the batcher as one IntakeBatch, in order; each is
    answered with its own outcome, a failed one failing only its own request."""
    batches: list[IntakeBatch] = []
    async with Runtime() as runtime:
        batcher = await runtime.spawn(lambda: RecordingBatcher(batches, {"r3"}))
        collector = IntakeCollector(batcher, linger=0.05, max_requests=10, timeout=5.0)
        flusher = runtime.start_task(collector.run(), name="flusher")
        answers = await asyncio.gather(
            *(collector.submit(intake(n)) for n in range(10)), return_exceptions=True
        )
        flusher.cancel()
    assert len(batches) == 1
    assert [i.request_id for i in batches[0].intakes] == [f"r{n}" for n in range(10)]
    assert isinstance(answers[3], PublishError)
    assert [a for n, a in enumerate(answers) if n != 3] == [[f"r{n}"] for n in range(10) if n != 3]


async def test_requests_arriving_during_a_round_trip_form_the_next_batch():
    """Only one batch is with the batcher at a time; a full batch goes without lingering
    (the linger here is a minute); every request is answered exactly once."""
    batches: list[IntakeBatch] = []
    async with Runtime() as runtime:
        batcher = await runtime.spawn(lambda: RecordingBatcher(batches, set()), instances=4)
        collector = IntakeCollector(batcher, linger=60.0, max_requests=4, timeout=5.0)
        flusher = runtime.start_task(collector.run(), name="flusher")
        async with asyncio.timeout(10):
            answers = await asyncio.gather(*(collector.submit(intake(n)) for n in range(12)))
        flusher.cancel()
    assert answers == [[f"r{n}"] for n in range(12)]
    assert [len(batch.intakes) for batch in batches] == [4, 4, 4]


async def test_a_stopped_batcher_fails_every_request_of_the_batch():
    """An ask that fails as a whole (here the batcher has stopped) fails each request with
    that error, which the gateway answers 503."""
    async with Runtime() as runtime:
        batcher = await runtime.spawn(lambda: RecordingBatcher([], set()))
        await batcher.stop()
        collector = IntakeCollector(batcher, linger=0.0, max_requests=10, timeout=5.0)
        flusher = runtime.start_task(collector.run(), name="flusher")
        answers = await asyncio.gather(
            *(collector.submit(intake(n)) for n in range(3)), return_exceptions=True
        )
        flusher.cancel()
    assert all(isinstance(answer, ActorDeadError) for answer in answers)


async def test_stopping_fails_waiting_requests_and_refuses_new_ones():
    """Cancelling the flusher (the gateway stops) fails what waits with ActorDeadError,
    also a batch already with the batcher; later submissions are refused at once."""
    async with Runtime() as runtime:
        batcher = await runtime.spawn(lambda: RecordingBatcher([], set()))
        collector = IntakeCollector(batcher, linger=60.0, max_requests=2, timeout=5.0)
        flusher = runtime.start_task(collector.run(), name="flusher")
        in_flight = [asyncio.ensure_future(collector.submit(intake(n))) for n in range(2)]
        await asyncio.sleep(0.001)  # the full batch is with the batcher now
        lingering = asyncio.ensure_future(collector.submit(intake(9)))
        await asyncio.sleep(0)
        flusher.cancel()
        await asyncio.wait([flusher])
        for request in [*in_flight, lingering]:
            with pytest.raises(ActorDeadError):
                await request
        with pytest.raises(ActorDeadError):
            await collector.submit(intake(10))


def test_collector_options_are_checked():
    """A negative linger, an empty batch or a non-positive timeout is refused."""
    for options in ({"linger": -1.0}, {"max_requests": 0}, {"timeout": 0.0}):
        settings: dict[str, Any] = {"linger": 0.0, "max_requests": 1, "timeout": 1.0, **options}
        with pytest.raises(ValueError, match="linger"):
            IntakeCollector(None, **settings)  # type: ignore[arg-type]


async def test_the_batcher_answers_an_intake_batch_with_one_outcome_per_intake():
    """An IntakeBatch is packed like separate intakes; its answer lists each intake's
    message ids or the error of the message holding it, in order."""
    published: list[Publish] = []
    failing = {str(10**14 + 200)}  # the creative of request 2 (user "c", its own message)
    async with Runtime() as runtime:
        publisher = await runtime.spawn(lambda: FakePublisher(published, failing))
        batcher = await runtime.spawn(
            lambda: IntakeBatcher(publisher=publisher, max_body_bytes=LIMIT, linger=0.0)
        )
        batch = IntakeBatch((intake(0, "a"), intake(1, "a"), intake(2, "c"), intake(3, "b")))
        outcomes = await batcher.ask(batch)
    assert len(outcomes) == 4
    assert isinstance(outcomes[2], PublishError)
    assert outcomes[0] == outcomes[1]  # user "a": one message holds both requests
    assert all(isinstance(o, list) and len(o) == 1 for n, o in enumerate(outcomes) if n != 2)
    assert len(published) == 2  # the failed message is not recorded
