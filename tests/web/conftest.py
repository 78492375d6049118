"""Fixtures for the web app's end-to-end tests: the built app, the whole system, a browser.

- ``web_app_dist``: ``web/app`` built with its own npm scripts (``npm ci`` when needed).
- ``mango_system``: ``mango dev`` as a real process (every service in one, memory
  queues) against a fresh database on the test PostgreSQL server, with media downloads
  allowed from loopback so that a local CDN can stand in for Meta's.
- ``app_site``: ``mango dev``'s front door: the built app under ``/app/``, ``/api/...``
  forwarded to the Backend API and ``/ads/...`` to the Ads API on one origin, as the
  compose proxy arranges it in production.
- ``media_cdn``: a local server playing Meta's CDN (PNG images and a WebM video).
- ``app_browser``: Debian's Chromium through Playwright (never a downloaded browser).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.servers.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
WEB_APP = ROOT / "web" / "app"
ARTIFACTS = ROOT / "test-artifacts" / "web-app"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = WEB_APP / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def web_app_dist() -> Path:
    """Build ``web/app`` (installing its pinned packages first when needed)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build the web app (Node 20 and npm)")
    if not (WEB_APP / "node_modules" / ".package-lock.json").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB_APP, check=True
        )
    subprocess.run([npm, "run", "--silent", "build"], cwd=WEB_APP, check=True)
    dist = WEB_APP / "dist"
    assert (dist / "index.html").exists(), "the build wrote no dist/index.html"
    return dist


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (``test-artifacts/web-app/``, gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# The system -------------------------------------------------------------------------


@dataclass
class MangoSystem:
    """A running ``mango dev``: its URLs, and its log for failure messages."""

    ads_api: str
    backend_api: str
    web: str
    """The dev front door: the app at /app/, the Backend API at /api/, the Ads API at /ads/."""
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the process output."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def _wait_ready(url: str, process: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"mango dev exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{url}/readyz") as response:
                    if response.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{url}/readyz not ready after {timeout} s")
            await asyncio.sleep(0.2)


@pytest.fixture
def app_database(postgres_server: PostgresServer) -> str:
    """An empty database for one system (``mango dev`` applies the migrations)."""
    return postgres_server.create_database("mango_webapp")


@pytest.fixture
async def mango_system(
    app_database: str, web_app_dist: Path, tmp_path: Path
) -> AsyncIterator[MangoSystem]:
    """``mango dev`` on free ports and a fresh database, its front door serving the built
    app; stopped with SIGTERM afterwards."""
    dsn = app_database
    ads_port, backend_port, web_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "MANGO_DATABASE_URL": dsn,
        "MANGO_DEV_DIR": str(tmp_path / "dev"),
        "MANGO_MEDIA_DIR": str(tmp_path / "media"),
        "MANGO_ADS_API_PORT": str(ads_port),
        "MANGO_BACKEND_API_PORT": str(backend_port),
        "MANGO_WEB_PORT": str(web_port),
        "MANGO_WEB_APP_DIR": str(web_app_dist),
        "MANGO_WEB_LANDING_DIR": str(tmp_path / "no-landing"),
        "MANGO_BACKEND_API_COOKIE_SECURE": "false",
        "MANGO_MEDIA_ALLOW_LOOPBACK": "true",
        "MANGO_QUEUE_BACKEND": "memory",
        "MANGO_CONSUMER_WAIT_SECONDS": "1",
        "MANGO_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "mango-dev.log"
    mango = Path(sys.executable).with_name("mango")
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(mango), "dev", cwd=str(tmp_path), env=env, stdout=log, stderr=subprocess.STDOUT
        )
    system = MangoSystem(
        ads_api=f"http://127.0.0.1:{ads_port}",
        backend_api=f"http://127.0.0.1:{backend_port}",
        web=f"http://127.0.0.1:{web_port}",
        log_path=log_path,
    )
    try:
        try:
            await _wait_ready(system.backend_api, process, timeout=60)
            await _wait_ready(system.ads_api, process, timeout=30)
            await _wait_ready(system.web, process, timeout=30)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"mango dev did not start: {exc}\n{system.log_tail()}")
        yield system
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=40)
            except TimeoutError:
                process.kill()
                await process.wait()


# The app's origin --------------------------------------------------------------------


@pytest.fixture
def app_site(mango_system: MangoSystem) -> str:
    """The app's origin: ``mango dev``'s front door (``/app/``, ``/api/``, ``/ads/``)."""
    return mango_system.web


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


# A CDN standing in for Meta's ----------------------------------------------------------


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A real PNG with a vertical gradient (no imaging library needed)."""
    rows = bytearray()
    for y in range(height):
        t = y / max(1, height - 1)
        colour = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        rows += b"\x00" + colour * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


@dataclass
class MediaCdn:
    """Files served under ``base_url``; ``hits`` counts requests per path."""

    base_url: str
    files: dict[str, tuple[bytes, str]]
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@contextlib.asynccontextmanager
async def media_cdn(files: dict[str, tuple[bytes, str]]) -> AsyncIterator[MediaCdn]:
    """Serve ``files`` (name -> (bytes, content type)) on a free loopback port."""
    holder: dict[str, MediaCdn] = {}

    async def handle(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        cdn = holder["cdn"]
        cdn.hits[name] = cdn.hits.get(name, 0) + 1
        if name not in cdn.files:
            raise web.HTTPNotFound()
        data, content_type = cdn.files[name]
        return web.Response(body=data, content_type=content_type)

    app = web.Application()
    app.router.add_get("/{name}", handle)
    async with serve(app) as url:
        holder["cdn"] = MediaCdn(base_url=url, files=files)
        yield holder["cdn"]


# The browser -----------------------------------------------------------------------------


@pytest.fixture
async def app_browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: run `make chromium` (scripts/install-chromium.sh)"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE_SCRIPT))
    result = await page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def iter_lines(text: str) -> Iterator[str]:
    """Non-empty stripped lines."""
    for line in text.splitlines():
        if line.strip():
            yield line.strip()
