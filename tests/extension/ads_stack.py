"""The real Ads API and Ads Consumer for the extension's end-to-end tests.

Two ways to run them, both on a migrated PostgreSQL database of the test:

- :func:`in_process`: ``ads-api`` and ``ads-consumer`` in the test's event loop on memory
  queues (``mango.testing.run_service``);
- :class:`AdsApiProcess` and :func:`consumer_process`: ``mango run ads-api`` and
  ``mango run ads-consumer`` as processes on a moto SQS queue, so the API can be stopped
  and started again while the consumer keeps running.

Media comes from :class:`Cdn`, a local stand-in of Meta's CDN (there is no internet in
tests; ``MANGO_MEDIA_ALLOW_LOOPBACK`` lets the consumer's SSRF guard reach it). What the
API received is read back from PostgreSQL with :class:`Rows`.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from actors.ads.messages import ADS_QUEUE
from mango.config import RuntimeSettings
from mango.service import queue_spec
from mango.testing import ServiceHarness, run_service
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import DUMMY_CREDENTIALS, REGION, SqsServer

MANGO = Path(sys.executable).parent / "mango"


# --- the CDN ------------------------------------------------------------------------------


def media_bytes(path: str) -> tuple[bytes, str]:
    """A small file of the right kind for ``path`` (``/video-...`` hosts serve videos),
    different for every path."""
    salt = hashlib.sha256(path.encode()).digest() * 64
    if path.startswith("/video") or path.endswith(".mp4"):
        return b"\x00\x00\x00\x18ftypmp42" + salt, "video/mp4"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + salt, "image/jpeg"


class Cdn:
    """Serves every path as an image or a video (see :func:`media_bytes`); ``hits`` counts
    the requests per path."""

    def __init__(self) -> None:
        self.hits: collections.Counter[str] = collections.Counter()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        body, content_type = media_bytes(request.path)
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# --- settings -----------------------------------------------------------------------------


def stack_environment(database_url: str, media_dir: Path, api_port: int) -> dict[str, str]:
    """``MANGO_*`` settings shared by the API and the consumer, in and out of process."""
    return {
        "MANGO_DATABASE_URL": database_url,
        "MANGO_DATABASE_POOL_MAX_SIZE": "4",
        "MANGO_ADS_API_PORT": str(api_port),
        "MANGO_MEDIA_DIR": str(media_dir),
        "MANGO_MEDIA_ALLOW_LOOPBACK": "true",
        "MANGO_MEDIA_MAX_ATTEMPTS": "1",
        "MANGO_MEDIA_READ_TIMEOUT": "5",
    }


@asynccontextmanager
async def in_process() -> AsyncIterator[ServiceHarness]:
    """``ads-api`` and ``ads-consumer`` in this event loop on memory queues (settings from
    the environment: see :func:`stack_environment`)."""
    from actors.ads.service import service as consumer
    from gateways.ads_api.service import service as api

    settings = RuntimeSettings(
        consumer_wait_seconds=0.5, retry_backoff_min=0.0, retry_backoff_max=0.0
    )
    async with run_service(api, consumer, settings=settings) as harness:
        yield harness


# --- processes ----------------------------------------------------------------------------


@dataclass
class SqsStack:
    """The environment of ``mango run`` processes sharing one moto queue."""

    env: dict[str, str]
    logs: Path

    @classmethod
    async def create(cls, sqs: SqsServer, base: dict[str, str], logs: Path) -> SqsStack:
        """Create the ``mango-ads`` queue (under a prefix of this test) and the env."""
        prefix = f"e{uuid.uuid4().hex[:10]}-"
        async with SqsBroker(**sqs.broker_options()) as broker:
            await broker.create_queue(queue_spec(RuntimeSettings(queue_prefix=prefix), ADS_QUEUE))
        env = {
            **os.environ,
            **base,
            **{key.upper(): value for key, value in DUMMY_CREDENTIALS.items()},
            "AWS_DEFAULT_REGION": REGION,
            "MANGO_QUEUE_BACKEND": "sqs",
            "MANGO_SQS_ENDPOINT_URL": sqs.endpoint_url,
            "MANGO_QUEUE_PREFIX": prefix,
            "MANGO_CONSUMER_WAIT_SECONDS": "1",
            "MANGO_LOG_FORMAT": "json",
        }
        env.pop("AWS_PROFILE", None)
        logs.mkdir(parents=True, exist_ok=True)
        return cls(env, logs)

    def popen(self, service: str, log_name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.logs / log_name
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(MANGO), "run", service], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return process, log


def terminate(process: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM, as an orchestrator stops a service; it must exit 0 within 30 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError("did not stop on SIGTERM:\n" + log.read_text()[-3000:]) from None
    assert code == 0, f"exited {code}:\n" + log.read_text()[-3000:]


class AdsApiProcess:
    """``mango run ads-api`` on a fixed port: ``stop`` and ``start`` again at will."""

    def __init__(self, stack: SqsStack, port: int) -> None:
        self.stack = stack
        self.url = f"http://127.0.0.1:{port}"
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log = stack.logs / "ads-api-0.log"

    async def start(self) -> None:
        """Start the process and wait until ``/readyz`` answers 200."""
        self.starts += 1
        self._process, self._log = self.stack.popen("ads-api", f"ads-api-{self.starts}.log")
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self._process.poll() is None, self._log.read_text()[-3000:]
                try:
                    async with session.get(self.url + "/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("ads-api did not become ready:\n" + self._log.read_text()[-3000:])

    async def stop(self) -> None:
        if self._process is not None:
            await asyncio.to_thread(terminate, self._process, self._log)
            self._process = None


@contextmanager
def consumer_process(stack: SqsStack) -> Iterator[None]:
    """``mango run ads-consumer`` until the block ends."""
    process, log = stack.popen("ads-consumer", "ads-consumer.log")
    try:
        yield
        assert process.poll() is None, "ads-consumer died:\n" + log.read_text()[-3000:]
    finally:
        terminate(process, log)


# --- what PostgreSQL holds ----------------------------------------------------------------


class Rows:
    """Reads what the Ads Consumer stored."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def creatives(self) -> list[Any]:
        return list(await self.pool.fetch("SELECT * FROM creatives ORDER BY first_seen_at"))

    async def library_ids(self) -> list[str]:
        return [row["library_id"] for row in await self.creatives()]

    async def saves(self, user_id: str) -> list[Any]:
        return list(
            await self.pool.fetch(
                "SELECT c.library_id, s.* FROM creative_saves s"
                " JOIN creatives c ON c.id = s.creative_id WHERE s.user_id = $1",
                uuid.UUID(user_id),
            )
        )

    async def media(self) -> list[Any]:
        return list(
            await self.pool.fetch(
                "SELECT c.library_id, m.* FROM creative_media m"
                " JOIN creatives c ON c.id = m.creative_id"
                " ORDER BY c.library_id, m.kind, m.card_index NULLS FIRST, m.position"
            )
        )

    async def all_media_settled(self) -> bool:
        """Every media row has left ``pending`` (stored, failed, expired or refused)."""
        pending = await self.pool.fetchval(
            "SELECT count(*) FROM creative_media WHERE status = 'pending'"
        )
        return int(pending) == 0
