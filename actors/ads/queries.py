"""Every query of the ads domain, parameterised; callers pass a connection or a pool.

The write path of one ``CreativesCollected`` message runs in one transaction:
:func:`claim_message`, then :func:`upsert_creative` per creative, :func:`record_saves` and
:func:`upsert_media`. Media archiving then updates ``creative_media`` row by row, outside
that transaction (downloads take seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actors.ads.rows import CreativeRow, MediaSlot

__all__ = [
    "PendingMedia",
    "claim_message",
    "mark_media_failed",
    "mark_media_retry",
    "mark_media_stored",
    "pending_media",
    "record_saves",
    "upsert_creative",
    "upsert_media",
]

Connection = Any
"""An ``asyncpg.Connection`` or ``asyncpg.Pool`` (asyncpg ships no type information)."""

UPSERT_CREATIVE = """
INSERT INTO creatives (
    source, library_id, collation_id, collation_count, is_active,
    page_id, page_name, page_profile_uri, page_profile_picture_url, page_like_count,
    creator_page, branded_content, display_format, platforms, start_date, end_date,
    total_active_time, body, title, caption, link_url, link_description, cta_text,
    cta_type, cards, has_templates, page_url, first_seen_at, last_seen_at
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17,
    $18, $19, $20, $21, $22, $23, $24, $25::jsonb, $26, $27, $28, $28
)
ON CONFLICT (source, library_id) DO UPDATE SET
    -- What changes over an ad's life follows the newest sighting (messages can arrive
    -- out of order); what the first sighting recorded is kept, gaps are filled.
    is_active = CASE WHEN EXCLUDED.last_seen_at >= creatives.last_seen_at
        THEN coalesce(EXCLUDED.is_active, creatives.is_active) ELSE creatives.is_active END,
    end_date = CASE WHEN EXCLUDED.last_seen_at >= creatives.last_seen_at
        THEN coalesce(EXCLUDED.end_date, creatives.end_date) ELSE creatives.end_date END,
    total_active_time = greatest(creatives.total_active_time, EXCLUDED.total_active_time),
    collation_id = coalesce(creatives.collation_id, EXCLUDED.collation_id),
    collation_count = coalesce(EXCLUDED.collation_count, creatives.collation_count),
    page_like_count = coalesce(EXCLUDED.page_like_count, creatives.page_like_count),
    page_profile_picture_url =
        coalesce(EXCLUDED.page_profile_picture_url, creatives.page_profile_picture_url),
    page_id = coalesce(creatives.page_id, EXCLUDED.page_id),
    page_name = coalesce(creatives.page_name, EXCLUDED.page_name),
    page_profile_uri = coalesce(creatives.page_profile_uri, EXCLUDED.page_profile_uri),
    creator_page = coalesce(creatives.creator_page, EXCLUDED.creator_page),
    display_format = coalesce(creatives.display_format, EXCLUDED.display_format),
    platforms = ARRAY(SELECT DISTINCT unnest(creatives.platforms || EXCLUDED.platforms)
                      ORDER BY 1),
    start_date = coalesce(creatives.start_date, EXCLUDED.start_date),
    body = coalesce(creatives.body, EXCLUDED.body),
    title = coalesce(creatives.title, EXCLUDED.title),
    caption = coalesce(creatives.caption, EXCLUDED.caption),
    link_url = coalesce(creatives.link_url, EXCLUDED.link_url),
    link_description = coalesce(creatives.link_description, EXCLUDED.link_description),
    cta_text = coalesce(creatives.cta_text, EXCLUDED.cta_text),
    cta_type = coalesce(creatives.cta_type, EXCLUDED.cta_type),
    cards = CASE WHEN creatives.cards = '[]'::jsonb THEN EXCLUDED.cards ELSE creatives.cards END,
    has_templates = creatives.has_templates OR EXCLUDED.has_templates,
    page_url = coalesce(creatives.page_url, EXCLUDED.page_url),
    first_seen_at = least(creatives.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(creatives.last_seen_at, EXCLUDED.last_seen_at)
RETURNING id
"""

RECORD_SAVE = """
INSERT INTO creative_saves (user_id, creative_id, saved_at, board_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, creative_id) DO UPDATE SET
    board_id = coalesce(EXCLUDED.board_id, creative_saves.board_id)
"""

# A stored file stays as it is. Otherwise a new sighting brings fresh signed URLs: when
# the URL changed, the file is tried again from scratch (an expired URL is the usual case).
UPSERT_MEDIA = """
INSERT INTO creative_media (
    creative_id, kind, card_index, position, source_url, fallback_url, poster_url
) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT ON CONSTRAINT creative_media_slot_key DO UPDATE SET
    status = CASE WHEN creative_media.source_url = EXCLUDED.source_url
        THEN creative_media.status ELSE 'pending' END,
    attempts = CASE WHEN creative_media.source_url = EXCLUDED.source_url
        THEN creative_media.attempts ELSE 0 END,
    source_url = EXCLUDED.source_url,
    fallback_url = EXCLUDED.fallback_url,
    poster_url = EXCLUDED.poster_url,
    updated_at = now()
WHERE creative_media.status <> 'stored'
"""


@dataclass(frozen=True)
class PendingMedia:
    """A ``creative_media`` row still waiting for its file.

    Attributes:
        id: The row's id.
        kind: ``image`` or ``video``.
        source_url: The URL to download (a video's HD URL).
        fallback_url: The URL to try when ``source_url`` fails (a video's SD URL).
        attempts: Downloads tried so far.
    """

    id: int
    kind: str
    source_url: str
    fallback_url: str | None
    attempts: int


async def claim_message(connection: Connection, consumer: str, message_key: str) -> bool:
    """Record that ``consumer`` handled the message ``message_key``, in the caller's transaction.

    A concurrent transaction claiming the same key waits on the primary key until this
    one ends, then finds it taken.

    Returns:
        ``False`` when the message had been handled before.
    """
    claimed = await connection.fetchval(
        """
        INSERT INTO processed_messages (consumer, message_key) VALUES ($1, $2)
        ON CONFLICT DO NOTHING RETURNING true
        """,
        consumer,
        message_key,
    )
    return claimed is True


async def upsert_creative(connection: Connection, row: CreativeRow) -> Any:
    """Insert or refresh one creative (see ``UPSERT_CREATIVE``); return its id (a UUID)."""
    return await connection.fetchval(UPSERT_CREATIVE, *row)


async def record_saves(
    connection: Connection,
    user_id: Any,
    saves: Sequence[tuple[Any, str | None]],
    *,
    saved_at: datetime,
) -> None:
    """Record that ``user_id`` saved each ``(creative_id, board_id)`` (once per creative)."""
    await connection.executemany(
        RECORD_SAVE, [(user_id, creative_id, saved_at, board) for creative_id, board in saves]
    )


async def upsert_media(
    connection: Connection, media: Sequence[tuple[Any, Sequence[MediaSlot]]]
) -> None:
    """Insert (or refresh the URLs of) the media rows of ``(creative_id, slots)`` pairs."""
    rows = [
        (
            creative_id,
            slot.kind,
            slot.card_index,
            slot.position,
            slot.source_url,
            slot.fallback_url,
            slot.poster_url,
        )
        for creative_id, slots in media
        for slot in slots
    ]
    if rows:
        await connection.executemany(UPSERT_MEDIA, rows)


async def pending_media(
    connection: Connection, keys: Sequence[tuple[str, str]]
) -> list[PendingMedia]:
    """Return the pending media rows of the creatives with these (source, Library ID) keys."""
    rows = await connection.fetch(
        """
        SELECT m.id, m.kind, m.source_url, m.fallback_url, m.attempts
        FROM creative_media AS m
        JOIN creatives AS c ON c.id = m.creative_id
        JOIN unnest($1::text[], $2::text[]) AS k (source, library_id)
            ON c.source = k.source AND c.library_id = k.library_id
        WHERE m.status = 'pending'
        ORDER BY m.id
        """,
        [source for source, _ in keys],
        [library_id for _, library_id in keys],
    )
    return [
        PendingMedia(
            row["id"], row["kind"], row["source_url"], row["fallback_url"], row["attempts"]
        )
        for row in rows
    ]


async def mark_media_stored(
    connection: Connection,
    media_id: int,
    *,
    content_hash: str,
    object_key: str,
    size_bytes: int,
    content_type: str,
) -> None:
    """Record the stored file of a media row, and the object once per content hash."""
    await connection.execute(
        """
        WITH stored_object AS (
            INSERT INTO media_objects (content_hash, object_key, size_bytes, content_type)
            VALUES ($2, $3, $4, $5) ON CONFLICT (content_hash) DO NOTHING
        )
        UPDATE creative_media SET status = 'stored', content_hash = $2, object_key = $3,
            size_bytes = $4, content_type = $5, attempts = attempts + 1,
            last_error = NULL, updated_at = now()
        WHERE id = $1 AND status = 'pending'
        """,
        media_id,
        content_hash,
        object_key,
        size_bytes,
        content_type,
    )


async def mark_media_failed(
    connection: Connection, media_id: int, *, status: str, error: str
) -> None:
    """Give up on a media row for good: ``expired``, ``refused`` or ``failed``."""
    await connection.execute(
        """
        UPDATE creative_media SET status = $2, last_error = $3, attempts = attempts + 1,
            updated_at = now()
        WHERE id = $1 AND status = 'pending'
        """,
        media_id,
        status,
        error[:1000],
    )


async def mark_media_retry(connection: Connection, media_id: int, *, error: str) -> None:
    """Count a failed attempt of a media row that stays pending (a retryable failure)."""
    await connection.execute(
        """
        UPDATE creative_media SET attempts = attempts + 1, last_error = $2, updated_at = now()
        WHERE id = $1 AND status = 'pending'
        """,
        media_id,
        error[:1000],
    )
