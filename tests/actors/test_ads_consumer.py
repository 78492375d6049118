"""The Ads Consumer end to end in-process (memory queue, real PostgreSQL, local CDN):
creatives, saves and media stored once, whatever the redeliveries and duplicates."""

from __future__ import annotations

import collections
import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from actors.accounts import create_user
from actors.ads.messages import ADS_QUEUE, Card, Creative, CreativesCollected, MediaRef, Page
from actors.ads.rows import clean_text
from actors.ads.service import service
from mango.config import RuntimeSettings
from mango.testing import ServiceHarness, run_service

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(40_000)
VIDEO = b"\x00\x00\x00\x18ftypmp42" + os.urandom(2 * (1 << 20))
SD_VIDEO = b"\x00\x00\x00\x18ftypisom" + os.urandom(300_000)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cdn:
    """A media CDN stand-in; ``hits`` counts the requests per path."""

    def __init__(self) -> None:
        self.hits: collections.Counter[str] = collections.Counter()
        self.base_url = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        if path.startswith("/status/"):
            return web.Response(status=int(path.rsplit("/", 1)[1]), text="URL signature expired")
        if path.startswith("/flaky/") and self.hits[path] <= 1:
            return web.Response(status=503, text="try again")
        if path.endswith(".mp4"):
            body = SD_VIDEO if "sd" in path else VIDEO
            return web.Response(body=body, headers={"Content-Type": "video/mp4"})
        return web.Response(body=JPEG, headers={"Content-Type": "image/jpeg"})


@asynccontextmanager
async def run_cdn() -> AsyncIterator[Cdn]:
    cdn = Cdn()
    app = web.Application()
    app.router.add_get("/{tail:.*}", cdn.handle)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    cdn.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield cdn
    finally:
        await runner.cleanup()


@pytest.fixture
async def cdn() -> AsyncIterator[Cdn]:
    async with run_cdn() as server:
        yield server


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def consumer_env(database_url: str, media_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumer's settings: the test database, a local media folder, loopback allowed."""
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_DATABASE_CONNECT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("MANGO_MEDIA_DIR", str(media_dir))
    monkeypatch.setenv("MANGO_MEDIA_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("MANGO_MEDIA_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("MANGO_MEDIA_READ_TIMEOUT", "2")


@pytest.fixture
async def harness(consumer_env: None) -> AsyncIterator[ServiceHarness]:
    async with run_service(service) as running:
        yield running


@pytest.fixture
async def user_id(pool: Any) -> str:
    return await create_user(pool, "ana@example.com")


def creative(library_id: str = "900000000000001", **fields: Any) -> Creative:
    values: dict[str, Any] = {
        "collation_id": "500000000000001",
        "is_active": True,
        "page": Page(id="111", name="Acme Shop"),
        "display_format": "IMAGE",
        "platforms": ["FACEBOOK"],
        "start_date": 1_771_056_000,
        "body": "Body text",
        "title": "Headline",
        "board_id": "board-1",
    }
    values.update(fields)
    return Creative(library_id=library_id, **values)


def collected(
    user_id: str, *creatives: Creative, at: float = 1_780_000_000.0
) -> CreativesCollected:
    return CreativesCollected(user_id=user_id, creatives=list(creatives), received_at=at)


async def count(pool: Any, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


async def test_creatives_saves_and_media_are_stored(
    harness: ServiceHarness, pool: Any, cdn: Cdn, media_dir: Path, user_id: str
) -> None:
    """One message: every creative, the user's saves and every media file are stored."""
    video_ad = creative(
        "900000000000002",
        display_format="CAROUSEL",
        cards=[Card(title="card 0", image_url=cdn.url("/card0.jpg"))],
        media=[
            MediaRef(
                kind="video",
                url=cdn.url("/hd.mp4"),
                fallback_url=cdn.url("/sd.mp4"),
                poster_url=cdn.url("/poster.jpg"),
            ),
            MediaRef(kind="image", url=cdn.url("/card0.jpg"), card_index=0),
        ],
    )
    image_ad = creative(media=[MediaRef(kind="image", url=cdn.url("/img.jpg"))])
    await harness.publish(ADS_QUEUE, collected(user_id, image_ad, video_ad))
    await harness.wait_idle()

    rows = await pool.fetch("SELECT * FROM creatives ORDER BY library_id")
    assert [row["library_id"] for row in rows] == ["900000000000001", "900000000000002"]
    assert rows[0]["page_name"] == "Acme Shop"
    assert rows[0]["platforms"] == ["FACEBOOK"]
    assert rows[0]["start_date"].timestamp() == 1_771_056_000
    cards = json.loads(rows[1]["cards"])
    assert [(c["title"], c["image_url"]) for c in cards] == [("card 0", cdn.url("/card0.jpg"))]
    saves = await pool.fetch("SELECT * FROM creative_saves")
    assert {(str(s["user_id"]), s["board_id"]) for s in saves} == {(user_id, "board-1")}
    assert len(saves) == 2

    media = await pool.fetch("SELECT * FROM creative_media ORDER BY source_url")
    assert {m["status"] for m in media} == {"stored"}
    by_url = {m["source_url"].rsplit("/", 1)[1]: m for m in media}
    assert set(by_url) == {"card0.jpg", "hd.mp4", "img.jpg"}  # the poster is no second asset
    assert by_url["hd.mp4"]["content_hash"] == sha256(VIDEO)
    assert by_url["hd.mp4"]["size_bytes"] == len(VIDEO)
    assert by_url["img.jpg"]["content_hash"] == sha256(JPEG)
    assert (media_dir / by_url["hd.mp4"]["object_key"]).read_bytes() == VIDEO
    # Same bytes from two URLs: one object, both rows pointing at it.
    assert by_url["card0.jpg"]["object_key"] == by_url["img.jpg"]["object_key"]
    assert await count(pool, "media_objects") == 2
    assert cdn.hits["/poster.jpg"] == 0
    assert await count(pool, "processed_messages") == 1


async def test_video_falls_back_to_sd(
    harness: ServiceHarness, pool: Any, cdn: Cdn, user_id: str
) -> None:
    """An HD URL that is gone: the SD file is archived in its place."""
    ad = creative(
        media=[MediaRef(kind="video", url=cdn.url("/status/404"), fallback_url=cdn.url("/sd.mp4"))]
    )
    await harness.publish(ADS_QUEUE, collected(user_id, ad))
    await harness.wait_idle()
    row = await pool.fetchrow("SELECT status, content_hash FROM creative_media")
    assert (row["status"], row["content_hash"]) == ("stored", sha256(SD_VIDEO))


async def test_redelivered_message_is_stored_once(
    harness: ServiceHarness, pool: Any, cdn: Cdn, user_id: str
) -> None:
    """The same message three times: one write, one processed-message record.

    Two copies handled at the same moment may both download a pending file (the bytes are
    stored once, by hash); a copy that comes after the first finished downloads nothing.
    """
    message = collected(user_id, creative(media=[MediaRef(kind="image", url=cdn.url("/a.jpg"))]))
    await harness.publish(ADS_QUEUE, message, message)
    await harness.wait_idle()
    downloads = cdn.hits["/a.jpg"]
    assert downloads in (1, 2)
    await harness.publish(ADS_QUEUE, message)
    await harness.wait_idle()
    assert await count(pool, "creatives") == 1
    assert await count(pool, "creative_saves") == 1
    assert await count(pool, "creative_media") == 1
    assert await count(pool, "processed_messages") == 1
    assert cdn.hits["/a.jpg"] == downloads
    assert await count(pool, "media_objects") == 1


async def test_same_creative_in_two_messages_and_twice_in_one(
    harness: ServiceHarness, pool: Any, user_id: str
) -> None:
    """First sighting's texts kept; status, end date and last-seen follow the newest one."""
    bob = await create_user(pool, "bob@example.com")
    first = creative(title="First title", is_active=True)
    later = creative(title="Changed title", is_active=False, end_date=1_790_000_000)
    other = creative("900000000000009")
    await harness.publish(ADS_QUEUE, collected(user_id, first, at=1_780_000_000))
    await harness.wait_idle()
    await harness.publish(
        ADS_QUEUE,
        collected(user_id, later, other, later, at=1_780_000_600),
        collected(bob, first, at=1_780_000_300),
    )
    await harness.wait_idle()
    assert await count(pool, "creatives") == 2
    row = await pool.fetchrow("SELECT * FROM creatives WHERE library_id = '900000000000001'")
    assert row["title"] == "First title"
    assert row["is_active"] is False
    assert row["end_date"].timestamp() == 1_790_000_000
    assert row["first_seen_at"].timestamp() == 1_780_000_000
    assert row["last_seen_at"].timestamp() == 1_780_000_600
    assert await count(pool, "creative_saves") == 3


async def test_expired_media_is_marked_and_not_retried(
    harness: ServiceHarness, pool: Any, cdn: Cdn, user_id: str
) -> None:
    """403/404/410: the file is marked expired, the message completes, no retry."""
    refs = [MediaRef(kind="image", url=cdn.url(f"/status/{code}")) for code in (403, 404, 410)]
    await harness.publish(ADS_QUEUE, collected(user_id, creative(media=refs)))
    await harness.wait_idle()
    statuses = await pool.fetch("SELECT status, attempts FROM creative_media")
    assert [(r["status"], r["attempts"]) for r in statuses] == [("expired", 1)] * 3
    assert sum(cdn.hits.values()) == 3
    stats = await harness.stats(ADS_QUEUE)
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 0)


async def test_retryable_media_failure_redelivers_the_message(
    harness: ServiceHarness, pool: Any, cdn: Cdn, user_id: str
) -> None:
    """A 503 makes the message come back; the write is not repeated, the file is stored."""
    ad = creative(
        media=[
            MediaRef(kind="image", url=cdn.url("/flaky/x.jpg")),
            MediaRef(kind="image", url=cdn.url("/b.jpg")),
        ]
    )
    await harness.publish(ADS_QUEUE, collected(user_id, ad))
    await harness.wait_idle()
    rows = await pool.fetch("SELECT source_url, status, attempts FROM creative_media")
    assert {(r["source_url"].rsplit("/", 1)[1], r["status"], r["attempts"]) for r in rows} == {
        ("x.jpg", "stored", 2),
        ("b.jpg", "stored", 1),
    }
    assert cdn.hits["/b.jpg"] == 1
    assert await count(pool, "processed_messages") == 1


async def test_ssrf_media_url_is_refused(harness: ServiceHarness, pool: Any, user_id: str) -> None:
    """A media URL at the cloud metadata address is refused for good, not fetched."""
    ad = creative(media=[MediaRef(kind="image", url="http://169.254.169.254/latest/meta-data")])
    await harness.publish(ADS_QUEUE, collected(user_id, ad))
    await harness.wait_idle()
    assert await pool.fetchval("SELECT status FROM creative_media") == "refused"


async def test_hostile_text_is_stored_sanitised_and_searchable(
    harness: ServiceHarness, pool: Any, user_id: str
) -> None:
    """Unicode is kept; NUL characters (which PostgreSQL refuses) are stripped, not fatal."""
    ad = creative(
        title="Ünïcödé 🚀 عربى 中文",
        body="null\x00byte " + "x" * 19_000,
        page=Page(name="Nul\x00Page"),
        cards=[Card(body="card\x00body")],
    )
    await harness.publish(ADS_QUEUE, collected(user_id, ad))
    await harness.wait_idle()
    row = await pool.fetchrow("SELECT title, body, page_name, cards FROM creatives")
    assert row["title"] == "Ünïcödé 🚀 عربى 中文"
    assert row["body"].startswith("nullbyte ")
    assert row["page_name"] == "NulPage"
    assert "cardbody" in row["cards"]
    found = await pool.fetchval(
        "SELECT count(*) FROM creatives WHERE search @@ plainto_tsquery('simple', '中文')"
    )
    assert found == 1
    assert (await harness.stats(ADS_QUEUE)).dead_letters == 0


def test_clean_text_replaces_lone_surrogates() -> None:
    """Text that UTF-8 cannot encode is repaired rather than failing the message."""
    assert clean_text("a\ud800b\x00c") == "a?bc"
    assert clean_text("plain ✓") == "plain ✓"


async def test_unknown_or_malformed_user_is_dead_lettered(
    harness: ServiceHarness, pool: Any
) -> None:
    """A message that can never be stored goes to the dead-letter queue, not round and round."""
    await harness.publish(
        ADS_QUEUE,
        collected("00000000-0000-0000-0000-000000000000", creative()),
        collected("not-a-uuid", creative()),
    )
    await harness.wait_idle()
    assert (await harness.stats(ADS_QUEUE)).dead_letters == 2
    assert await count(pool, "creatives") == 0
    assert await count(pool, "processed_messages") == 0


async def test_readiness_checks_the_database(harness: ServiceHarness) -> None:
    """The service registers a database readiness check that passes."""
    results = {r.name: r.ok for r in await harness.context.readiness.run_checks()}
    assert results["database"] is True


def test_runtime_settings_in_use() -> None:
    """The harness runs with zero backoff, which the retry test relies on."""
    assert RuntimeSettings(retry_backoff_min=0.0).retry_backoff_min == 0.0
