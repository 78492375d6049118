"""Fixtures running the real Ads API: in-process through ``mango.serve``, on a migrated
PostgreSQL database and a real SQS server (moto by default), with a real HTTP client."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from actors.accounts import create_api_token, create_user
from actors.ads.messages import ADS_QUEUE, CreativesCollected, ads_codec
from actors.db import apply_migrations
from mango.config import RuntimeSettings
from mango.serve import serve
from mango.service import ServiceContext, queue_spec
from mango.transport.base import DeleteEntry, QueueTransport, ReceivedMessage
from mango.transport.sqs import SqsBroker
from tests.servers.postgres import PostgresServer
from tests.servers.sqs import DUMMY_CREDENTIALS, REGION, SqsServer, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PAYLOAD = ROOT / "extension" / "test" / "data" / "payload-example.json"


def example_payload() -> dict[str, Any]:
    """The extension's example body of ``POST /v1/creatives``."""
    payload: dict[str, Any] = json.loads(EXAMPLE_PAYLOAD.read_text(encoding="utf-8"))
    return payload


def creative(library_id: str = "123456789012345", **fields: Any) -> dict[str, Any]:
    """A small valid creative as JSON-ready builtins."""
    return {"library_id": library_id, "body": "Buy now", **fields}


def library_ids(count: int, start: int = 100_000_000_000_000) -> list[str]:
    """``count`` distinct valid Library IDs."""
    return [str(start + n) for n in range(count)]


@pytest.fixture(scope="session")
def ads_database(postgres_server: PostgresServer) -> str:
    """A migrated database for the Ads API suites (shared by the session)."""
    dsn = postgres_server.create_database("mango_ads_api")
    asyncio.run(apply_migrations(dsn))
    return dsn


def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy AWS credentials for the process's SQS client (never the user's own)."""
    for key, value in DUMMY_CREDENTIALS.items():
        monkeypatch.setenv(key.upper(), value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@dataclass
class AdsApiEnv:
    """A running Ads API with its database, queue and an HTTP client."""

    url: str
    context: ServiceContext
    session: aiohttp.ClientSession
    pool: asyncpg.Pool
    queue: QueueTransport
    sqs: SqsServer

    async def new_token(self, email: str | None = None) -> tuple[str, str, str]:
        """Create a user (a new one unless ``email`` is given) and a token: ids and token."""
        user_id = await create_user(self.pool, email or f"u-{uuid.uuid4().hex[:12]}@example.com")
        token_id, token = await create_api_token(self.pool, user_id, "tests")
        return user_id, token_id, token

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def post_json(
        self, payload: Any, token: str | None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, Any]:
        """POST ``payload`` to /v1/creatives; return status, headers and decoded body."""
        body = json.dumps(payload).encode("utf-8")
        return await self.post_raw(body, token, headers=headers)

    async def post_raw(
        self,
        body: bytes,
        token: str | None,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if token is not None:
            all_headers.update(self.auth(token))
        async with self.session.post(
            self.url + "/v1/creatives", data=body, headers=all_headers
        ) as response:
            raw = await response.read()
            return response.status, response.headers.copy(), _json_or_bytes(raw)

    async def receive_all(self, expected: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Receive (and delete) messages until ``expected`` arrived; fail after ``timeout``."""
        got: list[ReceivedMessage] = []
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            batch = await self.queue.receive(max_messages=10, wait_seconds=1)
            if batch:
                await self.queue.delete_batch(
                    [DeleteEntry(str(n), m.receipt_handle) for n, m in enumerate(batch)]
                )
            got.extend(batch)
        assert len(got) == expected, f"expected {expected} messages, got {len(got)}"
        return got

    async def assert_queue_empty(self) -> None:
        assert await self.queue.receive(max_messages=10, wait_seconds=0) == []


def _json_or_bytes(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:  # aiohttp's own plain-text answers to unparsable requests
        return raw


def decode_messages(received: list[ReceivedMessage]) -> list[CreativesCollected]:
    messages = [ads_codec.decode(m.body) for m in received]
    assert all(isinstance(m, CreativesCollected) for m in messages)
    return messages


@asynccontextmanager
async def running_ads_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sqs: SqsServer,
    **env: str,
) -> AsyncIterator[AdsApiEnv]:
    """Run the ``ads-api`` service in this process until the block ends.

    ``env`` sets ``MANGO_ADS_API_*`` variables by their lower-case suffix, e.g.
    ``rate_limit_burst="3"``.
    """
    from gateways.ads_api import service

    aws_environment(monkeypatch)
    port = free_port()
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_DATABASE_POOL_MAX_SIZE", "4")
    monkeypatch.setenv("MANGO_ADS_API_PORT", str(port))
    for key, value in env.items():
        monkeypatch.setenv(f"MANGO_ADS_API_{key.upper()}", value)
    settings = RuntimeSettings(
        queue_backend="sqs",
        sqs_endpoint_url=sqs.endpoint_url,
        queue_prefix=f"t{uuid.uuid4().hex[:10]}-",
        http_host="127.0.0.1",
    )
    spec = queue_spec(settings, ADS_QUEUE)
    async with SqsBroker(**sqs.broker_options()) as broker:
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        started: asyncio.Future[ServiceContext] = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(serve([service], settings, on_started=started.set_result))
        done, _ = await asyncio.wait([started, task], timeout=30, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()  # start-up failed: show why
        assert started in done, "the Ads API did not start within 30 s"
        context = started.result()
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        try:
            async with aiohttp.ClientSession() as session:
                yield AdsApiEnv(f"http://127.0.0.1:{port}", context, session, pool, queue, sqs)
        finally:
            await pool.close()
            context.runtime.request_stop()
            await asyncio.wait_for(task, timeout=30)


@pytest.fixture
def start_ads_api(
    monkeypatch: pytest.MonkeyPatch, ads_database: str, moto_server: SqsServer
) -> Callable[..., AbstractAsyncContextManager[AdsApiEnv]]:
    """A factory: ``async with start_ads_api(sqs=..., **env) as api:`` (moto by default)."""

    def start(sqs: SqsServer | None = None, **env: str) -> AbstractAsyncContextManager[AdsApiEnv]:
        return running_ads_api(monkeypatch, ads_database, sqs or moto_server, **env)

    return start
