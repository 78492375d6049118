"""The media archive: download ad media from the CDN and keep it in an object store.

Signed CDN URLs expire within a day or two, so the Ads Consumer archives every image and
video soon after a save::

    settings = load_settings(MediaSettings)
    async with open_object_store(settings) as store, MediaFetcher.from_settings(
        store, settings
    ) as fetcher:
        try:
            media = await fetcher.fetch(hd_url, fallback_url=sd_url, kind="video")
        except MediaExpired:     # 403/404/410: the URL is dead; mark the media expired
            ...
        except MediaRefused:     # SSRF target, wrong type, too large: permanent
            ...
        except MediaRetryable:   # 5xx/timeouts after retries: try again later
            ...

``media.object_key`` names the bytes by their SHA-256, so the same file saved from many
creatives is stored once (``media.deduplicated`` tells whether it already was).
"""

from actors.media.errors import (
    MediaError,
    MediaExpired,
    MediaRefused,
    MediaRetryable,
    ObjectNotFoundError,
)
from actors.media.fetcher import FetchedMedia, MediaFetcher, MediaKind
from actors.media.keys import object_key
from actors.media.local_store import LocalObjectStore
from actors.media.s3_store import S3ObjectStore
from actors.media.settings import MediaSettings, open_object_store
from actors.media.store import ObjectStore

__all__ = [
    "FetchedMedia",
    "LocalObjectStore",
    "MediaError",
    "MediaExpired",
    "MediaFetcher",
    "MediaKind",
    "MediaRefused",
    "MediaRetryable",
    "MediaSettings",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3ObjectStore",
    "object_key",
    "open_object_store",
]
