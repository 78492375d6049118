"""``mango dev`` preparation for a laptop: database, migrations, a dev user and token.

Registered in the ``mango.dev`` entry-point group; ``mango dev`` calls :func:`prepare`
before it reads the settings. Without ``MANGO_DATABASE_URL`` an embedded PostgreSQL (the
``pgserver`` package) keeps its data under ``.mango/postgres`` and stops with the process;
media go to ``.mango/media``. Every start applies the migrations and prints a fresh API
token for ``dev@localhost``, so the extension or ``curl`` can save a creative at once.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.db.dev import embedded_database_url, ensure_dev_user
from actors.db.migrations import apply_migrations

__all__ = ["prepare"]

DEV_DIR_VARIABLE = "MANGO_DEV_DIR"


def prepare() -> dict[str, str]:
    """Start what the services need locally; return environment defaults for them."""
    dev_dir = Path(os.environ.get(DEV_DIR_VARIABLE, ".mango")).resolve()
    defaults = {"MANGO_MEDIA_DIR": str(dev_dir / "media")}
    database_url = os.environ.get("MANGO_DATABASE_URL")
    if not database_url:
        database_url = embedded_database_url(dev_dir / "postgres")
        defaults["MANGO_DATABASE_URL"] = database_url
    email, token = asyncio.run(_migrate_and_create_token(database_url))
    ads_api = f"http://127.0.0.1:{os.environ.get('MANGO_ADS_API_PORT', '8081')}"
    backend_api = f"http://127.0.0.1:{os.environ.get('MANGO_BACKEND_API_PORT', '8082')}"
    web = f"http://127.0.0.1:{os.environ.get('MANGO_WEB_PORT', '8080')}"
    defaults["MANGO_WEB_ADS_API_URL"] = ads_api
    defaults["MANGO_WEB_BACKEND_API_URL"] = backend_api
    print(
        _banner(email=email, token=token, web=web, ads_api=ads_api, backend_api=backend_api),
        flush=True,
    )
    return defaults


async def _migrate_and_create_token(database_url: str) -> tuple[str, str]:
    await apply_migrations(database_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        return await ensure_dev_user(pool)
    finally:
        await pool.close()


def _banner(*, email: str, token: str, web: str, ads_api: str, backend_api: str) -> str:
    example = (
        f"curl -s -X POST {ads_api}/v1/creatives \\\n"
        f"    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n"
        """    -d '{"creatives":[{"library_id":"123456789012345","body":"Hello"}]}'"""
    )
    return "\n".join(
        [
            "",
            "Magic Mango is running (mango dev). Stop it with Ctrl-C.",
            f"  Web app:      {web}/app/   (landing page at {web}/)",
            f"  Ads API:      {ads_api}   (the extension's API URL)",
            f"  Backend API:  {backend_api}",
            f"  Dev user:     {email}",
            f"  API token:    {token}   (shown once; a new one every start)",
            "",
            "Save a creative:",
            f"  {example}",
            "",
        ]
    )
