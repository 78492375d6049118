"""Fixtures starting a real gateway on a loopback port, with a real aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest

from mango import Runtime
from mango.http import HttpGateway, Liveness, Readiness
from mango.metrics import Metrics


@dataclass
class RunningGateway:
    """A started gateway with its runtime, registries and a client session."""

    runtime: Runtime
    gateway: HttpGateway
    session: aiohttp.ClientSession
    metrics: Metrics
    liveness: Liveness
    readiness: Readiness

    def url(self, path: str) -> str:
        return self.gateway.url + path


@asynccontextmanager
async def running_gateway(
    gateway_class: type[HttpGateway] = HttpGateway,
    *,
    liveness: Liveness | None = None,
    **options: object,
) -> AsyncIterator[RunningGateway]:
    """Start ``gateway_class`` on 127.0.0.1 and a free port inside a fresh runtime."""
    metrics = Metrics(process_collectors=False)
    liveness = liveness or Liveness()
    readiness = Readiness()
    made: list[HttpGateway] = []

    def make() -> HttpGateway:
        gateway = gateway_class(
            host="127.0.0.1",
            port=0,
            metrics=metrics,
            liveness=liveness,
            readiness=readiness,
            **options,  # type: ignore[arg-type]
        )
        made.append(gateway)
        return gateway

    async with Runtime(name="test") as runtime, aiohttp.ClientSession() as session:
        await runtime.spawn(make, name="gateway")
        yield RunningGateway(runtime, made[-1], session, metrics, liveness, readiness)


@pytest.fixture
def start_gateway() -> Callable[..., AbstractAsyncContextManager[RunningGateway]]:
    """Give tests :func:`running_gateway` (a factory: each test picks its options)."""
    return running_gateway
