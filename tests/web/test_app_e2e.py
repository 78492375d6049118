"""The web app end to end: Debian's Chromium against the real Backend and Ads APIs.

``mango dev`` runs every service in one process (memory queues, a fresh PostgreSQL
database); its front door serves the built app under ``/app/`` and forwards ``/api/`` to
the Backend API and ``/ads/`` to the Ads API on the same origin; a local CDN stands in for
Meta's so that media are really archived. The journey: sign up, create a token, save the
extension's example payload through the Ads API with it, find the creatives in the
library, search and filter, play a video, edit tags and a note, make boards, request each
kind of content and read the result, log out and in, revoke the token. Every main page is checked with axe-core (no
serious or critical violations) and photographed into ``test-artifacts/web-app/``.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import re
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.web.conftest import ROOT, MangoSystem, axe_violations, media_cdn, png

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PAYLOAD = ROOT / "extension" / "test" / "data" / "payload-example.json"
PASSWORD = "correct horse battery staple"

RECORD_WEBM = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 568;
  const ctx = canvas.getContext('2d');
  const stream = canvas.captureStream(25);
  const recorder = new MediaRecorder(stream, {mimeType: 'video/webm;codecs=vp8'});
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  let frame = 0;
  const timer = setInterval(() => {
    frame += 1;
    const g = ctx.createLinearGradient(0, 0, 0, 568);
    g.addColorStop(0, '#f59e0b'); g.addColorStop(1, `hsl(${frame * 6}, 70%, 45%)`);
    ctx.fillStyle = g; ctx.fillRect(0, 0, 320, 568);
    ctx.fillStyle = '#fff'; ctx.font = 'bold 36px sans-serif';
    ctx.fillText('Recipe ' + frame, 40, 300);
  }, 40);
  recorder.start(200);
  await new Promise((r) => setTimeout(r, 1500));
  recorder.stop();
  await new Promise((r) => (recorder.onstop = r));
  clearInterval(timer);
  const buffer = await new Blob(chunks, {type: 'video/webm'}).arrayBuffer();
  let binary = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}"""


def local_payload(cdn_url: str) -> dict[str, Any]:
    """The extension's example payload with its media on the local CDN."""
    payload: dict[str, Any] = copy.deepcopy(json.loads(PAYLOAD.read_text()))
    images = iter(["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"])
    for creative in payload["creatives"]:
        creative["board_id"] = None
        for media in creative["media"]:
            if media["kind"] == "image":
                media["url"] = f"{cdn_url}/{next(images)}"
                media["fallback_url"] = None
            else:
                media["url"] = f"{cdn_url}/clip.webm"
                media["fallback_url"] = None
                media["poster_url"] = f"{cdn_url}/{next(images)}"
    return payload


async def save_creatives(api_url: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST the payload to the Ads API at ``api_url`` as the extension does."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api_url}/v1/creatives",
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        body = await response.json(content_type=None)
        assert response.status == 202, body
        return dict(body)


class Journey:
    """The page, with the checks every step repeats."""

    def __init__(self, page: Any, site: str, artifacts: Path, system: MangoSystem) -> None:
        self.page = page
        self.site = site
        self.artifacts = artifacts
        self.system = system
        self.console_errors: list[str] = []
        page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    async def goto(self, hash_path: str) -> None:
        """Open a page of the app (reloading it when it is the one shown)."""
        url = f"{self.site}/app/#{hash_path}"
        if self.page.url == url:
            await self.page.reload()
        else:
            await self.page.goto(url)

    async def shot(self, name: str, *, full_page: bool = True) -> None:
        await self.page.wait_for_timeout(150)  # let toasts and images settle
        await self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=full_page)

    async def accessible(self, what: str) -> None:
        violations = await axe_violations(self.page)
        assert violations == [], f"{what}: {json.dumps(violations, indent=1)}"

    async def library_count(self) -> int:
        return int(await self.page.locator(".grid .creative-card").count())


async def wait_for(predicate: Any, timeout: float, what: str, every: float = 0.5) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def test_journey(
    mango_system: MangoSystem, app_site: str, app_browser: Any, artifacts: Path
) -> None:
    """A new user signs up, connects the extension, and works with what it saved."""
    context = await app_browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_site)
    page = await context.new_page()
    j = Journey(page, app_site, artifacts, mango_system)
    try:
        await run_journey(j, context)
    except BaseException:
        await page.screenshot(path=str(artifacts / "failure.png"), full_page=True)
        print("mango dev log:\n" + mango_system.log_tail(80))
        raise
    finally:
        await context.close()


async def run_journey(j: Journey, context: Any) -> None:
    page = j.page
    expect_text = page.get_by_text

    # Signed out: the app opens on the log-in page.
    await page.goto(f"{j.site}/app/")
    await page.wait_for_url(re.compile(r"#/login$"))
    await page.get_by_role("heading", name="Log in to Magic Mango").wait_for()
    await j.accessible("log-in page")
    await j.shot("01-login")

    # Sign up; bad input is explained before anything is sent.
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Email").fill("not-an-email")
    await page.get_by_label("Password").fill("short")
    await page.get_by_role("button", name="Create account").click()
    await expect_text("Enter a valid email address").first.wait_for()
    await expect_text("Use at least 10 characters.").wait_for()
    await j.accessible("sign-up page with errors")
    await j.shot("02-signup-errors")
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url(re.compile(r"#/library"))
    await page.get_by_role("heading", name="Your library is empty").wait_for()
    assert await page.locator(".account .email").inner_text() == email
    await j.accessible("empty library")
    await j.shot("03-library-empty")

    # A token for the extension, shown once with the setup steps.
    await page.get_by_role("link", name="API tokens").first.click()
    await page.get_by_role("heading", name="API tokens").wait_for()
    await expect_text("No tokens yet").wait_for()
    await page.get_by_label("Token name").fill("Work laptop")
    await page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Your new API token")
    await secret.wait_for()
    token = await secret.input_value()
    assert token.startswith("mm_")
    await expect_text("Set up the extension").wait_for()
    # The setup steps give the Ads API URL to paste into the extension: this origin's /ads.
    ads_url = await page.locator(".steps code").inner_text()
    assert ads_url == f"{j.site}/ads"
    await page.get_by_role("button", name="Copy token").click()
    assert await page.evaluate("() => navigator.clipboard.readText()") == token
    await page.get_by_role("cell", name="Work laptop", exact=True).wait_for()
    await j.accessible("tokens page")
    await j.shot("04-tokens")

    # Save the extension's example creatives through the Ads API with that token; their
    # media come from the local CDN (a WebM recorded by this very browser).
    webm = base64.b64decode(await page.evaluate(RECORD_WEBM))
    assert webm.startswith(b"\x1a\x45\xdf\xa3"), "Chromium did not record a WebM"
    colours = [
        ((251, 191, 36), (234, 88, 12)),
        ((96, 165, 250), (30, 64, 175)),
        ((74, 222, 128), (21, 128, 61)),
        ((244, 114, 182), (157, 23, 77)),
        ((167, 139, 250), (91, 33, 182)),
        ((253, 224, 71), (202, 138, 4)),
    ]
    files = {
        f"{name}.png": (png(480, 480, top, bottom), "image/png")
        for name, (top, bottom) in zip("abcdef", colours, strict=True)
    }
    files["clip.webm"] = (webm, "video/webm")
    async with media_cdn(files) as cdn:
        payload = local_payload(cdn.base_url)
        accepted = await save_creatives(ads_url, token, payload)
        assert accepted, accepted

        # They show up in the library (the Ads Consumer works asynchronously).
        async def all_saved() -> bool:
            await j.goto("/library")
            await (
                page.locator(".result-summary").filter(has_text=re.compile(r"\d+ ads?")).wait_for()
            )
            return await j.library_count() == len(payload["creatives"])

        await wait_for(all_saved, 60, "the saved creatives in the library", every=1.0)

        # Their media are archived: the thumbnails are served from /api/v1/media/{id}.
        async def thumbnails_loaded() -> bool:
            await j.goto("/library")
            await page.locator(".grid .creative-card").first.wait_for()
            loaded = await page.evaluate(
                """() => [...document.querySelectorAll('.grid .card-media')].filter(m => {
                   const img = m.querySelector('img'), video = m.querySelector('video');
                   const archived = (el) => el.src.includes('/api/v1/media/');
                   if (img) return img.complete && img.naturalWidth > 0 && archived(img);
                   return !!video && video.readyState >= 1 && archived(video);
                 }).length"""
            )
            return int(loaded) >= 3  # the fourth creative has no media at all

        await wait_for(thumbnails_loaded, 60, "archived thumbnails", every=1.5)
        assert cdn.hits.get("clip.webm", 0) >= 1, cdn.hits

    await page.wait_for_timeout(300)
    assert "Showing" not in await page.locator(".result-summary").inner_text()
    quaker = page.locator(".creative-card", has_text="Quaker Brasil")
    await quaker.get_by_text("Video").first.wait_for()
    acme = page.locator(".creative-card", has_text="Headline")
    await acme.get_by_text("2 versions").wait_for()
    await acme.get_by_text("Active").first.wait_for()
    await j.accessible("library")
    await j.shot("05-library")

    # Play the archived video in place.
    await quaker.get_by_role("button", name=re.compile("Play the video")).click()
    video = quaker.locator("video")
    await video.wait_for()
    await page.wait_for_function(
        """() => {
          const v = document.querySelector('.grid video');
          return v && v.readyState >= 1 && v.duration > 0;
        }""",
        timeout=15_000,
    )
    assert "/api/v1/media/" in (await video.get_attribute("src") or "")
    await j.shot("06-library-video", full_page=False)

    # Full-text search, then a filter.
    await page.get_by_role("searchbox", name="Search saved ads").fill("receita")
    await page.get_by_role("button", name="Search").click()
    await page.locator(".result-summary", has_text="match “receita”").wait_for()
    assert await j.library_count() == 1
    assert "Quaker Brasil" in await page.locator(".grid").inner_text()
    assert "q=receita" in page.url
    await j.shot("07-search")
    await page.get_by_role("searchbox", name="Search saved ads").fill("")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_label("Format", exact=True).select_option("DPA")
    await page.locator(".result-summary", has_text=re.compile(r"^1 ad$")).wait_for()
    assert (
        "Video card" not in await page.locator(".grid").inner_text()
    )  # cards are on the page, not the grid
    await page.get_by_label("Format", exact=True).select_option("")
    await page.get_by_label("Advertiser", exact=True).fill("acme")
    await page.get_by_label("Advertiser", exact=True).press("Enter")
    await page.locator(".result-summary", has_text=re.compile(r"^2 ads$")).wait_for()
    await page.get_by_role("button", name="Clear filters").first.click()
    await page.locator(".result-summary", has_text=re.compile(r"^4 ads$")).wait_for()

    # A creative's page: every card, texts with copy buttons, the Ads Library link.
    await page.locator(".creative-card", has_text="Deals on").get_by_role("link").click()
    await page.get_by_role("heading", name="Cards (4)").wait_for()
    for title in ("Video card", "SD only", "Same image again"):
        await expect_text(title, exact=True).first.wait_for()
    library_link = page.get_by_role("link", name=re.compile("Open in the Ads Library"))
    assert (
        await library_link.get_attribute("href")
        == "https://www.facebook.com/ads/library/?id=900000000000003"
    )
    await page.get_by_role("button", name="Copy body").first.click()
    assert (
        await page.evaluate("() => navigator.clipboard.readText()") == "Deals on {{product.brand}}"
    )
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.media-item video')].some(v => v.readyState >= 1)",
        timeout=15_000,
    )
    await page.get_by_label("Tags", exact=True).fill("Hooks, UGC, hooks")
    await page.get_by_role("button", name="Save tags").click()
    await expect_text("Tags saved").wait_for()
    assert await page.get_by_label("Tags", exact=True).input_value() == "hooks, ugc"
    await page.get_by_label("Note", exact=True).fill(
        "Strong catalog template; try with lifestyle shots."
    )
    await page.get_by_role("button", name="Save note").click()
    await expect_text("Note saved").wait_for()
    await page.reload()
    await page.get_by_role("heading", name="Cards (4)").wait_for()
    assert (
        await page.get_by_label("Note", exact=True).input_value()
        == "Strong catalog template; try with lifestyle shots."
    )
    await j.accessible("creative page")
    await j.shot("08-creative")

    # Boards: create two, rename one, delete the other.
    await page.get_by_role("link", name="Boards", exact=True).click()
    await expect_text("No boards yet").wait_for()
    for name in ("Hooks", "Scratch"):
        await page.get_by_label("New board").fill(name)
        await page.get_by_role("button", name="Create board").click()
        await page.get_by_role("link", name=name, exact=True).wait_for()
    await page.get_by_role("button", name="Rename Hooks").click()
    await page.get_by_label("New name for Hooks").fill("Best hooks")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.get_by_role("link", name="Best hooks", exact=True).wait_for()
    await page.get_by_role("button", name="Delete Scratch").click()
    await page.get_by_role("dialog").get_by_role("button", name="Delete board").click()
    await page.get_by_role("link", name="Scratch", exact=True).wait_for(state="detached")
    await j.accessible("boards page")
    await j.shot("09-boards")

    # Select two creatives in the library; add them to the board; see them on it.
    await page.get_by_role("link", name="Library", exact=True).click()
    await page.locator(".result-summary", has_text=re.compile(r"^4 ads$")).wait_for()
    await page.get_by_role(
        "checkbox", name=re.compile("Select the ad by Acme Shop: Headline")
    ).check()
    await page.get_by_role("checkbox", name=re.compile("Select the ad by Quaker Brasil")).check()
    bar = page.get_by_role("region", name="Selected ads")
    await bar.get_by_text("2 ads").wait_for()
    await bar.get_by_label("Board to add the selected ads to").select_option(label="Best hooks")
    await bar.get_by_role("button", name="Add to board").click()
    await expect_text("Added 2 ads to “Best hooks”").wait_for()
    await j.accessible("library with a selection")
    await j.shot("10-library-selection", full_page=False)
    await page.get_by_label("Board", exact=True).select_option(label="Best hooks")
    await page.locator(".result-summary", has_text=re.compile(r"^2 ads$")).wait_for()
    await page.get_by_role("link", name="Boards", exact=True).click()
    await page.get_by_role("link", name="Best hooks", exact=True).click()
    await page.get_by_role("heading", name="Best hooks").wait_for()
    await page.locator(".result-summary", has_text=re.compile(r"^2 ads$")).wait_for()
    await (
        page.locator(".creative-card", has_text="Quaker Brasil")
        .get_by_role("button", name="Remove from board")
        .click()
    )
    await expect_text("Removed from the board").wait_for()
    await page.reload()
    await page.locator(".result-summary", has_text=re.compile(r"^1 ad$")).wait_for()
    await j.shot("11-board")

    # Content: each kind from the two selected creatives, progress without reloading.
    results: dict[str, str] = {}
    for kind, label, check in (
        ("brief", "Creative brief", "Across these ads"),
        ("copy_variants", "Ad-copy variants", "Variant 3"),
        ("script_outline", "Video script outline", "Voiceover"),
    ):
        await j.goto("/library")
        await (
            page.get_by_role("region", name="Selected ads")
            .get_by_role("link", name="Generate content")
            .click()
        )
        await page.get_by_role("heading", name="New content").wait_for()
        await page.locator(".chosen-list li").nth(1).wait_for()
        await page.get_by_role("radio", name=re.compile(label)).check()
        if kind == "copy_variants":
            await page.get_by_label("Variants", exact=True).fill("3")
            await page.get_by_label("Tone", exact=True).select_option("playful")
        if kind == "script_outline":
            await page.get_by_label("Length (seconds)").fill("20")
        if kind == "brief":
            await j.accessible("content form")
            await j.shot("12-content-form")
        await page.get_by_role("button", name="Generate").click()
        await page.wait_for_url(re.compile(r"#/content/[0-9a-f-]{36}$"))
        await page.get_by_role("heading", name=label).wait_for()
        await page.get_by_role("heading", name="Result").wait_for(timeout=60_000)
        await page.locator(".badge.status-done").wait_for()
        result = page.locator(".task-result")
        text = await result.inner_text()
        assert check.lower() in text.lower(), text
        results[kind] = text
        await result.get_by_role("button", name="Copy all result").click()
        copied = await page.evaluate("() => navigator.clipboard.readText()")
        assert check.lower() in copied.lower(), copied
        assert len(copied) > 40, copied
        await j.accessible(f"{kind} result")
        await j.shot(f"13-content-{kind}")
    assert "playful" in results["copy_variants"].lower()
    assert "20" in results["script_outline"]
    await page.get_by_role("link", name="← Content").click()
    for label in ("Creative brief", "Ad-copy variants", "Video script outline"):
        await page.locator(".task-row", has_text=label).first.wait_for()
    await j.shot("14-content-history")

    # Small screens: one column, filters behind a button.
    await page.set_viewport_size({"width": 390, "height": 844})
    await j.goto("/library")
    await page.locator(".result-summary", has_text=re.compile(r"^4 ads$")).wait_for()
    await j.accessible("library on a phone")
    await j.shot("15-library-mobile", full_page=False)
    await page.get_by_role("button", name=re.compile("^Filters")).click()
    await page.get_by_label("Platform").wait_for()
    await j.accessible("library filters on a phone")
    await j.shot("15-library-mobile-filters", full_page=False)
    await page.set_viewport_size({"width": 1360, "height": 900})

    # Log out, log back in; revoke the token.
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url(re.compile(r"#/login$"))
    await j.goto("/tokens")
    await page.wait_for_url(re.compile(r"#/login$"))
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("wrong password!!")
    await page.get_by_role("button", name="Log in").click()
    await expect_text("wrong email or password").wait_for()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r"#/tokens$"))  # back where the user was going
    await page.get_by_role("button", name="Revoke token Work laptop").click()
    await page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    await expect_text("No tokens yet").wait_for()

    # The revoked token no longer saves (the Ads API caches tokens for a few seconds).
    async def refused() -> bool:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{ads_url}/v1/creatives",
                json={"creatives": [payload["creatives"][0]]},
                headers={"Authorization": f"Bearer {token}"},
            ) as response,
        ):
            return response.status == 401

    await wait_for(refused, 20, "the revoked token to be refused")
    # Chromium logs every 4xx; 401s are expected (/v1/me signed out, the wrong password).
    errors = [e for e in j.console_errors if "status of 401" not in e]
    assert errors == [], errors


async def test_infinite_scroll(
    mango_system: MangoSystem, app_site: str, app_browser: Any, artifacts: Path
) -> None:
    """Scrolling the library loads the next pages by cursor until every creative is shown."""
    context = await app_browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await page.goto(f"{app_site}/app/#/signup")
        await page.get_by_label("Email").fill(f"scroll-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create account").click()
        await page.get_by_role("heading", name="Your library is empty").wait_for()
        await page.goto(f"{app_site}/app/#/tokens")
        await page.get_by_label("Token name").fill("scroll")
        await page.get_by_role("button", name="Create token").click()
        token = await page.get_by_label("Your new API token").input_value()

        total = 60
        for start in range(0, total, 20):
            batch = [
                {
                    "library_id": str(700_000_000_000_000 + i),
                    "title": f"Creative number {i}",
                    "body": f"Body {i}",
                    "page": {"id": "222", "name": "Scroll Co"},
                    "display_format": "IMAGE",
                    "platforms": ["FACEBOOK"],
                }
                for i in range(start, start + 20)
            ]
            await save_creatives(f"{app_site}/ads", token, {"creatives": batch})

        async def all_there() -> bool:
            await page.goto(f"{app_site}/app/#/library?sort=saved_desc")
            await page.reload()
            await page.locator(".grid .creative-card").first.wait_for()
            response = await page.evaluate(
                "async () => (await (await fetch('/api/v1/creatives?limit=100'))"
                ".json()).items.length"
            )
            return int(response) == total

        await wait_for(all_there, 60, "all creatives saved", every=1.0)
        await page.locator(".result-summary", has_text="scroll for more").wait_for()
        first = await page.locator(".grid .creative-card").count()
        assert first == 24, first
        for _ in range(10):
            if await page.locator(".grid .creative-card").count() >= total:
                break
            await page.locator(".sentinel").scroll_into_view_if_needed()
            await page.wait_for_timeout(400)
        assert await page.locator(".grid .creative-card").count() == total
        await page.locator(".result-summary", has_text=re.compile(rf"^{total} ads$")).wait_for()
        ids = await page.evaluate(
            "() => [...document.querySelectorAll('.creative-card')].map(c => c.dataset.id)"
        )
        assert len(set(ids)) == total, "a creative was shown twice"
        assert await page.get_by_role("button", name="Load more").is_hidden()
        await page.screenshot(path=str(artifacts / "16-library-scrolled.png"))
    finally:
        await context.close()
