"""Fixtures of the actors' tests: a freshly migrated database per test, and its pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from actors.db import apply_migrations
from tests.servers.postgres import PostgresServer


@pytest.fixture
def empty_database(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty database of this test (dropped at the end of the session)."""
    return postgres_server.create_database("mango_actors")


@pytest.fixture
def database_url(empty_database: str) -> str:
    """The URL of a database of this test with every migration applied."""
    asyncio.run(apply_migrations(empty_database))
    return empty_database


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Any]:
    """An asyncpg pool on the test's migrated database."""
    async with asyncpg.create_pool(database_url, min_size=1, max_size=4) as opened:
        yield opened
