"""Fixtures of the media tests: a local CDN, a local store, a fetcher allowed on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actors.media import LocalObjectStore, MediaFetcher
from tests.actors.media.cdn import Cdn, run_cdn

MiB = 1 << 20


@pytest.fixture
async def cdn() -> AsyncIterator[Cdn]:
    """The CDN stand-in on a free loopback port."""
    async with run_cdn() as server:
        yield server


@pytest.fixture
def local_store(tmp_path: Path) -> LocalObjectStore:
    """A local object store in the test's temporary directory."""
    return LocalObjectStore(tmp_path / "media")


@pytest.fixture
async def fetcher(local_store: LocalObjectStore) -> AsyncIterator[MediaFetcher]:
    """A fetcher allowed on loopback (the CDN stand-in), with tiny backoffs, caps, spool."""
    async with MediaFetcher(
        local_store,
        allow_loopback=True,
        max_image_bytes=1 * MiB,
        max_video_bytes=8 * MiB,
        read_timeout=0.5,
        retry_base_delay=0.001,
        retry_max_delay=0.01,
        max_attempts=3,
        spool_memory_bytes=MiB,  # the 3 MiB video goes through a temporary file
    ) as media_fetcher:
        yield media_fetcher
