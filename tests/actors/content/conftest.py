"""Fixtures of the content tests: users with saved creatives in a migrated database."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actors.db import apply_migrations
from tests.servers.postgres import PostgresServer

SNEAKERS = (
    "🔥 Get 50% OFF our best-selling sneakers today only! "
    "Free shipping on orders over $49. Rated 4.8/5 by 12,000+ happy customers.\n"
    "Made with 100% recycled materials and a 30-day money-back guarantee. Shop now 👟"
)
SKINCARE = (
    "Tired of dry skin every winter? Our serum hydrates for 72 hours with just 2 drops. "
    "Dermatologist tested. Try it risk-free for 60 days."
)
DPA = "{{product.name}} is back in stock at {{product.price}}. Limited stock, order now!"

START = datetime(2025, 1, 1, tzinfo=UTC)


async def add_user(pool: Any, email: str | None = None) -> str:
    """Insert a user; return their id."""
    email = email or f"{uuid.uuid4().hex[:10]}@example.com"
    return str(await pool.fetchval("INSERT INTO users (email) VALUES ($1) RETURNING id", email))


async def add_creative(pool: Any, user_id: str | None = None, **fields: Any) -> str:
    """Insert a creative (saved by ``user_id`` when given); return its id."""
    row: dict[str, Any] = {
        "source": "facebook_ads_library",
        "library_id": str(10**15 + uuid.uuid4().int % 10**15),
        "page_name": "Stride Footwear",
        "display_format": "VIDEO",
        "platforms": ["FACEBOOK", "INSTAGRAM"],
        "start_date": START,
        "end_date": START + timedelta(days=45),
        "collation_count": 3,
        "is_active": True,
        "body": SNEAKERS,
        "title": "Stride Air: walk on clouds",
        "link_description": "Free returns",
        "cta_text": "Shop now",
        "cta_type": "SHOP_NOW",
        "cards": [],
    }
    media = fields.pop("media", [("video", "stored"), ("image", "pending")])
    row.update(fields)
    row["cards"] = json.dumps(row["cards"])
    columns = ", ".join(row)
    placeholders = ", ".join(
        f"${i}::jsonb" if name == "cards" else f"${i}" for i, name in enumerate(row, 1)
    )
    creative_id = await pool.fetchval(
        f"INSERT INTO creatives ({columns}) VALUES ({placeholders}) RETURNING id",
        *row.values(),
    )
    for position, (kind, status) in enumerate(media):
        await pool.execute(
            """
            INSERT INTO creative_media (creative_id, kind, position, source_url, status)
            VALUES ($1, $2, $3, $4, $5)
            """,
            creative_id,
            kind,
            position,
            f"https://video.example/{position}",
            status,
        )
    if user_id is not None:
        await pool.execute(
            "INSERT INTO creative_saves (user_id, creative_id) VALUES ($1, $2)",
            uuid.UUID(user_id),
            creative_id,
        )
    return str(creative_id)


@pytest.fixture(scope="session")
def database_url(postgres_server: PostgresServer) -> str:
    """One migrated database for the content tests: each test works as a user of its own.

    Migrating and dropping a database per test took most of this suite's time.
    """
    dsn = postgres_server.create_database("mango_content")
    asyncio.run(apply_migrations(dsn))
    return dsn


@pytest.fixture
async def owner(pool: Any) -> str:
    """A user id."""
    return await add_user(pool)
