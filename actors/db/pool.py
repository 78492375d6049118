"""The PostgreSQL connection pool as a resource, and its readiness check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.db.settings import DatabaseSettings

__all__ = ["Pool", "check_ready", "database_pool"]

_CLOSE_TIMEOUT_SECONDS = 10.0

Pool = Any
"""An ``asyncpg.Pool`` (asyncpg ships no type information)."""


@asynccontextmanager
async def database_pool(
    settings: DatabaseSettings, *, application_name: str = "mango"
) -> AsyncIterator[Pool]:
    """Open an asyncpg pool for the lifetime of the block.

    Use it as a shared resource, so that services in one process share one pool::

        db = context.shared("db", lambda: database_pool(load_settings(DatabaseSettings)))

    Args:
        settings: The database settings.
        application_name: Shown in ``pg_stat_activity``, to tell services apart.

    Yields:
        The pool.
    """
    timeout_ms = round(settings.database_statement_timeout_seconds * 1000)
    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.database_pool_min_size,
        max_size=settings.database_pool_max_size,
        timeout=settings.database_connect_timeout_seconds,
        server_settings={
            "application_name": application_name[:63],
            "statement_timeout": str(timeout_ms),
        },
    )
    try:
        yield pool
    finally:
        try:
            # A connection stuck in a query must not hold up the shutdown for ever.
            await asyncio.wait_for(pool.close(), timeout=_CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            pool.terminate()


async def check_ready(pool: Pool) -> bool:
    """Return whether the database answers ``SELECT 1`` (for ``Readiness.add_check``)."""
    return bool(await pool.fetchval("SELECT 1") == 1)
