"""The Ads Consumer under stress: overlapping concurrent messages, and PostgreSQL going away."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asyncpg
import pytest
import structlog

from actors.accounts import create_user
from actors.ads.messages import ADS_QUEUE, Creative, CreativesCollected
from actors.ads.service import service
from mango.config import RuntimeSettings
from mango.testing import run_service
from tests.actors.tcp_proxy import CuttableProxy


def batch(user_id: str, library_ids: list[int], at: float) -> CreativesCollected:
    creatives = [
        Creative(library_id=str(900_000_000_000_000 + i), title=f"ad {i}") for i in library_ids
    ]
    return CreativesCollected(user_id=user_id, creatives=creatives, received_at=at)


@pytest.fixture
def consumer_env(database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_MEDIA_DIR", str(tmp_path / "media"))


async def test_overlapping_messages_in_parallel_store_each_creative_once(
    consumer_env: None, pool: Any
) -> None:
    """Thirty messages sharing creatives, in any order, sixteen at a time: no deadlock,
    no duplicate, nothing dead-lettered."""
    user_id = await create_user(pool, "ana@example.com")
    rng = random.Random(4)
    messages = [batch(user_id, rng.sample(range(40), 10), at=1_780_000_000 + n) for n in range(30)]
    expected = {
        i
        for message in messages
        for i in range(40)
        if str(900_000_000_000_000 + i) in {c.library_id for c in message.creatives}
    }
    async with run_service(service) as harness:
        await harness.publish(ADS_QUEUE, *messages)
        await harness.wait_idle()
        stats = await harness.stats(ADS_QUEUE)
    assert stats.dead_letters == 0
    assert await pool.fetchval("SELECT count(*) FROM creatives") == len(expected)
    assert await pool.fetchval("SELECT count(*) FROM creative_saves") == len(expected)
    assert await pool.fetchval("SELECT count(*) FROM processed_messages") == 30


async def creatives_in(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM creatives"))
    finally:
        await connection.close()


@pytest.mark.slow
async def test_database_outage_loses_nothing(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL unreachable for 10 s mid-run: the consumer backs off, keeps every
    unstored message in the queue, and stores everything once the database is back."""
    async with CuttableProxy(database_url) as proxy:
        monkeypatch.setenv("MANGO_DATABASE_URL", proxy.dsn())
        monkeypatch.setenv("MANGO_DATABASE_CONNECT_TIMEOUT_SECONDS", "2")
        monkeypatch.setenv("MANGO_MEDIA_DIR", str(tmp_path / "media"))
        connection = await asyncpg.connect(database_url)
        try:
            user_id = await create_user(connection, "ana@example.com")
        finally:
            await connection.close()
        settings = RuntimeSettings(
            consumer_wait_seconds=0.5,
            consumer_concurrency=4,
            retry_backoff_min=0.5,
            retry_backoff_max=3.0,
            queue_max_receive_count=100,
        )
        async with run_service(service, settings=settings) as harness:
            await harness.publish(
                ADS_QUEUE, *(batch(user_id, [3 * n, 3 * n + 1, 3 * n + 2], n) for n in range(10))
            )
            await harness.wait_idle()
            assert await creatives_in(database_url) == 30

            proxy.cut()
            await harness.publish(
                ADS_QUEUE,
                *(batch(user_id, [3 * n, 3 * n + 1, 3 * n + 2], n) for n in range(10, 20)),
            )
            with structlog.testing.capture_logs() as events:
                await asyncio.sleep(10)
            stats = await harness.stats(ADS_QUEUE)
            assert stats.visible + stats.in_flight + stats.delayed == 10  # nothing deleted
            assert stats.dead_letters == 0
            assert await creatives_in(database_url) == 30
            failures = [e for e in events if e["event"] == "message.failed"]
            # Every message failed and was retried with growing delays, not in a hot loop.
            assert 10 <= len(failures) <= 10 * 12
            assert max(e["retry_in"] for e in failures) > 1.0

            proxy.restore()
            await harness.wait_idle(timeout=60)
            stats = await harness.stats(ADS_QUEUE)
        assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 0)
        assert await creatives_in(database_url) == 60
