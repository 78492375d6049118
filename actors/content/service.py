"""The Content Creator service: ``mango run content-consumer``.

Consumes ``ContentTaskRequested`` from ``mango-content`` and hands each message to a pool
of :class:`~actors.content.runner.ContentTaskRunner` actors. Generators come from the
registry (built-in, ``mango.content_generators`` entry points, ``register_generator``);
the kinds named in ``MANGO_CONTENT_LLM_KINDS`` are made by the language model at
``MANGO_CONTENT_LLM_URL`` when it is set. Shared resources: the database pool (``"db"``)
and, with a language model, its HTTP session (``"content.llm_session"``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from actors.content.llm import llm_generators, llm_session
from actors.content.messages import CONTENT_QUEUE, content_codec
from actors.content.registry import default_registry
from actors.content.runner import ContentTaskRunner
from actors.content.settings import ContentSettings
from actors.db import DatabaseSettings, check_ready, database_pool
from mango import Resource
from mango.service import Service, ServiceContext
from mango.settings import load_settings

__all__ = ["service"]


@dataclass(frozen=True)
class _Resources:
    db: Resource[Any]
    llm: Resource[aiohttp.ClientSession | None]
    settings: ContentSettings


@asynccontextmanager
async def _optional_session(
    settings: ContentSettings,
) -> AsyncIterator[aiohttp.ClientSession | None]:
    if settings.content_llm_url is None:
        yield None
        return
    async with llm_session(settings) as session:
        yield session


def _resources(context: ServiceContext) -> _Resources:
    """Register (or, once registered, find) the process's shared resources."""
    database = load_settings(DatabaseSettings)
    settings = context.singleton("content.settings", lambda: load_settings(ContentSettings))
    return _Resources(
        db=context.shared("db", lambda: database_pool(database, application_name="mango")),
        llm=context.shared("content.llm_session", lambda: _optional_session(settings)),
        settings=settings,
    )


def _configure(context: ServiceContext) -> None:
    resources = _resources(context)
    # Fail at start, not on the first task, when the settings name unknown kinds.
    unknown = set(resources.settings.content_llm_kinds) - set(default_registry.kinds())
    if unknown and resources.settings.content_llm_url is not None:
        raise ValueError(
            f"MANGO_CONTENT_LLM_KINDS names unknown kinds {sorted(unknown)}; "
            f"known: {default_registry.kinds()}"
        )


async def _start(context: ServiceContext) -> None:
    resources = _resources(context)
    pool, settings = resources.db.value, resources.settings
    context.readiness.add_check("database", lambda: check_ready(pool))
    generators = default_registry.snapshot()
    session = resources.llm.value
    if session is not None:
        generators.update(llm_generators(settings, session, generators))
    runner = await context.runtime.spawn(
        lambda: ContentTaskRunner(
            pool=pool,
            generators=generators,
            max_attempts=context.settings.queue_max_receive_count,
            lease_seconds=settings.content_task_lease_seconds,
            generation_timeout=settings.content_generation_timeout_seconds,
        ),
        name="content-task-runner",
        instances=context.settings.consumer_concurrency,
    )
    await context.consume(CONTENT_QUEUE, codec=content_codec, target=runner)


service = Service(
    name="content-consumer",
    summary="Turns saved creatives into briefs, copy variants and script outlines.",
    queues=(CONTENT_QUEUE,),
    configure=_configure,
    start=_start,
)
