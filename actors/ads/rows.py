r"""From a captured :class:`~actors.ads.messages.Creative` to the values PostgreSQL stores.

PostgreSQL's ``text`` and ``jsonb`` refuse the NUL character, and UTF-8 has no lone
surrogates (which JSON's ``\ud800`` escapes can produce). Both are stripped or replaced
here, so that hostile text is stored sanitised instead of failing its message for ever.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from actors.ads.messages import Creative, CreativesCollected, MediaRef

__all__ = [
    "CreativeRow",
    "MediaSlot",
    "clean_text",
    "creative_row",
    "media_slots",
    "message_key",
    "unique_creatives",
]


def clean_text(text: str) -> str:
    """Remove NUL characters and replace lone surrogates, which PostgreSQL cannot store."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _clean(value: Any) -> Any:
    """Clean every string in a tree of builtins (the JSON of cards and pages)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): _clean(item) for key, item in value.items()}
    return value


def _optional_text(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def _timestamp(epoch_seconds: int | float | None) -> datetime | None:
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)


def _json(value: Any) -> str:
    return msgspec.json.encode(_clean(msgspec.to_builtins(value))).decode("utf-8")


@dataclass(frozen=True)
class MediaSlot:
    """One media file of a creative, at a place that stays the same across sightings.

    The signed URLs change every time the ad is seen, so a file is known by its kind, its
    card and its order among the files of that kind and card.
    """

    kind: str
    card_index: int | None
    position: int
    source_url: str
    fallback_url: str | None
    poster_url: str | None


CreativeRow = tuple[Any, ...]
"""The parameters of :data:`actors.ads.queries.UPSERT_CREATIVE`, in order."""


def creative_row(creative: Creative, *, seen_at: datetime) -> CreativeRow:
    """Return the upsert parameters of ``creative`` seen at ``seen_at``."""
    page = creative.page
    return (
        creative.source,
        creative.library_id,
        creative.collation_id,
        creative.collation_count,
        creative.is_active,
        _optional_text(page.id),
        _optional_text(page.name),
        page.profile_uri,
        page.profile_picture_url,
        page.like_count,
        None if creative.creator_page is None else _json(creative.creator_page),
        creative.branded_content,
        _optional_text(creative.display_format),
        [clean_text(platform) for platform in creative.platforms],
        _timestamp(creative.start_date),
        _timestamp(creative.end_date),
        creative.total_active_time,
        _optional_text(creative.body),
        _optional_text(creative.title),
        _optional_text(creative.caption),
        creative.link_url,
        _optional_text(creative.link_description),
        _optional_text(creative.cta_text),
        _optional_text(creative.cta_type),
        _json(creative.cards),
        creative.has_templates,
        creative.page_url,
        seen_at,
    )


def media_slots(media: list[MediaRef]) -> list[MediaSlot]:
    """Number the media of a creative by kind and card, in the order the extension sent."""
    counts: dict[tuple[str, int | None], int] = {}
    slots = []
    for ref in media:
        group = (ref.kind, ref.card_index)
        position = counts.get(group, 0)
        counts[group] = position + 1
        slots.append(
            MediaSlot(ref.kind, ref.card_index, position, ref.url, ref.fallback_url, ref.poster_url)
        )
    return slots


def unique_creatives(creatives: list[Creative]) -> list[Creative]:
    """Keep one creative per (source, Library ID), the last one sent, in key order.

    One statement cannot upsert a row twice, and taking row locks in one global order keeps
    two transactions that share creatives from deadlocking.
    """
    by_key = {(creative.source, creative.library_id): creative for creative in creatives}
    return [by_key[key] for key in sorted(by_key)]


def message_key(message: CreativesCollected) -> str:
    """A deterministic key of a message: the SHA-256 of its JSON.

    A redelivery has the same key; so has the same message published twice (the Ads API
    retrying a send), which SQS would give two message ids.
    """
    return hashlib.sha256(msgspec.json.encode(message)).hexdigest()
