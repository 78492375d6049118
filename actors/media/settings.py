"""``MANGO_MEDIA_*`` settings and the factory of the configured object store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from actors.media.local_store import LocalObjectStore
from actors.media.s3_store import S3ObjectStore
from actors.media.store import ObjectStore
from mango import SettingsError

__all__ = ["MediaSettings", "open_object_store"]

MiB = 1 << 20


class MediaSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where archived media goes and how it is downloaded; read with ``load_settings``.

    S3 credentials come from the usual AWS chain (``AWS_ACCESS_KEY_ID``..., an instance
    role), never from these settings.
    """

    media_store: Literal["local", "s3"] = "local"
    """Object store for media files: a local directory or an S3 bucket."""
    media_dir: str = ".mango/media"
    """Directory of the local store (created if missing)."""
    media_s3_bucket: str | None = None
    """S3 bucket of the s3 store (required when MANGO_MEDIA_STORE=s3)."""
    media_s3_endpoint_url: str | None = None
    """S3 endpoint, for S3-compatible servers (moto, MinIO); empty means AWS."""
    media_s3_region: str = "us-east-1"
    """S3 region."""
    media_max_image_bytes: Annotated[int, Meta(ge=1)] = 20 * MiB
    """Largest image downloaded, in bytes."""
    media_max_video_bytes: Annotated[int, Meta(ge=1)] = 500 * MiB
    """Largest video downloaded, in bytes."""
    media_connect_timeout: Annotated[float, Meta(gt=0)] = 10.0
    """Seconds to connect to the CDN."""
    media_read_timeout: Annotated[float, Meta(gt=0)] = 30.0
    """Seconds to wait for each read from the CDN."""
    media_total_timeout: Annotated[float, Meta(gt=0)] = 900.0
    """Seconds one download attempt may take in all."""
    media_max_attempts: Annotated[int, Meta(ge=1, le=10)] = 4
    """Attempts per URL on 5xx, timeouts and connection errors."""
    media_allow_loopback: bool = False
    """Allow media URLs on loopback addresses: for tests only, never in production."""


@contextlib.asynccontextmanager
async def open_object_store(settings: MediaSettings) -> AsyncIterator[ObjectStore]:
    """Open the object store the settings choose, and close it on exit.

    Raises:
        SettingsError: ``MANGO_MEDIA_STORE=s3`` without ``MANGO_MEDIA_S3_BUCKET``.
    """
    if settings.media_store == "local":
        yield LocalObjectStore(Path(settings.media_dir))
        return
    if not settings.media_s3_bucket:
        raise SettingsError(["MANGO_MEDIA_S3_BUCKET: missing (required when MANGO_MEDIA_STORE=s3)"])
    async with S3ObjectStore(
        settings.media_s3_bucket,
        endpoint_url=settings.media_s3_endpoint_url,
        region=settings.media_s3_region,
    ) as store:
        yield store
