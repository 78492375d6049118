"""Fixtures for the transport suites: a broker per backend and a fresh queue per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mango.transport.base import QueueBroker, QueueSpec, QueueTransport
from mango.transport.memory import MemoryBroker, MemoryStore
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import unique_queue_name

BACKENDS = ["memory", "moto", "fauxqs"]


@pytest.fixture(params=BACKENDS)
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[QueueBroker]:
    """An open broker on each backend: memory, a moto server and a fauxqs server."""
    if request.param == "memory":
        async with MemoryBroker(store=MemoryStore()) as memory:
            yield memory
        return
    server = request.getfixturevalue(f"{request.param}_server")
    async with SqsBroker(**server.broker_options()) as sqs:
        yield sqs


@pytest.fixture
def spec() -> QueueSpec:
    """A uniquely named queue spec with short timeouts (redrive after 2 receives)."""
    return QueueSpec(
        name=unique_queue_name(), visibility_timeout=30, max_receive_count=2, wait_seconds=1
    )


@pytest.fixture
async def queue(broker: QueueBroker, spec: QueueSpec) -> QueueTransport:
    """``spec``'s queue, created with its dead-letter queue, and opened."""
    await broker.create_queue(spec)
    return await broker.open_queue(spec)
