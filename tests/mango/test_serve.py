"""A service process's health, readiness and metrics endpoints (the health port)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from mango import Actor, Message, MessageCodec, handler
from mango.config import RuntimeSettings
from mango.consumer import ConsumerOptions
from mango.serve import serve
from mango.service import Service, ServiceContext


class Tick(Message, frozen=True, tag="test.tick"):
    n: int


class Ticker(Actor):
    @handler
    async def tick(self, message: Tick) -> int:
        return message.n


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(service: Service, **settings: Any) -> AsyncIterator[tuple[ServiceContext, str]]:
    port = free_port()
    started: asyncio.Future[ServiceContext] = asyncio.get_running_loop().create_future()
    runtime_settings = RuntimeSettings(health_port=port, consumer_wait_seconds=1, **settings)
    task = asyncio.ensure_future(serve([service], runtime_settings, on_started=started.set_result))
    context = await asyncio.wait_for(asyncio.shield(started), timeout=30)
    try:
        yield context, f"http://127.0.0.1:{port}"
    finally:
        context.runtime.request_stop()
        await asyncio.wait_for(task, timeout=30)


async def _start_ticker(context: ServiceContext) -> None:
    ticker = await context.runtime.spawn(Ticker, name="ticker")
    await context.consume("ticks", codec=MessageCodec([Tick]), target=ticker)


ticker_service = Service(name="ticker", summary="test", queues=("ticks",), start=_start_ticker)


async def test_health_port_serves_health_readiness_and_consumer_metrics() -> None:
    """A consumer-only service answers /healthz, /readyz and /metrics on its health port,
    and the metrics count what the consumer handled."""
    async with serving(ticker_service) as (context, url):
        publisher = await context.publisher("ticks", codec=MessageCodec([Tick]), sender="t")
        from mango.publisher import Publish

        for n in range(5):
            await publisher.ask(Publish(Tick(n=n)))
        for consumer in context.consumers:
            from mango.consumer import WaitIdle

            await consumer.ask(WaitIdle(), timeout=30)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/healthz") as response:
                assert response.status == 200
                assert "consumer:ticks" in await response.text()
            async with http.get(f"{url}/readyz") as response:
                assert response.status == 200
                assert "queues" in await response.text()
            async with http.get(f"{url}/metrics") as response:
                text = await response.text()
    assert 'mango_messages_processed_total{actor="ticker",queue="ticks"}' in text
    assert "mango_actor_mailbox_depth" in text


async def test_a_stuck_poller_fails_healthz_naming_it() -> None:
    """A poll loop that stops turning (a receive that never returns) makes /healthz 503."""
    never = asyncio.Event()

    async def start(context: ServiceContext) -> None:
        ticker = await context.runtime.spawn(Ticker, name="ticker")
        transport = await context.queue("stuck")

        async def hang(**kwargs: Any) -> Any:
            await never.wait()

        transport.receive = hang  # type: ignore[method-assign]
        from mango.consumer import QueueConsumer

        await context.runtime.spawn(
            lambda: QueueConsumer(
                transport=transport,
                codec=MessageCodec([Tick]),
                target=ticker,
                options=ConsumerOptions(max_silence=0.3, wait_seconds=1),
                liveness=context.liveness,
            ),
            name="consumer:stuck",
            stop_timeout=1,
        )

    service = Service(name="stuck", summary="test", queues=("stuck",), start=start)
    status, body = 200, ""
    async with (
        serving(service, shutdown_grace_seconds=0.5) as (_, url),
        aiohttp.ClientSession() as http,
    ):
        for _ in range(100):
            async with http.get(f"{url}/healthz") as response:
                status, body = response.status, await response.text()
            if status == 503:
                break
            await asyncio.sleep(0.05)
    assert status == 503
    assert "consumer:stuck" in body
