"""Fixtures of the consumer contract: an open broker on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mango.transport.base import QueueBroker
from mango.transport.memory import MemoryBroker, MemoryStore
from mango.transport.sqs import SqsBroker

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
