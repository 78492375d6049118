"""`mango dev` support: an embedded PostgreSQL (also as root) and the development user."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from actors.accounts import authenticate_token
from actors.db import apply_migrations, load_migrations
from actors.db.dev import DEV_EMAIL, embedded_database_url, ensure_dev_user


@pytest.mark.slow
async def test_embedded_database_runs_migrations_and_dev_user(tmp_path: Path) -> None:
    """pgserver starts a server in a folder (as root too); migrations and the dev user work."""
    from pgserver.postgres_server import get_server

    data_dir = tmp_path / "pgdata"
    url = embedded_database_url(data_dir)
    try:
        assert len(await apply_migrations(url)) == len(load_migrations())
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            email, token = await ensure_dev_user(pool)
            principal = await authenticate_token(pool, token)
        finally:
            await pool.close()
        assert email == DEV_EMAIL
        assert principal is not None
        assert principal.email == DEV_EMAIL
    finally:
        get_server(data_dir.resolve()).cleanup()
