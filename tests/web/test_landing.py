"""The landing page (``web/landing``): build, checks on the built HTML, Lighthouse, a look.

- ``npm ci`` (when ``node_modules`` is missing), ``npm run build`` (static export to
  ``out/``) and ``npm test`` (node:test checks on the exported HTML: headings, links, the
  call to action, no script, no third-party fonts or scripts).
- ``npm run lighthouse`` in Debian's Chromium, desktop and mobile presets (simulated
  throttling): every category scores at least 0.9. Scores only, never timings.
- Playwright and Debian's Chromium on the served export: no request leaves loopback, no
  console error, nothing wider than a phone's screen, the sign-up button above the fold;
  full-page screenshots go to ``test-artifacts/landing/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Request, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
LANDING = ROOT / "web" / "landing"
ARTIFACTS = ROOT / "test-artifacts" / "landing"
CHROMIUM = Path("/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
ENV = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "PUPPETEER_SKIP_DOWNLOAD": "1"}
# The build's defaults, so that the checks expect the links the build wrote.
for _name in ("NEXT_PUBLIC_APP_URL", "NEXT_PUBLIC_SITE_URL", "NEXT_PUBLIC_EXTENSION_ZIP_URL"):
    ENV.pop(_name, None)


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build the landing page (Node 20 and npm)")
    result = subprocess.run(
        [npm, *args], cwd=LANDING, env=ENV, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"npm {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


@pytest.fixture(scope="module")
def landing_out() -> Path:
    """The static export, freshly built (installing the pinned packages when needed)."""
    if not (LANDING / "node_modules" / ".package-lock.json").exists():
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
    _npm("run", "--silent", "build")
    out = LANDING / "out"
    assert (out / "index.html").is_file(), "the build wrote no out/index.html"
    return out


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: run `make chromium` (scripts/install-chromium.sh)"
        )
    return CHROMIUM


@pytest.fixture
def landing_url(landing_out: Path) -> Iterator[str]:
    """The export served by ``scripts/serve.mjs`` on a free loopback port."""
    node = shutil.which("node")
    assert node is not None
    process = subprocess.Popen(
        [node, "scripts/serve.mjs", "--dir", str(landing_out)],
        cwd=LANDING,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"serve.mjs printed {url!r}"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_npm_test_checks_the_built_html(landing_out: Path) -> None:
    """`npm test`: the node:test checks on the exported HTML pass."""
    result = _npm("test")
    assert "# fail 0" in result.stdout, result.stdout[-4000:]


@pytest.mark.parametrize("preset", ["desktop", "mobile"])
def test_lighthouse_scores_at_least_90(landing_out: Path, chromium: Path, preset: str) -> None:
    """Every Lighthouse category scores at least 0.9 in Debian's Chromium."""
    result = _npm("run", "--silent", "lighthouse", "--", "--preset", preset)
    summary: dict[str, Any] = json.loads(result.stdout)
    scores = summary["scores"]
    assert set(scores) == set(CATEGORIES)
    low = {category: score for category, score in scores.items() if score < 0.9}
    assert not low, f"{preset}: {low}; audits below 0.9: {summary['all_runs'][0]['below_0_9']}"


def _look_at(browser: Browser, url: str, name: str, viewport: ViewportSize) -> None:
    """Load the page at one viewport size, check it, and photograph it."""
    page = browser.new_page(viewport=viewport)
    requests: list[str] = []
    errors: list[str] = []

    def on_request(request: Request) -> None:
        requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_page_error(error: PlaywrightError) -> None:
        errors.append(str(error))

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.status == 200

    hosts = {urlsplit(seen).hostname for seen in requests if not seen.startswith("data:")}
    assert hosts == {"127.0.0.1"}, f"requests left loopback: {requests}"
    assert errors == []
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name}: the page is wider than the viewport"
    cta = page.locator(".hero [data-cta=signup]")
    assert cta.is_visible()
    assert cta.get_attribute("href") == "/app/#/signup"
    box = cta.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= viewport["height"], f"{name}: sign-up below the fold"
    # The FAQ opens without JavaScript (native <details>).
    question = page.locator("#faq details").first
    question.locator("summary").click()
    assert question.get_attribute("open") is not None
    question.locator("summary").click()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.close()


def test_page_in_a_browser(landing_url: str, chromium: Path) -> None:
    """Loopback only, no console errors, fits a phone, CTA above the fold; screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            _look_at(browser, landing_url, "desktop", {"width": 1280, "height": 800})
            _look_at(browser, landing_url, "mobile", {"width": 390, "height": 844})
        finally:
            browser.close()
