"""Loading a task's creatives (texts, cards, run, versions, media) from PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from actors.content.generator import CardData, CreativeData, MediaData

__all__ = ["load_creatives"]

_cards = msgspec.json.Decoder(list[CardData])
_SECONDS_PER_DAY = 86_400


async def load_creatives(
    pool: Any, user_id: uuid.UUID, creative_ids: Sequence[uuid.UUID]
) -> tuple[list[CreativeData], list[uuid.UUID]]:
    """Return the creatives the user saved, in the order asked, and the ids not found.

    A creative counts as found only while the user still has it saved: deleting a save
    (or the creative) makes a task on it fail rather than read someone else's data.
    """
    rows = await pool.fetch(
        """
        SELECT c.id, c.library_id, c.page_name, c.display_format, c.platforms, c.is_active,
               c.start_date, c.end_date, c.last_seen_at, c.total_active_time,
               coalesce(c.collation_count, (
                   SELECT max(g.collation_count) FROM creatives g
                   WHERE g.collation_id = c.collation_id
               )) AS collation_count,
               c.body, c.title, c.caption, c.link_url, c.link_description, c.cta_text,
               c.cta_type, c.has_templates, c.cards::text AS cards
        FROM creatives c
        JOIN creative_saves s ON s.creative_id = c.id AND s.user_id = $1
        WHERE c.id = ANY($2::uuid[])
        """,
        user_id,
        list(creative_ids),
    )
    media_rows = await pool.fetch(
        """
        SELECT creative_id, kind, card_index, status, content_type, size_bytes
        FROM creative_media WHERE creative_id = ANY($1::uuid[])
        ORDER BY creative_id, card_index NULLS FIRST, kind, position
        """,
        [row["id"] for row in rows],
    )
    media: dict[uuid.UUID, list[MediaData]] = {}
    for row in media_rows:
        media.setdefault(row["creative_id"], []).append(
            MediaData(
                kind=row["kind"],
                card_index=row["card_index"],
                status=row["status"],
                content_type=row["content_type"],
                size_bytes=row["size_bytes"],
            )
        )
    by_id = {row["id"]: _creative(row, media.get(row["id"], [])) for row in rows}
    found = [by_id[i] for i in creative_ids if i in by_id]
    missing = [i for i in creative_ids if i not in by_id]
    return found, missing


def _creative(row: Any, media: list[MediaData]) -> CreativeData:
    try:
        cards = _cards.decode(row["cards"])
    except msgspec.DecodeError:
        cards = []  # cards of an unexpected shape: use the creative's own texts only
    return CreativeData(
        id=str(row["id"]),
        library_id=row["library_id"],
        page_name=row["page_name"],
        display_format=row["display_format"],
        platforms=list(row["platforms"]),
        is_active=row["is_active"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        days_running=_days_running(row),
        collation_count=row["collation_count"],
        body=row["body"],
        title=row["title"],
        caption=row["caption"],
        link_url=row["link_url"],
        link_description=row["link_description"],
        cta_text=row["cta_text"],
        cta_type=row["cta_type"],
        has_templates=row["has_templates"],
        cards=cards,
        media=media,
    )


def _days_running(row: Any) -> int | None:
    if row["total_active_time"] is not None:
        return int(row["total_active_time"]) // _SECONDS_PER_DAY
    start = row["start_date"]
    if start is None:
        return None
    end = row["end_date"] or row["last_seen_at"]
    return max(0, (end - start).days) if end is not None else None
