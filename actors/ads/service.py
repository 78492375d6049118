"""The Ads Consumer service: ``mango run ads-consumer``.

Consumes ``CreativesCollected`` from the ``mango-ads`` queue and hands each message to a
pool of :class:`~actors.ads.consumer.CreativeStore` actors. Shared resources (one per
process, also under ``mango dev``): the database pool (``"db"``), the object store
(``"media.store"``) and the media fetcher (``"media.fetcher"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from actors.ads.consumer import CreativeStore
from actors.ads.messages import ADS_QUEUE, ads_codec
from actors.db import DatabaseSettings, check_ready, database_pool
from actors.media import MediaFetcher, MediaSettings, ObjectStore, open_object_store
from mango import Resource
from mango.service import Service, ServiceContext
from mango.settings import load_settings

__all__ = ["AdsConsumerSettings", "service"]


class AdsConsumerSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the Ads Consumer (``MANGO_ADS_*``)."""

    ads_media_concurrency: Annotated[int, Meta(ge=1, le=64)] = 4
    """Media files one message downloads at once."""
    ads_media_max_attempts: Annotated[int, Meta(ge=1, le=100)] = 5
    """Deliveries of a message that may find a media file failing (5xx, timeouts) before
    the file is marked failed (each delivery's download already retries a few times)."""


@dataclass(frozen=True)
class _Resources:
    db: Resource[Any]
    fetcher: Resource[MediaFetcher]
    settings: AdsConsumerSettings


def _resources(context: ServiceContext) -> _Resources:
    """Register (or, once registered, find) the process's shared resources."""
    database = load_settings(DatabaseSettings)
    media = load_settings(MediaSettings)
    store: Resource[ObjectStore] = context.shared("media.store", lambda: open_object_store(media))
    return _Resources(
        db=context.shared("db", lambda: database_pool(database, application_name="mango")),
        fetcher=context.shared(
            "media.fetcher", lambda: MediaFetcher.from_settings(store.value, media)
        ),
        settings=context.singleton(
            "ads-consumer.settings", lambda: load_settings(AdsConsumerSettings)
        ),
    )


def _configure(context: ServiceContext) -> None:
    _resources(context)


async def _start(context: ServiceContext) -> None:
    resources = _resources(context)
    pool, fetcher, settings = resources.db.value, resources.fetcher.value, resources.settings
    context.readiness.add_check("database", lambda: check_ready(pool))
    store = await context.runtime.spawn(
        lambda: CreativeStore(
            pool=pool,
            fetcher=fetcher,
            media_concurrency=settings.ads_media_concurrency,
            media_max_attempts=settings.ads_media_max_attempts,
        ),
        name="creative-store",
        instances=context.settings.consumer_concurrency,
    )
    await context.consume(ADS_QUEUE, codec=ads_codec, target=store)


service = Service(
    name="ads-consumer",
    summary="Stores the creatives users save, with their media, once and only once.",
    queues=(ADS_QUEUE,),
    configure=_configure,
    start=_start,
)
