"""The intake batcher: the creatives of concurrent requests travel in shared messages.

At one creative per request and one message per creative, SQS calls (about a millisecond
of CPU each in aiobotocore, and the bill) would dominate the Ads API. The gateway instead
asks this actor with an :class:`IntakeBatch` of requests' intakes (gathered by its
:class:`~gateways.ads_api.collector.IntakeCollector`) or with one
:class:`~gateways.ads_api.intake.Intake`; the actor takes every message queued meanwhile
(waiting ``linger`` seconds for more, up to ``max_batch`` messages), packs their creatives
per user into ``CreativesCollected`` messages (:func:`~gateways.ads_api.intake.pack`: up
to ``max_creatives`` per message or the queue's body limit), publishes them through the
queue's publisher (which sends up to ten messages per ``SendMessageBatch``), and answers
each request once every message that holds its creatives is on the queue: 202 still
means "the queue holds it".

A request fails (503, or 413) only when a message holding its creatives failed; another
request's failure does not touch it. A request whose creatives spilled over two messages
may be answered 503 with some of them queued: the client sends again and the Ads Consumer
stores each creative once (it upserts per creative, whatever message carries it).

The gateway's collector already lingers and sends one batch at a time, so the service
runs this actor with no linger of its own; several instances sharing the mailbox serve
callers that ask with single intakes concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateways.ads_api.intake import Intake, pack
from mango import ActorRef, BatchActor, Publish, new_trace_id

__all__ = ["IntakeBatch", "IntakeBatcher"]


@dataclass(frozen=True, slots=True)
class IntakeBatch:
    """Several requests' intakes in one ask (from the gateway's ``IntakeCollector``).

    Answered with one outcome per intake, in order: its message ids, or the exception
    instance that failed it.
    """

    intakes: tuple[Intake, ...]


class IntakeBatcher(BatchActor):
    """Coalesces requests' creatives into few messages; answers each with its message ids.

    Args:
        publisher: The ``mango-ads`` queue's publisher actor (asked with ``Publish``).
        max_body_bytes: The queue's body limit.
        max_creatives: Most creatives in one message.
        max_batch: Most requests packed together.
        linger: Seconds to wait for more requests when fewer than ``max_batch`` are queued.
        publish_timeout: Seconds to wait for the publisher.
    """

    def __init__(
        self,
        *,
        publisher: ActorRef[Any],
        max_body_bytes: int,
        max_creatives: int = 100,
        max_batch: int = 256,
        linger: float = 0.002,
        publish_timeout: float = 10.0,
    ) -> None:
        if max_creatives < 1 or max_batch < 1 or linger < 0:
            raise ValueError("max_creatives and max_batch must be >= 1, linger >= 0")
        self.publisher = publisher
        self.max_body_bytes = max_body_bytes
        self.max_creatives = max_creatives
        self.max_batch = max_batch
        self.linger = linger
        self.publish_timeout = publish_timeout
        self.batches = 0
        self.messages = 0
        self.creatives = 0

    async def receive_batch(self, messages: list[Any]) -> list[Any]:
        """Pack, publish, and answer each intake with the ids of its messages (or the error).

        An ``IntakeBatch`` is answered with the list of its intakes' outcomes.
        """
        results: list[Any] = [None] * len(messages)
        intakes: list[Intake] = []
        positions: list[int] = []  # the index in ``results`` of each intake's outcome
        batches: list[tuple[int, int, int]] = []  # (message index, first, end) in results
        for index, item in enumerate(messages):
            if isinstance(item, Intake):
                intakes.append(item)
                positions.append(index)
            elif isinstance(item, IntakeBatch):
                first = len(results)
                results.extend([None] * len(item.intakes))
                intakes.extend(item.intakes)
                positions.extend(range(first, len(results)))
                batches.append((index, first, len(results)))
            else:
                results[index] = TypeError(
                    f"IntakeBatcher accepts Intake or IntakeBatch, not {type(item)}"
                )
        packed = pack(intakes, max_body_bytes=self.max_body_bytes, max_creatives=self.max_creatives)
        traces = [
            part.message.request_id
            if part.message.request_id is not None and len(part.intakes) == 1
            else new_trace_id()
            for part in packed
        ]
        outcomes: Sequence[Any] = await asyncio.gather(
            *(
                self.publisher.ask(
                    Publish(part.message, trace_id=trace), timeout=self.publish_timeout
                )
                for part, trace in zip(packed, traces, strict=True)
            ),
            return_exceptions=True,
        )
        message_ids: list[list[str]] = [[] for _ in intakes]
        for part, trace, outcome in zip(packed, traces, outcomes, strict=True):
            for position in part.intakes:
                if isinstance(outcome, BaseException):
                    results[positions[position]] = outcome
                elif results[positions[position]] is None:
                    message_ids[position].append(outcome)
            if isinstance(outcome, BaseException):
                self.log.warning(
                    "creatives.not_queued",
                    trace_id=trace,
                    creatives=len(part.message.creatives),
                    requests=len(part.intakes),
                    error=repr(outcome),
                )
            else:
                self.log.info(
                    "creatives.queued",
                    message_id=outcome,
                    trace_id=trace,
                    user_id=part.message.user_id,
                    creatives=len(part.message.creatives),
                    request_ids=[intakes[position].request_id for position in part.intakes],
                )
        for position, index in enumerate(positions):
            if results[index] is None:
                results[index] = message_ids[position]
        self.batches += 1
        self.messages += len(packed)
        self.creatives += sum(len(intake.creatives) for intake in intakes)
        for index, first, end in batches:
            results[index] = results[first:end]
        return results[: len(messages)]
