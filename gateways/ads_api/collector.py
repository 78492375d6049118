"""Hands the intakes of concurrent requests to the intake batcher, one ask per batch.

Asking the :class:`~gateways.ads_api.batcher.IntakeBatcher` once per request costs each
request a mailbox envelope, a reply future and a timeout timer, and the actor's loop an
answer per envelope. The gateway instead puts each request's
:class:`~gateways.ads_api.intake.Intake` here; one flusher task takes every intake that
arrived meanwhile, asks the batcher once with an
:class:`~gateways.ads_api.batcher.IntakeBatch`, and resolves each request with its own
outcome.

Only one batch is with the batcher at a time, and the next one waits (at most ``linger``
seconds) for as many requests as the previous batch held plus those that arrived during
its round trip: clients answered together send again together, so under load one SQS
call carries nearly every request in flight (each call costs ~1 ms of CPU in aiobotocore)
instead of whatever arrived within a fixed window. An idle API flushes a lone request at
once; the first batch lingers the whole ``linger``.
The batch's ask times out ``timeout`` seconds after its oldest request arrived, so no
request waits for the queue longer than that, however long it queued here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateways.ads_api.batcher import IntakeBatch
from gateways.ads_api.intake import Intake
from mango import ActorDeadError, ActorRef, AskTimeout

__all__ = ["IntakeCollector"]

_Waiting = tuple[Intake, "asyncio.Future[list[str]]"]


class IntakeCollector:
    """Batches requests' intakes for the intake batcher (see the module docstring).

    Args:
        batcher: The intake batcher (asked with ``IntakeBatch``).
        linger: Seconds to wait for more requests once one is waiting.
        max_requests: Most requests in one batch; a full batch goes without lingering.
        timeout: Seconds a request may wait for the queue, counted from its arrival here.

    Raises:
        ValueError: A negative ``linger``, ``max_requests`` below 1, or a ``timeout``
            that is not positive.
    """

    def __init__(
        self, batcher: ActorRef[Any], *, linger: float, max_requests: int, timeout: float
    ) -> None:
        if linger < 0 or max_requests < 1 or timeout <= 0:
            raise ValueError("linger must be >= 0, max_requests >= 1 and timeout > 0")
        self.batcher = batcher
        self.linger = linger
        self.max_requests = max_requests
        self.timeout = timeout
        self._waiting: list[_Waiting] = []
        self._oldest = 0.0  # loop time the oldest waiting request arrived
        self._signal: asyncio.Future[None] | None = None
        self._signal_at = 1  # how many waiting requests resolve _signal
        self._closed = False

    def __len__(self) -> int:
        return len(self._waiting)

    def submit(self, intake: Intake) -> asyncio.Future[list[str]]:
        """Queue ``intake``; the future gives the ids of the messages holding its creatives.

        A plain function returning the future, not a coroutine: one frame less for every
        request to pass through when it resumes.

        Raises:
            ActorDeadError: The collector is closed (the gateway is stopping); the future
                fails with it when the batcher stops.
            AskTimeout: (the future) The queue did not take the creatives within
                ``timeout``.
            MessageTooLargeError, PublishError, QueueUnavailableError: (the future) From
                the batcher, for the messages holding this request's creatives.
        """
        if self._closed:
            raise ActorDeadError("the Ads API is stopping")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[str]] = loop.create_future()
        waiting = self._waiting
        if not waiting:
            self._oldest = loop.time()
        waiting.append((intake, future))
        signal = self._signal
        if signal is not None and len(waiting) >= self._signal_at and not signal.done():
            signal.set_result(None)
        return future

    async def run(self) -> None:
        """Flush batches until cancelled; then fail whatever still waits."""
        loop = asyncio.get_running_loop()
        expected = self.max_requests  # nothing known yet: linger the whole time
        try:
            while True:
                if not self._waiting:
                    await self._until(loop, 1)
                if self.linger > 0 and len(self._waiting) < expected:
                    timer = loop.call_later(self.linger, self._wake)
                    try:
                        await self._until(loop, expected)
                    finally:
                        timer.cancel()
                sent = await self._flush(loop)
                # Clients answered together send again together, joined by those that
                # arrived during the round trip: wait for as many (or ``linger``).
                expected = max(1, min(self.max_requests, sent + len(self._waiting)))
        finally:
            self.close()

    def close(self) -> None:
        """Refuse new intakes and fail the waiting ones with ``ActorDeadError``."""
        self._closed = True
        waiting, self._waiting = self._waiting, []
        _fail(waiting)

    async def _until(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        """Wait until ``count`` requests wait (or ``_wake`` is called)."""
        if len(self._waiting) >= count:
            return
        self._signal = loop.create_future()
        self._signal_at = count
        try:
            await self._signal
        finally:
            self._signal = None

    def _wake(self) -> None:
        if self._signal is not None and not self._signal.done():
            self._signal.set_result(None)

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> int:
        batch = self._waiting[: self.max_requests]
        del self._waiting[: self.max_requests]
        oldest = self._oldest
        # The rest keep the batch's oldest arrival: their deadline can only come earlier.
        if not batch:
            return 0
        outcomes: list[Any] | BaseException
        remaining = oldest + self.timeout - loop.time()
        if remaining <= 0:
            outcomes = AskTimeout(f"the queue did not answer within {self.timeout}s")
        else:
            intakes = IntakeBatch(tuple(intake for intake, _ in batch))
            try:
                outcomes = await self.batcher.ask(intakes, timeout=remaining)
            except Exception as exc:  # every request of the batch gets it, as its own
                outcomes = exc
            except BaseException:  # cancelled (the gateway stops): nobody may hang
                _fail(batch)
                raise
        for index, (_, future) in enumerate(batch):
            if future.done():
                continue  # its request was cancelled (the client went away)
            outcome = outcomes if isinstance(outcomes, BaseException) else outcomes[index]
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        return len(batch)


def _fail(waiting: list[_Waiting]) -> None:
    for _, future in waiting:
        if not future.done():
            future.set_exception(ActorDeadError("the Ads API is stopping"))
