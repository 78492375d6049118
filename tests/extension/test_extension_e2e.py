"""End to end: the built extension in Debian's headless Chromium, on a recorded Ads Library
page, saving to the real Ads API, whose Ads Consumer stores the creatives in PostgreSQL.

The Ads Library is served by request routing from recorded fixtures (never the live
site), with its media URLs moved to a local CDN stand-in (there is no internet). The
Ads API and the Ads Consumer run on a migrated database of the test: in this process on
memory queues, or, for the outage test, as ``mango run`` processes on a moto SQS queue.
What the API received is read back from the ``creatives``, ``creative_saves`` and
``creative_media`` tables.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import BrowserContext, Page, Route, Worker, async_playwright

from actors.accounts import create_api_token, create_user
from actors.db import apply_migrations
from tests.extension.ad_library_page import LIBRARY_URL, graphql_body, ids_in, page_html, ssr_text
from tests.extension.ads_stack import (
    AdsApiProcess,
    Cdn,
    Rows,
    SqsStack,
    consumer_process,
    in_process,
    stack_environment,
)
from tests.servers.postgres import PostgresServer
from tests.servers.sqs import SqsServer, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
DIST = EXTENSION / "dist"
CHROMIUM = Path("/usr/bin/chromium")
EMAIL = "dev@example.com"

SSR_IDS = ids_in(ssr_text())
GRAPHQL_IDS = ids_in((EXTENSION / "test" / "data" / "graphql-search-page.json").read_text())
BUILT_IDS = ids_in((EXTENSION / "test" / "data" / "built-cases.json").read_text())


@pytest.fixture(scope="session")
def extension_dir() -> Path:
    """The unpacked extension, freshly built (esbuild takes well under a second)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build the extension (Node 20 and npm)")
    if not (EXTENSION / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True)
    subprocess.run([npm, "run", "--silent", "build"], cwd=EXTENSION, check=True)
    return DIST


@pytest.fixture(scope="module")
def migrated_database(postgres_server: PostgresServer) -> str:
    """A migrated database of this module (creating one per test costs seconds)."""
    dsn = postgres_server.create_database("mango_extension")
    asyncio.run(apply_migrations(dsn))
    return dsn


async def _empty(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        tables = await connection.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        await connection.execute(f"TRUNCATE {', '.join(t['name'] for t in tables)} CASCADE")
    finally:
        await connection.close()


@pytest.fixture
def database_url(migrated_database: str) -> str:
    """The migrated database, emptied for this test (so counts are the test's own)."""
    asyncio.run(_empty(migrated_database))
    return migrated_database


@dataclass
class Account:
    user_id: str
    token: str


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(database_url, min_size=1, max_size=2) as opened:
        yield opened


@pytest.fixture
async def account(pool: asyncpg.Pool) -> Account:
    """A user of Magic Mango and its API token, as the options page would be given."""
    user_id = await create_user(pool, EMAIL)
    _, token = await create_api_token(pool, user_id, "extension e2e")
    return Account(user_id, token)


@pytest.fixture
def rows(pool: asyncpg.Pool) -> Rows:
    return Rows(pool)


@pytest.fixture
async def cdn() -> AsyncIterator[Cdn]:
    server = Cdn()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@dataclass
class RunningApi:
    url: str


@pytest.fixture
async def api(
    monkeypatch: pytest.MonkeyPatch, database_url: str, media_dir: Path
) -> AsyncIterator[RunningApi]:
    """The real ``ads-api`` and ``ads-consumer`` in this process, on memory queues."""
    port = free_port()
    for key, value in stack_environment(database_url, media_dir, port).items():
        monkeypatch.setenv(key, value)
    async with in_process():
        yield RunningApi(f"http://127.0.0.1:{port}")


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 30.0, what: str = "condition"
) -> Any:
    """Polls ``check`` until it returns a truthy value (explicit wait, not a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last value: {last!r})")


class Browser:
    """A persistent Chromium context with the extension loaded and the routes set."""

    def __init__(self, context: BrowserContext, worker: Worker) -> None:
        self.context = context
        self.worker = worker
        self.extension_id = worker.url.split("/")[2]

    async def storage(self, key: str) -> Any:
        return await self.worker.evaluate(
            "async (key) => (await chrome.storage.local.get(key))[key] ?? null", key
        )

    async def configure(self, api_url: str, token: str) -> None:
        settings = {"apiUrl": api_url, "token": token, "boardId": None}
        await self.worker.evaluate("async (s) => chrome.storage.local.set({settings: s})", settings)

    async def open_library(self) -> Page:
        page = await self.context.new_page()
        await page.goto(LIBRARY_URL)
        return page


async def route_library(
    context: BrowserContext, *, meta_changed: bool = False, cdn_url: str | None = None
) -> None:
    """Serves the Ads Library page and its GraphQL responses (media URLs on ``cdn_url``);
    anything else of Facebook fails."""
    html = page_html(meta_changed=meta_changed, cdn_url=cdn_url)

    async def handle(route: Route) -> None:
        request = route.request
        if request.url.startswith("https://www.facebook.com/ads/library/"):
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif request.url.startswith("https://www.facebook.com/api/graphql/"):
            name = (
                "graphql-search-page.json"
                if "page=2" in (request.post_data or "")
                else "built-cases.json"
            )
            await route.fulfill(
                status=200,
                content_type="application/x-javascript",
                body=graphql_body(name, cdn_url),
            )
        else:
            await route.abort()

    await context.route("https://www.facebook.com/**", handle)


async def launch(
    playwright: Any,
    user_data_dir: Path,
    extension: Path,
    *,
    meta_changed: bool = False,
    cdn_url: str | None = None,
) -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: run `make chromium` (scripts/install-chromium.sh)"
        )
    context = await playwright.chromium.launch_persistent_context(
        user_data_dir=str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            f"--disable-extensions-except={extension}",
            f"--load-extension={extension}",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-gpu",
            "--disable-quic",
        ],
    )
    await route_library(context, meta_changed=meta_changed, cdn_url=cdn_url)
    workers = [w for w in context.service_workers if w.url.startswith("chrome-extension://")]
    worker = (
        workers[0] if workers else await context.wait_for_event("serviceworker", timeout=30_000)
    )
    return Browser(context, worker)


@pytest.fixture
async def playwright_instance() -> AsyncIterator[Any]:
    async with async_playwright() as playwright:
        yield playwright


def save_button(page: Page, library_id: str) -> Any:
    # Playwright's CSS engine pierces the open shadow root of our host element.
    return page.locator(f'[data-magic-mango="save"][data-library-id="{library_id}"] button')


def host(page: Page, library_id: str) -> Any:
    return page.locator(f'[data-magic-mango="save"][data-library-id="{library_id}"]')


def assert_each_sent_once(creatives: list[Any], expected: list[str]) -> None:
    """One row per Library ID, each from a single request: every request has its own
    ``received_at``, and a second sighting would move ``last_seen_at`` past
    ``first_seen_at``."""
    counts = Counter(row["library_id"] for row in creatives)
    assert sorted(counts) == sorted(expected)
    assert max(counts.values()) == 1, "a creative was stored twice"
    seen_twice = [r["library_id"] for r in creatives if r["first_seen_at"] != r["last_seen_at"]]
    assert seen_twice == [], "a save arrived twice"


async def test_save_one_then_save_all(
    playwright_instance: Any,
    extension_dir: Path,
    api: RunningApi,
    account: Account,
    rows: Rows,
    cdn: Cdn,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """Save on one card stores that ad (with its media, from the CDN) for the user; Save
    all stores every other card once."""
    browser = await launch(
        playwright_instance, tmp_path / "profile", extension_dir, cdn_url=cdn.url
    )
    board_id = str(
        await rows.pool.fetchval(
            "INSERT INTO boards (user_id, name) VALUES ($1, 'Winners') RETURNING id",
            uuid.UUID(account.user_id),
        )
    )
    try:
        await browser.configure(api.url, account.token)
        page = await browser.open_library()
        buttons = page.locator('[data-magic-mango="save"]')
        ready = page.locator('[data-magic-mango="save"][data-state="save"]')
        await eventually(lambda: _count(ready, len(SSR_IDS)), what="a Save button per card")

        first = SSR_IDS[0]
        await save_button(page, first).click()
        await page.locator(f'[data-library-id="{first}"][data-state="saved"]').wait_for()
        await eventually(lambda: _equals(rows.library_ids(), [first]), what="the first creative")
        await eventually(lambda: _length(rows.saves(account.user_id), 1), what="the first save")
        await eventually(lambda: _length(rows.media(), 1, at_least=True), what="its media")
        await eventually(rows.all_media_settled, what="its media to be downloaded")

        [creative] = await rows.creatives()
        assert creative["source"] == "facebook_ads_library"
        assert creative["page_url"].startswith("https://www.facebook.com/ads/library/")
        assert creative["page_name"]
        assert creative["platforms"]
        [save] = await rows.saves(account.user_id)
        assert save["board_id"] is None
        media = await rows.media()
        assert media[0]["kind"] == "video"
        assert media[0]["fallback_url"] is not None
        assert all(m["source_url"].startswith(cdn.url + "/") for m in media)
        assert {m["status"] for m in media} == {"stored"}
        assert media[0]["content_type"] == "video/mp4"
        assert all((media_dir / m["object_key"]).is_file() for m in media)

        # Infinite scroll: the next pages arrive by fetch and by XHR (both with the guard).
        await page.locator("#more-fetch").click()
        await page.locator("#more-xhr").click()
        total = len(SSR_IDS) + len(GRAPHQL_IDS) + len(BUILT_IDS)
        await eventually(lambda: _count(buttons, total), what="all buttons")

        # The board picker lists the user's boards from the Ads API; Save all files the
        # saves under the chosen board.
        toolbar = page.locator('[data-magic-mango="toolbar"]')
        picker = toolbar.locator('[data-role="boards"]')
        await picker.wait_for(state="visible")
        await picker.select_option(label="Winners")

        save_all = toolbar.locator('[data-role="save-all"]')
        await eventually(lambda: _text_contains(save_all, f"({total - 1})"), what="Save all count")
        await save_all.click()
        saved = page.locator('[data-magic-mango="save"][data-state="saved"]')
        await saved.nth(total - 1).wait_for()
        await eventually(
            lambda: _length(rows.saves(account.user_id), total), what="every save stored"
        )
        await eventually(rows.all_media_settled, what="every media file to be downloaded")

        creatives = await rows.creatives()
        assert_each_sent_once(creatives, [*SSR_IDS, *GRAPHQL_IDS, *BUILT_IDS])
        saves = await rows.saves(account.user_id)
        assert sorted(s["library_id"] for s in saves) == sorted(c["library_id"] for c in creatives)
        assert {s["board_id"] for s in saves if s["library_id"] == first} == {None}
        assert {s["board_id"] for s in saves if s["library_id"] != first} == {board_id}
        on_board = await rows.pool.fetchval(
            "SELECT count(*) FROM board_items WHERE board_id = $1", uuid.UUID(board_id)
        )
        assert on_board == total - 1
        by_id = {c["library_id"]: c for c in creatives}
        assert (
            by_id["900000000000001"]["link_url"]
            == "https://acme.example/sale?utm_source=facebook&utm_campaign=x"
        )
        assert by_id["900000000000003"]["has_templates"] is True
        assert by_id["1503229964834672"]["branded_content"] is True
        assert json.loads(by_id["1503229964834672"]["creator_page"])["name"]

        media = await rows.media()
        with_media = {m["library_id"] for m in media}
        assert len(with_media) > total // 2, "most creatives have media"
        assert {m["status"] for m in media} == {"stored"}
        assert all(m["source_url"].startswith(cdn.url + "/") for m in media)
        assert all((media_dir / m["object_key"]).is_file() for m in media)
        # Each file downloaded, and not again once stored.
        fetched = Counter(m["source_url"].removeprefix(cdn.url).split("?")[0] for m in media)
        assert all(1 <= cdn.hits[path] <= count for path, count in fetched.items())

        # The popup tells what happened today.
        popup = await browser.context.new_page()
        await popup.goto(f"chrome-extension://{browser.extension_id}/popup.html")
        await popup.locator("#savedToday", has_text=str(total)).wait_for()
        await popup.locator("#pending", has_text="0").wait_for()
    finally:
        await browser.context.close()


async def test_api_down_then_back_every_save_arrives_once(
    playwright_instance: Any,
    extension_dir: Path,
    moto_server: SqsServer,
    database_url: str,
    account: Account,
    rows: Rows,
    cdn: Cdn,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """Saves made while the ``mango run ads-api`` process is stopped are retried by the
    live worker and survive a browser restart; each arrives exactly once."""
    port = free_port()
    stack = await SqsStack.create(
        moto_server, stack_environment(database_url, media_dir, port), tmp_path / "logs"
    )
    api = AdsApiProcess(stack, port)
    profile = tmp_path / "profile"
    first = SSR_IDS[0]
    try:
        with consumer_process(stack):
            _, browser = await asyncio.gather(
                api.start(), launch(playwright_instance, profile, extension_dir, cdn_url=cdn.url)
            )
            try:
                await browser.configure(api.url, account.token)
                page = await browser.open_library()
                ready = page.locator('[data-magic-mango="save"][data-state="save"]')
                await eventually(lambda: _count(ready, len(SSR_IDS)), what="a Save button per card")

                # Down, then back while the worker lives: its backoff timer retries.
                await api.stop()
                await save_button(page, first).click()
                await eventually(
                    lambda: _pending_with_error(browser, 1), what="a queued save with an error"
                )
                await page.locator(f'[data-library-id="{first}"][data-state="saving"]').wait_for()
                await api.start()
                await page.locator(f'[data-library-id="{first}"][data-state="saved"]').wait_for(
                    timeout=30_000
                )
                await eventually(
                    lambda: _length(rows.saves(account.user_id), 1), what="the retried save"
                )
                assert await rows.library_ids() == [first]

                # Down again, and the browser is closed before it comes back.
                await api.stop()
                save_all = page.locator('[data-magic-mango="toolbar"] [data-role="save-all"]')
                await eventually(
                    lambda: _text_contains(save_all, f"({len(SSR_IDS) - 1})"), what="Save all"
                )
                await save_all.click()
                await eventually(
                    lambda: _pending_with_error(browser, len(SSR_IDS) - 1), what="queued saves"
                )
            finally:
                await browser.context.close()

            # The browser comes back with the API: the queue drains when the worker starts.
            await api.start()
            browser = await launch(playwright_instance, profile, extension_dir, cdn_url=cdn.url)
            try:
                await eventually(lambda: _pending_is(browser, 0), timeout=60, what="empty queue")
                await eventually(
                    lambda: _length(rows.saves(account.user_id), len(SSR_IDS)),
                    what="every save stored",
                )
            finally:
                await browser.context.close()
            await eventually(rows.all_media_settled, what="every media file to be downloaded")
    finally:
        await api.stop()

    assert_each_sent_once(await rows.creatives(), SSR_IDS)
    assert {m["status"] for m in await rows.media()} == {"stored"}
    # What the API put on the queue, from its logs: every creative once, over both runs
    # that served (PostgreSQL alone could not tell: the consumer is idempotent).
    queued = [
        event
        for log in sorted(stack.logs.glob("ads-api-*.log"))
        for event in _json_lines(log)
        if event.get("event") == "creatives.queued"
    ]
    assert sum(event["creatives"] for event in queued) == len(SSR_IDS)


async def test_page_changed_pauses_saving_visibly(
    playwright_instance: Any,
    extension_dir: Path,
    api: RunningApi,
    account: Account,
    rows: Rows,
    tmp_path: Path,
) -> None:
    """Cards without any capturable data show the banner instead of failing silently."""
    browser = await launch(
        playwright_instance, tmp_path / "profile", extension_dir, meta_changed=True
    )
    try:
        await browser.configure(api.url, account.token)
        page = await browser.open_library()
        banner = page.locator('[data-magic-mango="toolbar"] [data-role="banner"]')
        await banner.wait_for(state="visible", timeout=15_000)
        assert "this page changed; saving is paused" in (await banner.text_content() or "")
        assert await host(page, SSR_IDS[0]).get_attribute("data-state") == "paused"
        assert await rows.creatives() == []
    finally:
        await browser.context.close()


async def test_options_page_saves_settings_and_tests_the_connection(
    playwright_instance: Any,
    extension_dir: Path,
    api: RunningApi,
    account: Account,
    tmp_path: Path,
) -> None:
    """The options page stores URL and token, and "Test connection" calls the real
    ``/v1/whoami``."""
    browser = await launch(playwright_instance, tmp_path / "profile", extension_dir)
    try:
        page = await browser.context.new_page()
        await page.goto(f"chrome-extension://{browser.extension_id}/options.html")
        api_url = page.locator("#apiUrl")
        # The default, filled in from storage once the page has loaded.
        await eventually(lambda: _input_is(api_url, "http://127.0.0.1:8081"), what="the default")
        await api_url.fill(api.url)
        await page.locator("#token").fill("mm_wrong")
        await page.locator("#test").click()
        await page.locator("#result", has_text="HTTP 401").wait_for()
        await page.locator("#token").fill(account.token)
        await page.locator("#test").click()
        await page.locator("#result", has_text=f"Connected as {EMAIL}").wait_for()
        await page.locator("#save").click()
        await page.locator("#result", has_text="Saved.").wait_for()
        settings = await browser.storage("settings")
        assert settings == {"apiUrl": api.url, "token": account.token, "boardId": None}
    finally:
        await browser.context.close()


def _json_lines(log: Path) -> list[dict[str, Any]]:
    events = []
    for line in log.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)


async def _length(value: Awaitable[list[Any]], expected: int, *, at_least: bool = False) -> bool:
    length = len(await value)
    return length >= expected if at_least else length == expected


async def _count(locator: Any, expected: int) -> bool:
    return bool(await locator.count() == expected)


async def _text_contains(locator: Any, text: str) -> bool:
    return text in (await locator.text_content() or "")


async def _input_is(locator: Any, value: str) -> bool:
    return bool(await locator.input_value() == value)


async def _pending_with_error(browser: Browser, pending: int) -> bool:
    queue = await browser.storage("queue") or []
    counters = await browser.storage("counters") or {}
    return len(queue) == pending and bool(counters.get("lastError"))


async def _pending_is(browser: Browser, pending: int) -> bool:
    return len(await browser.storage("queue") or []) == pending
