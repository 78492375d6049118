"""MediaSettings from MANGO_MEDIA_* variables, and the store and fetcher they configure."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from actors.media import (
    LocalObjectStore,
    MediaFetcher,
    MediaSettings,
    S3ObjectStore,
    open_object_store,
)
from mango import SettingsError
from mango.settings import load_settings
from tests.actors.media.cdn import VIDEO, Cdn, sha256
from tests.servers.sqs import DUMMY_CREDENTIALS, REGION, SqsServer


def test_defaults_are_safe_for_production() -> None:
    """Without variables: a local store under .mango/media and no loopback access."""
    settings = load_settings(MediaSettings, environ={})

    assert settings.media_store == "local"
    assert settings.media_dir == ".mango/media"
    assert settings.media_allow_loopback is False
    assert settings.media_max_image_bytes == 20 * 2**20
    assert settings.media_max_video_bytes == 500 * 2**20


def test_invalid_values_are_reported_together() -> None:
    """A bad store name and a bad cap are both named in one SettingsError."""
    with pytest.raises(SettingsError) as caught:
        load_settings(
            MediaSettings,
            environ={"MANGO_MEDIA_STORE": "ftp", "MANGO_MEDIA_MAX_IMAGE_BYTES": "0"},
        )

    assert len(caught.value.problems) == 2


async def test_local_store_from_settings(tmp_path: Path) -> None:
    """MANGO_MEDIA_STORE=local opens a directory store at MANGO_MEDIA_DIR."""
    settings = load_settings(MediaSettings, environ={"MANGO_MEDIA_DIR": str(tmp_path)})

    async with open_object_store(settings) as store:
        assert isinstance(store, LocalObjectStore)
        assert store.root == tmp_path


async def test_s3_store_without_bucket_is_a_settings_error() -> None:
    """MANGO_MEDIA_STORE=s3 needs MANGO_MEDIA_S3_BUCKET."""
    settings = load_settings(MediaSettings, environ={"MANGO_MEDIA_STORE": "s3"})

    with pytest.raises(SettingsError, match="MANGO_MEDIA_S3_BUCKET"):
        async with open_object_store(settings):
            pass


async def test_fetch_into_s3_from_settings(
    cdn: Cdn, moto_server: SqsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings for S3 and loopback: a video lands in moto's S3 once, then deduplicates."""
    for name, value in DUMMY_CREDENTIALS.items():
        monkeypatch.setenv(name.upper(), value)  # the AWS chain, as in production
    settings = load_settings(
        MediaSettings,
        environ={
            "MANGO_MEDIA_STORE": "s3",
            "MANGO_MEDIA_S3_BUCKET": f"media-{uuid.uuid4().hex[:12]}",
            "MANGO_MEDIA_S3_ENDPOINT_URL": moto_server.endpoint_url,
            "MANGO_MEDIA_S3_REGION": REGION,
            "MANGO_MEDIA_ALLOW_LOOPBACK": "true",
        },
    )

    async with open_object_store(settings) as store:
        assert isinstance(store, S3ObjectStore)
        await store.create_bucket()
        async with MediaFetcher.from_settings(store, settings) as fetcher:
            first = await fetcher.fetch(cdn.url("/video.mp4"), kind="video")
            second = await fetcher.fetch(cdn.url("/video.mp4"), kind="video")

        assert first.content_hash == sha256(VIDEO)
        assert not first.deduplicated
        assert second.deduplicated
        assert await store.get(first.object_key) == VIDEO
