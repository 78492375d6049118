"""The running side of an actor: its mailbox, instance loops and supervision."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from mango.actor import Actor
from mango.batching import BatchActor
from mango.errors import ActorDeadError, ActorStartError, EscalationError
from mango.logs import message_log_context
from mango.mailbox import Envelope, Mailbox
from mango.ref import ActorRef
from mango.supervision import RestartTracker, Strategy, SupervisionPolicy, backoff_delay

if TYPE_CHECKING:
    from mango.runtime import Runtime

__all__ = ["ActorCell"]

log = structlog.get_logger("mango.actor")


class ActorCell:
    """Owns one actor's mailbox and the loops of its instances.

    Args:
        runtime: The runtime that owns the tasks.
        factory: Makes a fresh actor instance (called again for every restart).
        name: Unique name of the actor.
        mailbox_size: Capacity of the bounded mailbox.
        instances: Number of instances reading the shared mailbox (a pool).
        policy: What to do when a ``tell`` handler fails.
        stop_timeout: Seconds ``stop`` waits for the current message before cancelling it.
    """

    def __init__(
        self,
        runtime: Runtime,
        factory: Callable[[], Actor],
        *,
        name: str,
        mailbox_size: int,
        instances: int,
        policy: SupervisionPolicy,
        stop_timeout: float | None = 10.0,
    ) -> None:
        if instances < 1:
            raise ValueError("instances must be >= 1")
        self.runtime = runtime
        self.name = name
        self.mailbox = Mailbox(capacity=mailbox_size, name=name)
        self.ref: ActorRef[Any] = ActorRef(self)
        self._factory = factory
        self.stop_timeout = stop_timeout
        self._instances = instances
        self._policy = policy
        self._tracker = RestartTracker(policy)
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._done = asyncio.Event()
        self.processed = 0
        self.failed = 0
        self.restarts = 0

    def _new_instance(self) -> Actor:
        actor = self._factory()
        if not isinstance(actor, Actor):
            raise TypeError(f"factory of {self.name!r} returned {actor!r}, not an Actor")
        actor._ref = self.ref
        actor._runtime = self.runtime
        return actor

    async def start(self) -> None:
        """Create and start every instance; on failure stop those already started."""
        started: list[Actor] = []
        try:
            for _ in range(self._instances):
                actor = self._new_instance()
                await actor.on_start()
                started.append(actor)
        except Exception as exc:
            self.mailbox.close()
            for actor in reversed(started):
                await self._call_on_stop(actor)
            self._done.set()
            raise ActorStartError(f"actor {self.name!r} failed to start: {exc!r}") from exc
        self._running = len(started)
        for index, actor in enumerate(started):
            loop = self._run_batched(actor) if isinstance(actor, BatchActor) else self._run(actor)
            task = self.runtime.start_task(loop, name=f"actor:{self.name}:{index}")
            self._tasks.add(task)

    async def stop(self) -> None:
        """Close the mailbox, fail queued asks, and wait until every instance stopped.

        An instance still busy after ``stop_timeout`` seconds is cancelled: its current
        handler sees CancelledError, its caller ActorDeadError, and ``on_stop`` still runs.
        """
        if not self.mailbox.closed:
            self._fail_queued(self.mailbox.close())
        if asyncio.current_task() in self._tasks:
            return  # called from our own handler: the loop ends after this message
        try:
            await asyncio.wait_for(asyncio.shield(self._done.wait()), timeout=self.stop_timeout)
        except TimeoutError:
            log.warning("actor.stop_timeout", actor=self.name, timeout=self.stop_timeout)
            for task in self._tasks:
                task.cancel()
            await self._done.wait()

    async def _run(self, actor: Actor | None) -> None:
        mailbox = self.mailbox
        dispatch = type(actor)._dispatch if actor is not None else {}
        reply: asyncio.Future[Any] | None = None
        try:
            while actor is not None:
                envelope = mailbox.pop()
                if envelope is None:
                    if mailbox.closed:
                        break
                    await mailbox.wait()
                    continue
                message, reply, context = envelope
                if reply is not None and reply.done():
                    continue  # the caller gave up (timeout or cancellation)
                handle = dispatch.get(type(message))
                try:
                    if context:
                        token = message_log_context.set(context)
                        try:
                            result = await (
                                handle(actor, message) if handle else actor.receive(message)
                            )
                        finally:
                            message_log_context.reset(token)
                    else:
                        result = await (
                            handle(actor, message) if handle else actor.receive(message)
                        )
                except Exception as exc:
                    self.failed += 1
                    if reply is not None:
                        if not reply.done():
                            reply.set_exception(exc)
                        continue
                    actor = await self._supervise(actor, exc, message)
                    dispatch = type(actor)._dispatch if actor is not None else {}
                else:
                    self.processed += 1
                    if reply is not None and not reply.done():
                        reply.set_result(result)
        finally:
            if reply is not None and not reply.done():
                # Cancelled mid-handler (forced shutdown): the caller must not hang.
                reply.set_exception(ActorDeadError(f"actor {self.name!r} was cancelled"))
            try:
                if actor is not None:
                    await self._call_on_stop(actor)
            finally:  # also when on_stop itself is cancelled by the stop timeout
                self._instance_ended()

    async def _run_batched(self, actor: BatchActor) -> None:
        """The loop of a BatchActor: whole batches in, one answer per envelope out."""
        mailbox = self.mailbox
        try:
            while True:
                if not len(mailbox):
                    if mailbox.closed:
                        break
                    await mailbox.wait()
                    continue
                batch = [env for env in await actor._collect(mailbox) if not _abandoned(env)]
                if not batch:
                    continue
                try:
                    results = await actor.receive_batch([env[0] for env in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(
                            f"receive_batch returned {len(results)} results for {len(batch)}"
                        )
                except Exception as exc:
                    results = [exc] * len(batch)
                for (message, reply, _), result in zip(batch, results, strict=True):
                    self._answer(reply, result, message)
        finally:
            try:
                await self._call_on_stop(actor)
            finally:
                self._instance_ended()

    def _instance_ended(self) -> None:
        """Count an instance loop out; the last one closes the mailbox and signals done."""
        self._running -= 1
        if self._running <= 0:
            if not self.mailbox.closed:
                self._fail_queued(self.mailbox.close())
            self._done.set()

    def _answer(self, reply: asyncio.Future[Any] | None, result: Any, message: Any) -> None:
        if isinstance(result, BaseException):
            self.failed += 1
            if reply is None:
                log.error(
                    "actor.batch_item_failed",
                    actor=self.name,
                    message_type=type(message).__name__,
                    error=repr(result),
                )
            elif not reply.done():
                reply.set_exception(result)
            return
        self.processed += 1
        if reply is not None and not reply.done():
            reply.set_result(result)

    async def _supervise(self, actor: Actor, exc: Exception, message: Any) -> Actor | None:
        """Apply the policy to a failed ``tell``; return the instance to go on with."""
        log.error(
            "actor.failed",
            actor=self.name,
            message_type=type(message).__name__,
            error=repr(exc),
            exc_info=exc,
        )
        try:
            await actor.on_failure(exc, message)
        except Exception as hook_exc:
            log.error("actor.on_failure_failed", actor=self.name, error=repr(hook_exc))
        strategy = self._policy.strategy
        if strategy is Strategy.RESUME:
            return actor
        if strategy is Strategy.STOP:
            self._fail_queued(self.mailbox.close())
            return actor  # the loop sees the closed mailbox and ends after on_stop
        if strategy is Strategy.ESCALATE:
            self._escalate(exc, "its policy escalates every failure")
            return actor
        return await self._restart(actor, exc)

    async def _restart(self, actor: Actor | None, exc: BaseException) -> Actor | None:
        while True:
            if not self._tracker.record():
                self._escalate(
                    exc,
                    f"more than {self._policy.max_restarts} restarts within "
                    f"{self._policy.within_seconds}s",
                )
                return actor
            delay = backoff_delay(
                self._tracker.recent, base=self._policy.backoff_min, cap=self._policy.backoff_max
            )
            log.warning("actor.restarting", actor=self.name, delay=round(delay, 3))
            await asyncio.sleep(delay)
            if actor is not None:
                await self._call_on_stop(actor)
                actor = None
            if self.mailbox.closed:
                return None
            try:
                fresh = self._new_instance()
                await fresh.on_start()
            except Exception as start_exc:
                log.error("actor.restart_failed", actor=self.name, error=repr(start_exc))
                exc = start_exc
                continue
            self.restarts += 1
            return fresh

    def _escalate(self, exc: BaseException, why: str) -> None:
        self._fail_queued(self.mailbox.close())
        error = EscalationError(f"actor {self.name!r} escalated: {why}; last error: {exc!r}")
        error.__cause__ = exc
        self.runtime.escalate(error)

    async def _call_on_stop(self, actor: Actor) -> None:
        try:
            await actor.on_stop()
        except Exception as exc:
            log.error("actor.on_stop_failed", actor=self.name, error=repr(exc))

    def _fail_queued(self, envelopes: Any) -> None:
        dropped = 0
        item: Envelope
        for item in envelopes:
            reply = item[1]
            if reply is None:
                dropped += 1
            elif not reply.done():
                reply.set_exception(ActorDeadError(f"actor {self.name!r} stopped"))
        if dropped:
            log.warning("actor.dropped_tells", actor=self.name, count=dropped)


def _abandoned(envelope: Envelope) -> bool:
    reply = envelope[1]
    return reply is not None and reply.done()
