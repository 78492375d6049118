"""The ``backend-api`` service: the Backend API gateway, the outbox relay and housekeeping.

Run it with ``mango run backend-api``. It reads ``MANGO_BACKEND_API_*`` (see
:class:`~gateways.backend_api.settings.BackendApiSettings`), ``MANGO_DATABASE_*``,
``MANGO_MEDIA_*`` and the runtime's queue settings; the ``mango-content`` queue must exist
(``mango queues create``).
"""

from __future__ import annotations

from actors.content import CONTENT_QUEUE, content_codec
from actors.db import DatabaseSettings, Pool, check_ready, database_pool
from actors.housekeeping import Housekeeper, Retention
from actors.media import MediaSettings, ObjectStore, open_object_store
from actors.outbox import OutboxRelay, OutboxRoute
from gateways.backend_api.auth import Authenticator
from gateways.backend_api.common import Deps
from gateways.backend_api.gateway import BackendApi
from gateways.backend_api.ratelimit import LoginLimiter
from gateways.backend_api.settings import SETTINGS_PREFIX, BackendApiSettings
from mango import Resource
from mango.service import Service, ServiceContext
from mango.settings import load_settings

__all__ = ["SERVICE_NAME", "service"]

SERVICE_NAME = "backend-api"
DATABASE_RESOURCE = "db"
MEDIA_STORE_RESOURCE = "media.store"
"""Shared resource keys: one pool and one media store per process (as the other services)."""


def _settings() -> BackendApiSettings:
    return load_settings(BackendApiSettings, prefix=SETTINGS_PREFIX)


def _configure(context: ServiceContext) -> None:
    settings = _settings()
    database = load_settings(DatabaseSettings)
    media = load_settings(MediaSettings)
    context.singleton(f"{SERVICE_NAME}.settings", lambda: settings)
    context.shared(
        DATABASE_RESOURCE, lambda: database_pool(database, application_name=SERVICE_NAME)
    )
    context.shared(MEDIA_STORE_RESOURCE, lambda: open_object_store(media))


async def _start(context: ServiceContext) -> None:
    settings: BackendApiSettings = context.singleton(f"{SERVICE_NAME}.settings", _settings)
    pool: Resource[Pool] = context.shared(DATABASE_RESOURCE, _not_configured)
    store: Resource[ObjectStore] = context.shared(MEDIA_STORE_RESOURCE, _not_configured)

    async def database_ready() -> bool:
        return await check_ready(pool.value)

    context.readiness.add_check("database", database_ready)
    publisher = await context.publisher(CONTENT_QUEUE, codec=content_codec, sender=SERVICE_NAME)
    relay = await context.runtime.spawn(
        lambda: OutboxRelay(
            pool=pool.value,
            routes={CONTENT_QUEUE: OutboxRoute(publisher, content_codec)},
            poll_interval=settings.outbox_poll_seconds,
            publish_timeout=settings.publish_timeout_seconds,
            liveness=context.liveness,
        ),
        name="outbox-relay",
    )
    deps = Deps(
        pool=pool.value,
        settings=settings,
        auth=Authenticator(pool.value),
        login_limiter=LoginLimiter(
            pool.value,
            max_per_email=settings.login_max_failures,
            max_per_ip=settings.login_max_failures_per_ip,
            window=settings.login_window_seconds,
        ),
        store=store.value,
        relay=relay,
    )
    await context.runtime.spawn(
        lambda: Housekeeper(
            pool=pool.value,
            retention=Retention(
                expired_sessions_days=settings.expired_sessions_grace_days,
                processed_messages_days=settings.processed_messages_retention_days,
                sent_outbox_days=settings.sent_outbox_retention_days,
            ),
            interval=settings.housekeeping_interval_seconds,
        ),
        name="housekeeper",
    )
    await context.runtime.spawn(
        lambda: BackendApi(deps=deps, port=settings.port, **context.gateway_options()),
        name=SERVICE_NAME,
    )


def _not_configured() -> Pool:
    raise RuntimeError("the backend-api resources are registered by configure()")


service = Service(
    name=SERVICE_NAME,
    summary="Backend API: accounts, library, boards and content tasks for the web app.",
    queues=(CONTENT_QUEUE,),
    configure=_configure,
    start=_start,
)
