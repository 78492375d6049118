"""The query behind ``GET /v1/creatives``: filters, full-text search, sorts, keyset pages.

One statement per page. An inner query picks the page's ids by the sort key (using the
``creative_saves (user_id, saved_at DESC, creative_id DESC)`` index for the default sort,
the GIN index on ``creatives.search`` for searches), then the outer query fetches the
page's columns, tags, note, boards and thumbnail for those rows only.

Sort keys, descending, ties broken by the creative's id (descending):

- ``saved_desc``: when the user saved it;
- ``running_longest``: seconds from ``start_date`` to ``end_date`` (or to the last
  sighting while running; -1 without a start date, so those come last);
- ``most_versions``: the Ads Library's collation count (1 when unknown);
- ``relevance``: ``ts_rank`` of the search (only with a search).

Cursors are opaque: URL-safe base64 of ``[sort, key, id]`` as JSON.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec

__all__ = [
    "SORTS",
    "CreativeFilter",
    "InvalidCursorError",
    "Sort",
    "decode_cursor",
    "encode_cursor",
    "list_creatives",
]

Sort = Literal["saved_desc", "running_longest", "most_versions", "relevance"]
SORTS: tuple[Sort, ...] = ("saved_desc", "running_longest", "most_versions", "relevance")

RUNNING_SECONDS = (
    "coalesce(greatest(extract(epoch FROM coalesce(c.end_date, c.last_seen_at) - c.start_date),"
    " 0), -1)::float8"
)
_SORT_KEYS: dict[Sort, str] = {
    "saved_desc": "s.saved_at",
    "running_longest": RUNNING_SECONDS,
    "most_versions": "coalesce(c.collation_count, 1)::float8",
    "relevance": "ts_rank(c.search, websearch_to_tsquery('simple', $2))::float8",
}
_CURSOR = msgspec.json.Decoder(tuple[str, float | str, uuid.UUID])

Connection = Any
"""An ``asyncpg.Pool`` or connection."""


class InvalidCursorError(ValueError):
    """Raised when a cursor is malformed, or was made for another sort."""


@dataclass(frozen=True, kw_only=True)
class CreativeFilter:
    """What to list (every field optional).

    Attributes:
        q: Web-search syntax full-text query.
        page: A page id (exactly) or part of a page name (case-insensitive).
        platform: A platform the creative runs on (case-insensitive).
        display_format: The display format (case-insensitive).
        active: Whether the ad still runs.
        saved_from: Saved at or after.
        saved_before: Saved strictly before.
        min_days_running: Ran at least this many days.
        board_id: On this board (the caller checks it is the user's).
        tag: Has this tag (normalised).
    """

    q: str | None = None
    page: str | None = None
    platform: str | None = None
    display_format: str | None = None
    active: bool | None = None
    saved_from: datetime | None = None
    saved_before: datetime | None = None
    min_days_running: int | None = None
    board_id: uuid.UUID | None = None
    tag: str | None = None


def encode_cursor(sort: Sort, key: Any, creative_id: uuid.UUID) -> str:
    """Encode a page's last sort key and id as an opaque cursor."""
    value = key.isoformat() if isinstance(key, datetime) else float(key)
    raw = msgspec.json.encode([sort, value, str(creative_id)])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, uuid.UUID]:
    """Decode a cursor made by :func:`encode_cursor` for ``sort``.

    Raises:
        InvalidCursorError: The cursor is malformed or belongs to another sort.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, key, creative_id = _CURSOR.decode(raw)
        if made_for != sort:
            raise InvalidCursorError("the cursor belongs to another sort; start over")
        if sort == "saved_desc":
            if not isinstance(key, str):
                raise InvalidCursorError("malformed cursor")
            return datetime.fromisoformat(key), creative_id
        if not isinstance(key, float):
            raise InvalidCursorError("malformed cursor")
        return key, creative_id
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        if isinstance(exc, InvalidCursorError):
            raise
        raise InvalidCursorError("malformed cursor") from None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(user_id: uuid.UUID, flt: CreativeFilter) -> tuple[list[str], list[Any]]:
    # $1 is the user, $2 the search text (NULL without one); filters follow.
    params: list[Any] = [user_id, flt.q]
    where = ["s.user_id = $1"]

    def add(sql: str, *values: Any) -> None:
        for value in values:
            params.append(value)
            sql = sql.replace("?", f"${len(params)}", 1)
        where.append(sql)

    if flt.q is not None:
        where.append("c.search @@ websearch_to_tsquery('simple', $2)")
    else:
        where.append("$2::text IS NULL")  # keeps $2 typed when there is no search
    if flt.page is not None:
        add("(c.page_id = ? OR c.page_name ILIKE ?)", flt.page, _like_pattern(flt.page))
    if flt.platform is not None:
        add("EXISTS (SELECT 1 FROM unnest(c.platforms) AS p WHERE lower(p) = lower(?))",
            flt.platform)  # fmt: skip
    if flt.display_format is not None:
        add("upper(c.display_format) = upper(?)", flt.display_format)
    if flt.active is not None:
        add("c.is_active = ?", flt.active)
    if flt.saved_from is not None:
        add("s.saved_at >= ?", flt.saved_from)
    if flt.saved_before is not None:
        add("s.saved_at < ?", flt.saved_before)
    if flt.min_days_running is not None:
        add(f"{RUNNING_SECONDS} >= ?::float8 * 86400", flt.min_days_running)
    if flt.board_id is not None:
        add(
            "EXISTS (SELECT 1 FROM board_items AS b WHERE b.board_id = ? AND b.user_id = $1"
            " AND b.creative_id = s.creative_id)",
            flt.board_id,
        )
    if flt.tag is not None:
        add(
            "EXISTS (SELECT 1 FROM creative_tags AS t WHERE t.user_id = $1"
            " AND t.creative_id = s.creative_id AND t.tag = ?)",
            flt.tag,
        )
    return where, params


SUMMARY_COLUMNS = """
    c.id, c.source, c.library_id, c.page_id, c.page_name, c.page_profile_picture_url,
    c.display_format, c.platforms, c.is_active, c.start_date, c.end_date,
    coalesce(c.collation_count, 1) AS versions, c.title, c.body, c.cta_text, c.link_url,
    s.saved_at,
    CASE WHEN c.start_date IS NULL THEN NULL
         ELSE floor(greatest(extract(epoch FROM coalesce(c.end_date, c.last_seen_at)
                                    - c.start_date), 0) / 86400)::int END AS days_running,
    coalesce((SELECT array_agg(t.tag ORDER BY t.tag) FROM creative_tags AS t
              WHERE t.user_id = s.user_id AND t.creative_id = s.creative_id), '{}') AS tags,
    (SELECT n.body FROM creative_notes AS n
     WHERE n.user_id = s.user_id AND n.creative_id = s.creative_id) AS note,
    coalesce((SELECT array_agg(b.board_id ORDER BY b.added_at) FROM board_items AS b
              WHERE b.user_id = s.user_id AND b.creative_id = s.creative_id), '{}')
        AS board_ids,
    (SELECT m.id FROM creative_media AS m
     WHERE m.creative_id = c.id AND m.status = 'stored'
     ORDER BY m.card_index NULLS FIRST, m.kind = 'video', m.position LIMIT 1) AS thumbnail_id
"""


async def list_creatives(
    connection: Connection,
    user_id: uuid.UUID,
    flt: CreativeFilter,
    *,
    sort: Sort,
    limit: int,
    after: tuple[Any, uuid.UUID] | None = None,
) -> tuple[list[Any], str | None]:
    """Return one page of the user's saved creatives and the cursor of the next page.

    Args:
        connection: Pool or connection.
        user_id: The owner.
        flt: The filters.
        sort: The order (``relevance`` needs ``flt.q``).
        limit: Page size.
        after: The decoded cursor of the previous page.

    Returns:
        The rows (with a ``sort_key`` and, for searches, a ``rank`` column) and the next
        cursor (``None`` on the last page).
    """
    where, params = _conditions(user_id, flt)
    key = _SORT_KEYS[sort]
    if after is not None:
        params += [after[0], after[1]]
        where.append(f"({key}, s.creative_id) < (${len(params) - 1}, ${len(params)})")
    params.append(limit + 1)
    rank = _SORT_KEYS["relevance"] if flt.q is not None else "NULL::float8"
    sql = f"""
        WITH page AS (
            SELECT s.creative_id, {key} AS sort_key, {rank} AS rank
            FROM creative_saves AS s JOIN creatives AS c ON c.id = s.creative_id
            WHERE {" AND ".join(where)}
            ORDER BY sort_key DESC, s.creative_id DESC
            LIMIT ${len(params)}
        )
        SELECT {SUMMARY_COLUMNS}, p.sort_key, p.rank
        FROM page AS p
        JOIN creatives AS c ON c.id = p.creative_id
        JOIN creative_saves AS s ON s.user_id = $1 AND s.creative_id = p.creative_id
        ORDER BY p.sort_key DESC, p.creative_id DESC
    """  # noqa: S608 - only fixed SQL fragments are interpolated; values are parameters
    rows = list(await connection.fetch(sql, *params))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort, last["sort_key"], last["id"])
    return rows, next_cursor
