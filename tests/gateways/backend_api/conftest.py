"""Fixtures running the real Backend API in-process (``mango.serve``) on a migrated
PostgreSQL database, a real SQS server (moto by default) and a local media directory,
with real HTTP clients (one cookie jar per user)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from actors.content import CONTENT_QUEUE
from actors.db import apply_migrations
from mango.config import RuntimeSettings
from mango.serve import serve
from mango.service import ServiceContext, queue_spec
from mango.transport.base import DeleteEntry, QueueTransport, ReceivedMessage
from mango.transport.sqs import SqsBroker
from tests.gateways.conftest import aws_environment
from tests.servers.postgres import PostgresServer
from tests.servers.sqs import SqsServer, free_port

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def backend_database(postgres_server: PostgresServer) -> str:
    """A migrated database for the Backend API suites (shared by the session)."""
    dsn = postgres_server.create_database("mango_backend_api")
    asyncio.run(apply_migrations(dsn))
    return dsn


def unique_email(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class Answer:
    status: int
    headers: Any
    body: Any


@dataclass
class Client:
    """One user's HTTP client: its own cookie jar, CSRF token and optional bearer token."""

    url: str
    session: aiohttp.ClientSession
    csrf: str | None = None
    bearer: str | None = None
    user_id: str | None = None
    email: str | None = None

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        params: Any = None,
    ) -> Answer:
        all_headers = dict(headers or {})
        if csrf and self.csrf is not None:
            all_headers.setdefault("X-CSRF-Token", self.csrf)
        if self.bearer is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.bearer}")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method,
            self.url + path,
            data=data,
            headers=all_headers,
            params=params,
            allow_redirects=False,
        ) as response:
            content = await response.read()
            try:
                decoded: Any = json.loads(content) if content else None
            except ValueError:
                decoded = content
            return Answer(response.status, response.headers.copy(), decoded)

    async def signup(self, email: str | None = None, password: str = PASSWORD) -> Answer:
        email = email or unique_email()
        answer = await self.call("POST", "/v1/auth/signup", {"email": email, "password": password})
        assert answer.status == 201, answer.body
        self.csrf = answer.body["csrf_token"]
        self.user_id = answer.body["user"]["id"]
        self.email = email
        return answer

    def cookie(self, name: str) -> str | None:
        for cookie in self.session.cookie_jar:
            if cookie.key == name:
                return cookie.value
        return None


@dataclass
class BackendEnv:
    """A running Backend API with its database, content queue and clients."""

    url: str
    context: ServiceContext
    pool: asyncpg.Pool
    queue: QueueTransport
    sqs: SqsServer
    media_dir: Path
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    async def client(self) -> Client:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        return Client(self.url, session)

    async def user(self) -> Client:
        client = await self.client()
        await client.signup()
        return client

    async def receive_all(self, expected: int, timeout: float = 15.0) -> list[ReceivedMessage]:
        got: list[ReceivedMessage] = []
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            batch = await self.queue.receive(max_messages=10, wait_seconds=1)
            if batch:
                await self.queue.delete_batch(
                    [DeleteEntry(str(n), m.receipt_handle) for n, m in enumerate(batch)]
                )
            got.extend(batch)
        assert len(got) >= expected, f"expected {expected} messages, got {len(got)}"
        return got

    async def assert_no_more_messages(self, wait: float = 1.0) -> None:
        assert await self.queue.receive(max_messages=10, wait_seconds=int(wait)) == []


async def save_creative(
    pool: asyncpg.Pool,
    user_id: str,
    *,
    library_id: str | None = None,
    saved_at: datetime | None = None,
    media: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> str:
    """Insert a creative (or reuse one by Library ID) and save it for ``user_id``."""
    values: dict[str, Any] = {
        "source": "facebook",
        "library_id": library_id or str(uuid.uuid4().int)[:15],
        "page_id": "1001",
        "page_name": "Acme Shoes",
        "display_format": "IMAGE",
        "platforms": ["facebook", "instagram"],
        "is_active": True,
        "start_date": datetime(2025, 1, 1, tzinfo=UTC),
        "end_date": datetime(2025, 1, 11, tzinfo=UTC),
        "body": "Buy our running shoes today",
        "title": "Run faster",
        **fields,
    }
    if "cards" in values:
        values["cards"] = json.dumps(values["cards"])
    columns = ", ".join(values)
    placeholders = ", ".join(f"${n}" for n in range(1, len(values) + 1))
    creative_id = await pool.fetchval(
        f"INSERT INTO creatives ({columns}) VALUES ({placeholders})"
        " ON CONFLICT (source, library_id) DO UPDATE SET source = EXCLUDED.source RETURNING id",
        *values.values(),
    )
    await pool.execute(
        "INSERT INTO creative_saves (user_id, creative_id, saved_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        uuid.UUID(user_id),
        creative_id,
        saved_at or datetime.now(UTC),
    )
    for position, item in enumerate(media or []):
        await pool.execute(
            "INSERT INTO creative_media (creative_id, kind, position, source_url, status,"
            " object_key, content_type, size_bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            creative_id,
            item.get("kind", "image"),
            position,
            item.get("source_url", f"https://cdn.example.com/{position}.jpg"),
            item.get("status", "pending"),
            item.get("object_key"),
            item.get("content_type"),
            item.get("size_bytes"),
        )
    return str(creative_id)


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@asynccontextmanager
async def running_backend_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sqs: SqsServer,
    media_dir: Path,
    *,
    queue_prefix: str | None = None,
    create_queue: bool = True,
    **env: str,
) -> AsyncIterator[BackendEnv]:
    """Run the ``backend-api`` service in this process until the block ends.

    ``env`` sets ``MANGO_BACKEND_API_*`` variables by their lower-case suffix.
    """
    from gateways.backend_api import service

    aws_environment(monkeypatch)
    port = free_port()
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_DATABASE_POOL_MAX_SIZE", "6")
    monkeypatch.setenv("MANGO_MEDIA_STORE", "local")
    monkeypatch.setenv("MANGO_MEDIA_DIR", str(media_dir))
    monkeypatch.setenv("MANGO_BACKEND_API_PORT", str(port))
    monkeypatch.setenv("MANGO_BACKEND_API_COOKIE_SECURE", "false")
    monkeypatch.setenv("MANGO_BACKEND_API_OUTBOX_POLL_SECONDS", "0.2")
    for key, value in env.items():
        monkeypatch.setenv(f"MANGO_BACKEND_API_{key.upper()}", value)
    settings = RuntimeSettings(
        queue_backend="sqs",
        sqs_endpoint_url=sqs.endpoint_url,
        queue_prefix=queue_prefix or f"t{uuid.uuid4().hex[:10]}-",
        http_host="127.0.0.1",
    )
    spec = queue_spec(settings, CONTENT_QUEUE)
    # Failed log-ins are shared through the database (as between replicas): every test
    # starts without those of the tests before it.
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("DELETE FROM login_failures")
    finally:
        await connection.close()
    async with SqsBroker(**sqs.broker_options()) as broker:
        if create_queue:
            await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        started: asyncio.Future[ServiceContext] = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(serve([service], settings, on_started=started.set_result))
        done, _ = await asyncio.wait([started, task], timeout=30, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()
        assert started in done, "the Backend API did not start within 30 s"
        context = started.result()
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
        backend = BackendEnv(f"http://127.0.0.1:{port}", context, pool, queue, sqs, media_dir)
        try:
            yield backend
        finally:
            for session in backend.sessions:
                await session.close()
            await pool.close()
            context.runtime.request_stop()
            await asyncio.wait_for(task, timeout=30)


StartBackend = Callable[..., AbstractAsyncContextManager[BackendEnv]]


@pytest.fixture
def start_backend_api(
    monkeypatch: pytest.MonkeyPatch,
    backend_database: str,
    moto_server: SqsServer,
    tmp_path: Path,
) -> StartBackend:
    """A factory: ``async with start_backend_api(sqs=..., **env) as api:``."""

    def start(sqs: SqsServer | None = None, **env: Any) -> AbstractAsyncContextManager[BackendEnv]:
        return running_backend_api(
            monkeypatch, backend_database, sqs or moto_server, tmp_path / "media", **env
        )

    return start


@pytest.fixture
async def api(start_backend_api: StartBackend) -> AsyncIterator[BackendEnv]:
    """A running Backend API with default settings."""
    async with start_backend_api() as backend:
        yield backend
