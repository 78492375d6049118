"""The ``ads-api`` service: the Ads API gateway, its database pool and queue publisher.

Run it with ``mango run ads-api``. It reads ``MANGO_ADS_API_*`` (see
:class:`~gateways.ads_api.settings.AdsApiSettings`), ``MANGO_DATABASE_*`` and the runtime's
queue settings; the ``mango-ads`` queue must exist (``mango queues create``).
"""

from __future__ import annotations

import uuid

from actors.accounts import authenticate_token
from actors.ads.messages import ADS_QUEUE, ads_codec
from actors.db import DatabaseSettings, Pool, check_ready, database_pool
from actors.library.boards import list_boards
from gateways.ads_api.auth import Principal, TokenAuthenticator
from gateways.ads_api.batcher import IntakeBatcher
from gateways.ads_api.gateway import AdsApi
from gateways.ads_api.intake import BoardSummary
from gateways.ads_api.ratelimit import TokenBucketLimiter
from gateways.ads_api.settings import SETTINGS_PREFIX, AdsApiSettings
from mango import Resource
from mango.service import Service, ServiceContext
from mango.settings import load_settings

__all__ = ["DATABASE_RESOURCE", "SERVICE_NAME", "service"]

SERVICE_NAME = "ads-api"
DATABASE_RESOURCE = "db"
"""The shared resource key of the database pool (shared with other services in a process)."""


def _configure(context: ServiceContext) -> None:
    settings = load_settings(AdsApiSettings, prefix=SETTINGS_PREFIX)
    database = load_settings(DatabaseSettings)
    context.singleton(f"{SERVICE_NAME}.settings", lambda: settings)
    context.shared(
        DATABASE_RESOURCE, lambda: database_pool(database, application_name=SERVICE_NAME)
    )


async def _start(context: ServiceContext) -> None:
    settings: AdsApiSettings = context.singleton(
        f"{SERVICE_NAME}.settings", lambda: load_settings(AdsApiSettings, prefix=SETTINGS_PREFIX)
    )
    pool: Resource[Pool] = context.shared(DATABASE_RESOURCE, _not_configured)

    async def lookup(token: str) -> Principal | None:
        return await authenticate_token(pool.value, token)

    async def boards(user_id: str) -> list[BoardSummary]:
        async with pool.value.acquire() as connection:
            rows = await list_boards(connection, uuid.UUID(user_id))
        return [BoardSummary(id=str(row["id"]), name=row["name"]) for row in rows]

    async def database_ready() -> bool:
        return await check_ready(pool.value)

    context.readiness.add_check("database", database_ready)
    # The intake batcher coalesces already: the publisher need not wait for more messages.
    publisher = await context.publisher(
        ADS_QUEUE, codec=ads_codec, sender=SERVICE_NAME, linger=settings.publisher_linger_seconds
    )
    max_message_bytes = (await context.queue(ADS_QUEUE)).max_body_bytes
    intake = await context.runtime.spawn(
        lambda: IntakeBatcher(
            publisher=publisher,
            max_body_bytes=max_message_bytes,
            max_creatives=settings.intake_max_creatives,
            max_batch=settings.intake_max_requests,
            linger=0.0,  # the gateway's IntakeCollector lingers, once per batch
            publish_timeout=settings.publish_timeout_seconds,
        ),
        name=f"{SERVICE_NAME}:intake",
        instances=settings.intake_batchers,
        mailbox_size=max(1000, settings.intake_max_requests * settings.intake_batchers * 4),
    )
    options = context.gateway_options()
    await context.runtime.spawn(
        lambda: AdsApi(
            authenticator=TokenAuthenticator(lookup, ttl=settings.auth_cache_seconds),
            intake=intake,
            limiter=TokenBucketLimiter(
                rate_per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
            ),
            max_message_bytes=max_message_bytes,
            publish_timeout=settings.publish_timeout_seconds,
            cors_origins=settings.cors_origins,
            list_boards=boards,
            intake_linger=settings.intake_linger_seconds,
            intake_max_requests=settings.intake_max_requests,
            port=settings.port,
            **options,
        ),
        name=SERVICE_NAME,
    )


def _not_configured() -> Pool:
    raise RuntimeError("the ads-api database pool is registered by configure()")


service = Service(
    name=SERVICE_NAME,
    summary="Ads API: takes creatives from the browser extension onto the mango-ads queue.",
    queues=(ADS_QUEUE,),
    configure=_configure,
    start=_start,
)
