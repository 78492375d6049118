"""The consumer actor: long-polls a queue and dispatches each message to a target actor.

It receives only as many messages as it has free slots (``concurrency``, independent of
the batch size of 10); while some slots are free but fewer than a full batch, it first
waits up to ``receive_linger`` for more to free, so a busy consumer makes full receive
calls. Each received message is decoded and queued in the target actor's mailbox, in the
order received, with a reply future; the reply's outcome is handled by a callback, not by
a task per message: a success queues the message's delete (deletes go out in batches), a
failure sets a backoff visibility and leaves the message, so the queue's redrive policy
moves it to the dead-letter queue after maxReceiveCount. An undecodable message goes to
the dead-letter queue at once with the reason. The heartbeat extends the visibility of
slow handlers.

Shutdown (``on_stop``): stop receiving, let in-flight messages finish within the grace
period, release the rest (visibility 0, whether their handler had started or not) so
another replica takes them at once, flush the pending deletes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog

from mango.actor import Actor, handler
from mango.consumer_io import BatchedReceipts
from mango.consumer_options import ConsumerOptions, ConsumerStats, WaitIdle
from mango.errors import MessageDecodeError, RejectMessage, RetryLater
from mango.http.health import Liveness
from mango.messages import MessageCodec
from mango.metrics import Metrics
from mango.metrics import metrics as process_metrics
from mango.ref import ActorRef
from mango.supervision import backoff_delay
from mango.transport.base import (
    ATTR_TRACE_ID,
    ATTR_TYPE,
    QueueTransport,
    ReceivedMessage,
    VisibilityEntry,
)

__all__ = ["ConsumerOptions", "ConsumerStats", "QueueConsumer", "WaitIdle"]

log = structlog.get_logger("mango.consumer")

SQS_MAX_VISIBILITY = 12 * 3600
_PUT_PROGRESS_SECONDS = 5.0  # how often a poll loop waiting on a full mailbox reports


@dataclass(slots=True)
class _InFlight:
    """A received message until it is deleted, backed off, dead-lettered or released."""

    message: ReceivedMessage
    visible_until: float
    context: dict[str, Any]
    reply: asyncio.Future[Any] | None = None
    handed: bool = False  # queued in the target's mailbox, or being dead-lettered
    type_name: str = ""
    queued_at: float = 0.0


class QueueConsumer(Actor):
    """Polls ``transport`` and asks ``target`` to handle each decoded message.

    Args:
        transport: The queue to consume.
        codec: Decodes the queue's message union.
        target: The actor (or pool) that handles the messages; its handler's exception
            is a failure, :class:`~mango.errors.RetryLater` and
            :class:`~mango.errors.RejectMessage` are control flow.
        options: Polling, retry and shutdown options.
        liveness: Where the poll loops report progress (``/healthz`` fails when a poll
            loop stops turning).
        metrics: Where counters go; the process-wide registry by default.
    """

    def __init__(
        self,
        *,
        transport: QueueTransport,
        codec: MessageCodec[Any],
        target: ActorRef[Any],
        options: ConsumerOptions | None = None,
        liveness: Liveness | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.transport = transport
        self.codec = codec
        self.target = target
        self.options = options or ConsumerOptions()
        self.stats = ConsumerStats()
        self._liveness = liveness
        self._metrics = metrics or process_metrics
        self._probe = ""
        self._visibility = self.options.visibility_timeout or transport.spec.visibility_timeout
        self._in_flight: dict[str, _InFlight] = {}
        # Tasks that back off, dead-letter or release a message after its handler failed.
        self._follow_ups: set[asyncio.Task[None]] = set()
        self._drained = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._idle_changed = asyncio.Event()
        self._stopping = False
        self._pollers: list[asyncio.Task[None]] = []
        self._receiving: set[asyncio.Task[Any] | None] = set()
        self._poll_done = 0
        self._heartbeat: asyncio.Task[None] | None = None
        self._deletes: BatchedReceipts | None = None

    # -- lifecycle ----------------------------------------------------------------------

    async def on_start(self) -> None:
        """Start the delete batcher, the heartbeat and the poll loops."""
        name = self.ref.name
        labels = {"queue": self.transport.name, "actor": self.target.name}
        m = self._metrics
        self._m_received = m.messages_received.labels(**labels)
        self._m_processed = m.messages_processed.labels(**labels)
        self._m_failed = m.messages_failed.labels(**labels)
        self._m_retried = m.messages_retried.labels(**labels)
        self._m_dead = m.messages_dead_lettered.labels(**labels)
        self._m_duration = m.handler_duration.labels(**labels)
        # Read at scrape time: no gauge update on every message.
        m.messages_in_flight.labels(**labels).set_function(self._in_flight.__len__)
        self._m_empty = m.empty_receives.labels(queue=self.transport.name)
        if self._liveness is not None:
            self._probe = name
            # A receive waits up to 20 s, and a failing endpoint up to its retries.
            silence = self.options.max_silence or (
                self.options.wait_seconds + self.options.error_backoff_max + 60.0
            )
            self._liveness.register(name, max_silence=silence)
        self._deletes = BatchedReceipts(
            self.transport,
            linger=self.options.delete_linger,
            runtime=self.runtime,
            name=name,
            # With several receive loops, one delete round trip at a time caps the intake.
            concurrency=self.options.pollers,
        )
        self._deletes.start()
        self._heartbeat = self.runtime.start_task(self._heartbeat_loop(), name=f"{name}:heartbeat")
        for index in range(self.options.pollers):
            task = self.runtime.start_task(self._poll_loop(), name=f"{name}:poller:{index}")
            self._pollers.append(task)

    async def on_stop(self) -> None:
        """Drain: stop receiving, finish or release in-flight work, flush deletes."""
        self._stopping = True
        await self._stop_pollers()
        # Received but never queued (a poll loop stopped while the target's mailbox was
        # full): nobody will handle them, so they go back at once.
        unhanded = [entry for entry in self._in_flight.values() if not entry.handed]
        if unhanded:
            for entry in unhanded:
                self._finish(entry)
            await self._release([entry.message for entry in unhanded])
        if self._in_flight:
            log.info("consumer.draining", queue=self.transport.name, in_flight=len(self._in_flight))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.options.shutdown_grace
            while self._in_flight and (remaining := deadline - loop.time()) > 0:
                self._drained.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._drained.wait(), timeout=remaining)
        # Late messages, started or not: remember them before cancelled replies take them
        # out of _in_flight; a cancelled reply makes the target skip a message it has not
        # started (and drop the answer of one it has). Then hand the messages back.
        late = list(self._in_flight.values())
        leftover = [entry.message for entry in late]
        for entry in late:
            if entry.reply is not None:
                entry.reply.cancel()
        for task in self._follow_ups:
            task.cancel()
        if self._follow_ups:
            await asyncio.wait(self._follow_ups)
        if leftover:
            await self._release(leftover)
            log.warning("consumer.released_late", queue=self.transport.name, count=len(leftover))
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        if self._deletes is not None:
            await self._deletes.close()
            self.stats.delete_calls = self._deletes.calls
        if self._liveness is not None and self._probe:
            self._liveness.unregister(self._probe)
        log.info(
            "consumer.stopped",
            queue=self.transport.name,
            processed=self.stats.processed,
            released=self.stats.released,
        )

    async def _stop_pollers(self) -> None:
        """Stop the poll loops without stranding messages.

        A loop waiting for a slot or backing off is cancelled at once. A loop inside a
        receive call is let finish (bounded by the long-poll wait), because SQS may
        already have handed it messages: cancelling the call would leave them invisible,
        held by nobody, until their visibility timeout. What it receives is released.
        """
        self._slot_freed.set()
        cancel_safe = getattr(self.transport, "receive_is_cancel_safe", False)
        for task in self._pollers:
            if cancel_safe or task not in self._receiving:
                task.cancel()
        bound = min(self.options.shutdown_grace, self.options.wait_seconds + 5.0)
        _, late = await asyncio.wait(self._pollers, timeout=bound)
        for task in late:
            task.cancel()
        await asyncio.gather(*self._pollers, return_exceptions=True)

    @handler
    async def wait_idle(self, message: WaitIdle) -> ConsumerStats:
        """Answer once nothing is in flight and (optionally) the queue holds nothing."""
        while True:
            if not self._in_flight and (self._deletes is None or not self._deletes.pending):
                if not message.check_queue:
                    return self.stats
                stats = await self.transport.stats()
                if stats.visible == 0 and stats.in_flight == 0 and stats.delayed == 0:
                    return self.stats
            self._idle_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle_changed.wait(), timeout=0.05)

    # -- polling ------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        errors = 0
        options = self.options
        full = min(options.batch_size, options.concurrency)
        loop = asyncio.get_running_loop()
        while not self._stopping:
            if self._probe:
                self._liveness.beat(self._probe)  # type: ignore[union-attr]
            free = options.concurrency - len(self._in_flight)
            if free <= 0:
                self._slot_freed.clear()
                # Wake now and then to report progress while every slot is busy.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._slot_freed.wait(), timeout=5.0)
                continue
            if free < full and options.receive_linger > 0:
                # A partial batch costs a whole call: give busy slots a moment to free.
                deadline = loop.time() + options.receive_linger
                while free < full and not self._stopping:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    self._slot_freed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._slot_freed.wait(), timeout=remaining)
                    free = options.concurrency - len(self._in_flight)
                if self._stopping:
                    break
            wait = 0.0 if options.burst else options.wait_seconds
            task = asyncio.current_task()
            try:
                self.stats.receive_calls += 1
                self._receiving.add(task)
                messages = await self.transport.receive(
                    max_messages=min(options.batch_size, free),
                    wait_seconds=wait,
                    visibility_timeout=self._visibility,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                errors += 1
                self.stats.receive_errors += 1
                delay = backoff_delay(errors, base=0.5, cap=options.error_backoff_max)
                log.warning(
                    "consumer.receive_failed",
                    queue=self.transport.name,
                    error=repr(exc),
                    retry_in=round(delay, 2),
                )
                await asyncio.sleep(delay)
                continue
            finally:
                self._receiving.discard(task)
            errors = 0
            if self._stopping and messages:
                # Received while shutting down: hand them back at once, untouched.
                await self._release(messages)
                return
            if not messages:
                self.stats.empty_receives += 1
                self._m_empty.inc()
                if options.burst or options.wait_seconds < 1:
                    # A receive that returns at once must not spin the event loop.
                    await asyncio.sleep(0.02)
                continue
            await self._hand_over(messages)

    async def _hand_over(self, messages: list[ReceivedMessage]) -> None:
        """Queue ``messages`` in the target's mailbox, in order, each with a reply future.

        The reply's outcome is handled by :meth:`_replied`, a callback: the path that
        succeeds costs no task switch of its own. A full mailbox makes this wait
        (backpressure) while the poll loop still reports progress; messages not yet
        queued when the consumer stops are released at once.
        """
        ready = self._admit(messages)
        # Straight into the mailbox while it has room: no timer, no await.
        target = self.target
        index = 0
        queued_at = time.perf_counter()
        for entry, decoded, reply in ready:
            entry.queued_at = queued_at
            try:
                if not target.offer_envelope(decoded, reply, entry.context):
                    break
            except Exception as exc:  # the target has stopped: a failure
                if not reply.done():
                    reply.set_exception(exc)
            entry.handed = True
            index += 1
        if index < len(ready):
            await self._queue_waiting(ready[index:])

    def _admit(
        self, messages: list[ReceivedMessage]
    ) -> list[tuple[_InFlight, Any, asyncio.Future[Any]]]:
        """Track ``messages`` as in flight; decode each, with a reply future for its outcome.

        An undecodable message goes to the dead-letter queue instead.
        """
        loop = asyncio.get_running_loop()
        visible_until = loop.time() + self._visibility
        self.stats.received += len(messages)
        self._m_received.inc(len(messages))
        in_flight = self._in_flight
        queue, actor, decode = self.transport.name, self.target.name, self.codec.decode
        ready: list[tuple[_InFlight, Any, asyncio.Future[Any]]] = []
        for message in messages:
            # The consumer's own log lines about the message carry this context
            # explicitly; the handler's get it bound by the target's cell.
            context = {
                "queue": queue,
                "actor": actor,
                "message_id": message.message_id,
                "trace_id": message.attributes.get(ATTR_TRACE_ID),
                "receive_count": message.receive_count,
            }
            entry = _InFlight(message, visible_until, context)
            in_flight[message.receipt_handle] = entry
            try:
                decoded = decode(message.body)
            except MessageDecodeError as exc:
                entry.handed = True
                self._follow_up(self._settle(entry, self._dead_letter, f"undecodable: {exc}"))
                continue
            entry.type_name = message.attributes.get(ATTR_TYPE) or type(decoded).__name__
            reply = entry.reply = loop.create_future()
            reply.add_done_callback(partial(self._replied, entry))
            ready.append((entry, decoded, reply))
        self.stats.in_flight = len(in_flight)
        return ready

    async def _queue_waiting(self, ready: list[tuple[_InFlight, Any, asyncio.Future[Any]]]) -> None:
        """Queue what did not fit, waiting for room; report progress while it takes."""
        target = self.target
        index = 0
        while index < len(ready):
            try:
                # Only a full mailbox makes the puts wait; report progress meanwhile.
                async with asyncio.timeout(_PUT_PROGRESS_SECONDS):
                    for entry, decoded, reply in ready[index:]:
                        entry.queued_at = time.perf_counter()
                        try:
                            await target.tell_envelope(decoded, reply, entry.context)
                        except Exception as exc:  # the target has stopped: a failure
                            if not reply.done():
                                reply.set_exception(exc)
                        entry.handed = True
                        index += 1
            except TimeoutError:
                if self._probe:
                    self._liveness.beat(self._probe)  # type: ignore[union-attr]

    def _replied(self, entry: _InFlight, reply: asyncio.Future[Any]) -> None:
        """Delete a handled message, or start its backoff or dead-lettering."""
        if reply.cancelled():  # released at shutdown
            self._finish(entry)
            return
        exc = reply.exception()
        if exc is None:
            assert self._deletes is not None
            self._m_duration.observe(time.perf_counter() - entry.queued_at)
            stats = self.stats
            stats.processed += 1
            self._m_processed.inc()
            type_name = entry.type_name
            stats.by_type[type_name] = stats.by_type.get(type_name, 0) + 1
            self._deletes.add(entry.message.receipt_handle)
            self._finish(entry)
        elif isinstance(exc, RetryLater):
            self.stats.retried += 1
            self._m_retried.inc()
            log.info("message.retry_later", **entry.context, reason=str(exc), delay=exc.delay)
            self._follow_up(self._settle(entry, self._set_visibility, exc.delay))
        elif isinstance(exc, RejectMessage):
            self._follow_up(self._settle(entry, self._dead_letter, f"rejected: {exc}"))
        else:
            self.stats.failed += 1
            self._m_failed.inc()
            message = entry.message
            delay = backoff_delay(
                message.receive_count,
                base=self.options.retry_backoff_min,
                cap=self.options.retry_backoff_max,
            )
            log.error(
                "message.failed",
                **entry.context,
                message_type=entry.type_name,
                error=repr(exc),
                retry_in=delay,
            )
            self._follow_up(self._settle(entry, self._set_visibility, delay))

    def _follow_up(self, work: Coroutine[Any, Any, None]) -> None:
        task = self.runtime.start_task(work, name=f"{self.ref.name}:follow-up")
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)

    async def _settle(
        self,
        entry: _InFlight,
        action: Callable[[ReceivedMessage, Any, dict[str, Any]], Awaitable[None]],
        argument: Any,
    ) -> None:
        """Run ``action`` (backoff or dead-letter) on a message, then free its slot."""
        try:
            await action(entry.message, argument, entry.context)
        finally:
            self._finish(entry)

    def _finish(self, entry: _InFlight) -> None:
        in_flight = self._in_flight
        in_flight.pop(entry.message.receipt_handle, None)
        left = len(in_flight)
        self.stats.in_flight = left
        self._slot_freed.set()
        self._idle_changed.set()
        if not left:
            self._drained.set()

    async def _dead_letter(
        self, message: ReceivedMessage, reason: str, context: dict[str, Any]
    ) -> None:
        log.error("message.dead_lettered", **context, reason=reason)
        try:
            await self.transport.dead_letter(message, reason=reason[:1000])
            self.stats.dead_lettered += 1
            self._m_dead.inc()
        except Exception as exc:
            # Left in the queue: the redrive policy moves it after maxReceiveCount.
            log.error("message.dead_letter_failed", **context, error=repr(exc))

    async def _set_visibility(
        self, message: ReceivedMessage, delay: float, context: dict[str, Any]
    ) -> None:
        timeout = max(0, min(SQS_MAX_VISIBILITY, round(delay)))
        try:
            await self.transport.change_visibility_batch(
                [VisibilityEntry("0", message.receipt_handle, timeout)]
            )
        except Exception as exc:
            # Not fatal: the message reappears when its current visibility ends.
            log.warning("message.backoff_failed", **context, error=repr(exc))

    async def _release(self, messages: list[ReceivedMessage]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [VisibilityEntry(str(i), m.receipt_handle, 0) for i, m in enumerate(chunk)]
            try:
                await self.transport.change_visibility_batch(entries)
                self.stats.released += len(chunk)
            except Exception as exc:
                log.warning("consumer.release_failed", error=repr(exc), count=len(chunk))

    async def _sample_depth(self) -> None:
        """Publish the queue's depth, so replicas can be scaled on backlog per replica."""
        try:
            stats = await self.transport.stats()
        except Exception as exc:
            log.debug("consumer.depth_sample_failed", error=repr(exc))
            return
        self._metrics.queue_visible_messages.labels(queue=self.transport.name).set(stats.visible)
        self._metrics.queue_in_flight_messages.labels(queue=self.transport.name).set(
            stats.in_flight
        )

    # -- heartbeat ----------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        """Extend the visibility of messages whose handlers run long, in batches."""
        interval = max(0.5, self._visibility / 3)
        loop = asyncio.get_running_loop()
        sample_every = self.options.depth_sample_interval
        next_sample = loop.time()
        while True:
            await asyncio.sleep(min(interval, sample_every) if sample_every > 0 else interval)
            now = loop.time()
            if sample_every > 0 and now >= next_sample:
                next_sample = now + sample_every
                await self._sample_depth()
            due = [e for e in self._in_flight.values() if e.visible_until - now < 2 * interval]
            for start in range(0, len(due), 10):
                chunk = due[start : start + 10]
                entries = [
                    VisibilityEntry(str(i), e.message.receipt_handle, self._visibility)
                    for i, e in enumerate(chunk)
                ]
                try:
                    result = await self.transport.change_visibility_batch(entries)
                except Exception as exc:
                    log.warning("consumer.heartbeat_failed", error=repr(exc))
                    continue
                for index, entry in enumerate(chunk):
                    if str(index) in result.successful:
                        entry.visible_until = loop.time() + self._visibility
