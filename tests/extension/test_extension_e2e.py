"""End to end: the built extension in Debian's headless Chromium, on a recorded Ads Library
page, saving to a real HTTP server that records what it receives.

The Ads Library is served by request routing from recorded fixtures (never the live
site); the API is ``api_standin.ApiStandIn`` until the real Ads API lands.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, Route, Worker, async_playwright

from tests.extension.ad_library_page import LIBRARY_URL, graphql_body, ids_in, page_html, ssr_text
from tests.extension.api_standin import TOKEN, ApiStandIn

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
DIST = EXTENSION / "dist"
CHROMIUM = Path("/usr/bin/chromium")

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


@pytest.fixture
async def api() -> AsyncIterator[ApiStandIn]:
    server = ApiStandIn(boards=[{"id": "board-1", "name": "Winners"}])
    await server.start()
    yield server
    await server.stop()


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

    async def configure(self, api_url: str) -> None:
        settings = {"apiUrl": api_url, "token": TOKEN, "boardId": None}
        await self.worker.evaluate("async (s) => chrome.storage.local.set({settings: s})", settings)

    async def open_library(self) -> Page:
        page = await self.context.new_page()
        await page.goto(LIBRARY_URL)
        return page


async def route_library(context: BrowserContext, *, meta_changed: bool = False) -> None:
    """Serves the Ads Library page and its GraphQL responses; anything else of Facebook fails."""
    html = page_html(meta_changed=meta_changed)

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
                status=200, content_type="application/x-javascript", body=graphql_body(name)
            )
        else:
            await route.abort()

    await context.route("https://www.facebook.com/**", handle)


async def launch(
    playwright: Any, user_data_dir: Path, extension: Path, *, meta_changed: bool = False
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
    await route_library(context, meta_changed=meta_changed)
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


async def test_save_one_then_save_all(
    playwright_instance: Any, extension_dir: Path, api: ApiStandIn, tmp_path: Path
) -> None:
    """Save on one card sends that ad; Save all sends every other card once, to the chosen board."""
    browser = await launch(playwright_instance, tmp_path / "profile", extension_dir)
    try:
        await browser.configure(api.url)
        page = await browser.open_library()
        buttons = page.locator('[data-magic-mango="save"]')
        ready = page.locator('[data-magic-mango="save"][data-state="save"]')
        await eventually(lambda: _count(ready, len(SSR_IDS)), what="a Save button per card")

        first = SSR_IDS[0]
        await save_button(page, first).click()
        await eventually(lambda: _async(api.received_ids() == [first]), what="the first save")
        await page.locator(f'[data-library-id="{first}"][data-state="saved"]').wait_for()

        creative = api.received[0]
        assert creative.source == "facebook_ads_library"
        assert creative.page_url is not None
        assert creative.page_url.startswith("https://www.facebook.com/ads/library/")
        assert creative.board_id is None
        assert creative.media
        assert all(m.url.startswith("https://") for m in creative.media)
        assert creative.media[0].kind == "video"
        assert creative.media[0].fallback_url is not None
        assert api.auth_headers == [f"Bearer {TOKEN}"]

        # Infinite scroll: the next pages arrive by fetch and by XHR (both with the guard).
        await page.locator("#more-fetch").click()
        await page.locator("#more-xhr").click()
        total = len(SSR_IDS) + len(GRAPHQL_IDS) + len(BUILT_IDS)
        await eventually(lambda: _count(buttons, total), what="all buttons")

        # The board picker lists the Backend API's boards; later saves carry the board.
        toolbar = page.locator('[data-magic-mango="toolbar"]')
        picker = toolbar.locator('[data-role="boards"]')
        await picker.select_option("board-1")
        await eventually(
            lambda: _settings_board(browser, "board-1"), what="the board choice to be stored"
        )

        save_all = toolbar.locator('[data-role="save-all"]')
        await eventually(lambda: _text_contains(save_all, f"({total - 1})"), what="Save all count")
        await save_all.click()
        await eventually(lambda: _async(len(api.received) == total), what="every save")

        counts = Counter(api.received_ids())
        assert sorted(counts) == sorted([*SSR_IDS, *GRAPHQL_IDS, *BUILT_IDS])
        assert max(counts.values()) == 1, "a save arrived twice"
        assert all(len(batch) <= 50 for batch in api.batches)
        assert {c.board_id for c in api.received[1:]} == {"board-1"}
        by_id = {c.library_id: c for c in api.received}
        assert (
            by_id["900000000000001"].link_url
            == "https://acme.example/sale?utm_source=facebook&utm_campaign=x"
        )
        assert by_id["900000000000003"].has_templates is True
        assert by_id["1503229964834672"].branded_content is True
        saved = page.locator('[data-magic-mango="save"][data-state="saved"]')
        await saved.nth(total - 1).wait_for()

        # The popup tells what happened today.
        popup = await browser.context.new_page()
        await popup.goto(f"chrome-extension://{browser.extension_id}/popup.html")
        await popup.locator("#savedToday", has_text=str(total)).wait_for()
        await popup.locator("#pending", has_text="0").wait_for()
    finally:
        await browser.context.close()


async def test_api_down_then_back_every_save_arrives_once(
    playwright_instance: Any, extension_dir: Path, api: ApiStandIn, tmp_path: Path
) -> None:
    """Saves made while the API is down are retried by the live worker and survive a
    browser restart; each arrives exactly once."""
    profile = tmp_path / "profile"
    browser = await launch(playwright_instance, profile, extension_dir)
    first = SSR_IDS[0]
    try:
        await browser.configure(api.url)
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
        await eventually(lambda: _async(api.received_ids() == [first]), what="the retried save")
        await page.locator(f'[data-library-id="{first}"][data-state="saved"]').wait_for()

        # Down again, and the browser is closed before it comes back.
        await api.stop()
        save_all = page.locator('[data-magic-mango="toolbar"] [data-role="save-all"]')
        await eventually(lambda: _text_contains(save_all, f"({len(SSR_IDS) - 1})"), what="Save all")
        await save_all.click()
        await eventually(
            lambda: _pending_with_error(browser, len(SSR_IDS) - 1), what="queued saves"
        )
    finally:
        await browser.context.close()

    # The browser comes back with the API: the queue drains when the worker starts.
    await api.start()
    browser = await launch(playwright_instance, profile, extension_dir)
    try:
        await eventually(
            lambda: _async(len(api.received) >= len(SSR_IDS)), timeout=60, what="the queue to drain"
        )
        await eventually(lambda: _pending_is(browser, 0), what="an empty queue")
        counts = Counter(api.received_ids())
        assert sorted(counts) == sorted(SSR_IDS)
        assert max(counts.values()) == 1, "a save arrived twice"
    finally:
        await browser.context.close()


async def test_page_changed_pauses_saving_visibly(
    playwright_instance: Any, extension_dir: Path, api: ApiStandIn, tmp_path: Path
) -> None:
    """Cards without any capturable data show the banner instead of failing silently."""
    browser = await launch(
        playwright_instance, tmp_path / "profile", extension_dir, meta_changed=True
    )
    try:
        await browser.configure(api.url)
        page = await browser.open_library()
        banner = page.locator('[data-magic-mango="toolbar"] [data-role="banner"]')
        await banner.wait_for(state="visible", timeout=15_000)
        assert "this page changed; saving is paused" in (await banner.text_content() or "")
        assert await host(page, SSR_IDS[0]).get_attribute("data-state") == "paused"
        assert api.received == []
    finally:
        await browser.context.close()


async def _async(value: Any) -> Any:
    return value


async def _count(locator: Any, expected: int) -> bool:
    return bool(await locator.count() == expected)


async def _text_contains(locator: Any, text: str) -> bool:
    return text in (await locator.text_content() or "")


async def _input_is(locator: Any, value: str) -> bool:
    return bool(await locator.input_value() == value)


async def _settings_board(browser: Browser, board_id: str) -> bool:
    settings = await browser.storage("settings")
    return bool(settings and settings.get("boardId") == board_id)


async def _pending_with_error(browser: Browser, pending: int) -> bool:
    queue = await browser.storage("queue") or []
    counters = await browser.storage("counters") or {}
    return len(queue) == pending and bool(counters.get("lastError"))


async def _pending_is(browser: Browser, pending: int) -> bool:
    return len(await browser.storage("queue") or []) == pending


async def test_options_page_saves_settings_and_tests_the_connection(
    playwright_instance: Any, extension_dir: Path, api: ApiStandIn, tmp_path: Path
) -> None:
    """The options page stores URL and token, and "Test connection" calls /v1/whoami."""
    browser = await launch(playwright_instance, tmp_path / "profile", extension_dir)
    try:
        page = await browser.context.new_page()
        await page.goto(f"chrome-extension://{browser.extension_id}/options.html")
        api_url = page.locator("#apiUrl")
        # The default, filled in from storage once the page has loaded.
        await eventually(lambda: _input_is(api_url, "http://127.0.0.1:8081"), what="the default")
        await api_url.fill(api.url)
        await page.locator("#token").fill("wrong")
        await page.locator("#test").click()
        await page.locator("#result", has_text="HTTP 401").wait_for()
        await page.locator("#token").fill(TOKEN)
        await page.locator("#test").click()
        await page.locator("#result", has_text="Connected as dev@example.com").wait_for()
        await page.locator("#save").click()
        await page.locator("#result", has_text="Saved.").wait_for()
        settings = await browser.storage("settings")
        assert settings == {"apiUrl": api.url, "token": TOKEN, "boardId": None}
    finally:
        await browser.context.close()
