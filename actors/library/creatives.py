"""One saved creative with its media, the archived files, and the user's tags and notes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actors.library.errors import NotFoundError
from actors.library.listing import SUMMARY_COLUMNS

__all__ = [
    "StoredMedia",
    "get_creative",
    "list_tags",
    "normalise_tags",
    "set_note",
    "set_tags",
    "stored_media",
]

Connection = Any
"""An ``asyncpg.Pool`` or connection."""

MAX_TAGS = 50
MAX_TAG_LENGTH = 50


@dataclass(frozen=True)
class StoredMedia:
    """An archived file the user may read.

    Attributes:
        object_key: Its key in the object store.
        content_type: Its media type.
        size_bytes: Its size.
    """

    object_key: str
    content_type: str
    size_bytes: int | None


async def get_creative(
    connection: Connection, user_id: uuid.UUID, creative_id: uuid.UUID
) -> tuple[Any, list[Any], list[Any]] | None:
    """Return a saved creative, its media rows and its boards, or ``None`` when not saved."""
    row = await connection.fetchrow(
        f"""
        SELECT {SUMMARY_COLUMNS}, c.caption, c.link_description, c.cta_type, c.page_url,
               c.page_profile_uri, c.collation_id, c.first_seen_at, c.last_seen_at,
               c.cards::text AS cards
        FROM creative_saves AS s JOIN creatives AS c ON c.id = s.creative_id
        WHERE s.user_id = $1 AND s.creative_id = $2
        """,  # noqa: S608 - a fixed column list
        user_id,
        creative_id,
    )
    if row is None:
        return None
    media = await connection.fetch(
        """
        SELECT id, kind, card_index, position, status, content_type, size_bytes
        FROM creative_media WHERE creative_id = $1
        ORDER BY card_index NULLS FIRST, kind, position
        """,
        creative_id,
    )
    boards = await connection.fetch(
        """
        SELECT b.id, b.name FROM board_items AS i JOIN boards AS b ON b.id = i.board_id
        WHERE i.user_id = $1 AND i.creative_id = $2 ORDER BY lower(b.name)
        """,
        user_id,
        creative_id,
    )
    return row, list(media), list(boards)


async def stored_media(
    connection: Connection, user_id: uuid.UUID, media_id: int
) -> StoredMedia | None:
    """Return the stored file of media ``media_id`` when the user saved its creative."""
    row = await connection.fetchrow(
        """
        SELECT m.object_key, m.content_type, m.size_bytes
        FROM creative_media AS m
        JOIN creative_saves AS s ON s.creative_id = m.creative_id AND s.user_id = $1
        WHERE m.id = $2 AND m.status = 'stored' AND m.object_key IS NOT NULL
        """,
        user_id,
        media_id,
    )
    if row is None:
        return None
    return StoredMedia(
        row["object_key"], row["content_type"] or "application/octet-stream", row["size_bytes"]
    )


async def _require_saved(
    connection: Connection, user_id: uuid.UUID, creative_id: uuid.UUID
) -> None:
    saved = await connection.fetchval(
        "SELECT true FROM creative_saves WHERE user_id = $1 AND creative_id = $2 FOR SHARE",
        user_id,
        creative_id,
    )
    if not saved:
        raise NotFoundError("no such creative in your library")


async def set_note(pool: Connection, user_id: uuid.UUID, creative_id: uuid.UUID, note: str) -> Any:
    """Set (or, with an empty text, delete) the user's note on a saved creative.

    Returns:
        The ``(body, updated_at)`` row, or ``None`` when deleted.

    Raises:
        NotFoundError: The user has not saved the creative.
    """
    async with pool.acquire() as connection, connection.transaction():
        await _require_saved(connection, user_id, creative_id)
        if not note:
            await connection.execute(
                "DELETE FROM creative_notes WHERE user_id = $1 AND creative_id = $2",
                user_id,
                creative_id,
            )
            return None
        return await connection.fetchrow(
            """
            INSERT INTO creative_notes (user_id, creative_id, body) VALUES ($1, $2, $3)
            ON CONFLICT (user_id, creative_id) DO UPDATE SET body = EXCLUDED.body,
                updated_at = now()
            RETURNING body, updated_at
            """,
            user_id,
            creative_id,
            note,
        )


def normalise_tags(tags: Sequence[str]) -> list[str]:
    """Trim, lower-case, drop empty and repeated tags; return them sorted.

    Raises:
        ValueError: More than 50 tags, or one longer than 50 characters.
    """
    unique = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    if len(unique) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags per creative")
    if any(len(tag) > MAX_TAG_LENGTH for tag in unique):
        raise ValueError(f"a tag has at most {MAX_TAG_LENGTH} characters")
    return unique


async def set_tags(
    pool: Connection, user_id: uuid.UUID, creative_id: uuid.UUID, tags: Sequence[str]
) -> list[str]:
    """Replace the user's tags on a saved creative with ``tags`` (already normalised).

    Raises:
        NotFoundError: The user has not saved the creative.
    """
    async with pool.acquire() as connection, connection.transaction():
        await _require_saved(connection, user_id, creative_id)
        await connection.execute(
            "DELETE FROM creative_tags WHERE user_id = $1 AND creative_id = $2"
            " AND NOT (tag = ANY($3::text[]))",
            user_id,
            creative_id,
            list(tags),
        )
        await connection.execute(
            "INSERT INTO creative_tags (user_id, creative_id, tag)"
            " SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
            user_id,
            creative_id,
            list(tags),
        )
    return list(tags)


async def list_tags(connection: Connection, user_id: uuid.UUID) -> list[tuple[str, int]]:
    """Return the user's tags with the number of creatives carrying each, by tag."""
    rows = await connection.fetch(
        "SELECT tag, count(*) AS n FROM creative_tags WHERE user_id = $1 GROUP BY tag ORDER BY tag",
        user_id,
    )
    return [(row["tag"], row["n"]) for row in rows]
