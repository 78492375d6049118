"""Helpers for testing services and actors in-process, on memory queues.

::

    async with run_service(my_service) as harness:
        await harness.publish("mango-example", WorkItem(key="a"))
        await harness.wait_idle()

``wait_idle`` returns once every consumer's queue is drained and nothing is in flight,
so tests are deterministic without sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from mango.config import RuntimeSettings
from mango.consumer import WaitIdle
from mango.messages import Message, MessageCodec
from mango.publisher import Publish
from mango.runtime import Runtime
from mango.service import Service, ServiceContext
from mango.transport.base import QueueStats

__all__ = ["ServiceHarness", "run_service"]


class ServiceHarness:
    """A running in-process service, with ways to feed and observe its queues."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.runtime = context.runtime

    async def publish(self, queue: str, *messages: Message) -> list[str]:
        """Publish ``messages`` to ``queue``; return their message ids."""
        codec: MessageCodec[Any] = MessageCodec({type(message) for message in messages})
        publisher = await self.context.publisher(queue, codec=codec, sender="test")
        return [await publisher.ask(Publish(message)) for message in messages]

    async def wait_idle(self, *, timeout: float = 30.0) -> None:
        """Wait until every consumer's queue is drained and nothing is in flight."""
        for consumer in self.context.consumers:
            await consumer.ask(WaitIdle(), timeout=timeout)

    async def stats(self, queue: str) -> QueueStats:
        """The depth of ``queue`` and its dead-letter queue."""
        return await (await self.context.queue(queue)).stats()


@asynccontextmanager
async def run_service(
    *services: Service, settings: RuntimeSettings | None = None
) -> AsyncIterator[ServiceHarness]:
    """Run ``services`` in this event loop on memory queues, yielding a harness."""
    from mango.transport.memory import MemoryBroker, MemoryStore

    settings = settings or RuntimeSettings(
        consumer_wait_seconds=1.0, retry_backoff_min=0.0, retry_backoff_max=0.0
    )
    runtime = Runtime(name="test")
    store = MemoryStore()  # fresh queues for every harness
    names: Sequence[str] = [service.name for service in services]
    context = ServiceContext(
        runtime,
        settings,
        lambda: MemoryBroker(
            store=store, auto_create=True, max_body_bytes=settings.queue_max_body_bytes
        ),
        services=list(names),
    )
    for service in services:
        service.configure(context)
    async with runtime:
        for service in services:
            await service.start(context)
        yield ServiceHarness(context)
