"""The query behind ``GET /v1/creatives``: filters, full-text search, sorts, keyset pages.

One statement per page. An inner query picks the page's ids by the sort key (using the
``creative_saves (user_id, saved_at DESC, creative_id DESC)`` index for the default sort,
the GIN index on the saves' owner-scoped search documents for searches and the page
filter), then the outer query fetches the page's columns, tags, note, boards and
thumbnail for those rows only.

Searches and the page filter read ``creative_saves.search`` (migration 040): the
creative's search vector plus marker lexemes for the owner, the page id and the words of
the page name, so one GIN lookup finds exactly this user's matches and ranking reads
narrow rows. The page filter matches the page id exactly, or page names having words
that start with each word given (``nike run`` finds "Nike Running").

Relevance ranking is exact while a search matches at most :data:`EXACT_RANK_LIMIT` of the
user's creatives. A broader search ranks its :data:`RANK_WINDOW` most recently saved
matches (looking through the :data:`RANK_WINDOW_SCAN` most recent saves), so that a page
costs the same however large the library grows; the page says so
(:attr:`CreativePage.relevance_window`) and the newest-first sort still lists every match.

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
    "EXACT_RANK_LIMIT",
    "RANK_WINDOW",
    "RANK_WINDOW_SCAN",
    "SORTS",
    "CreativeFilter",
    "CreativePage",
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
    "relevance": "ts_rank(s.search, websearch_to_tsquery('simple', $2))::float8",
}
_QUERY = "websearch_to_tsquery('simple', $2)"

EXACT_RANK_LIMIT = 5_000
"""A search matching at most this many creatives ranks every match."""
RANK_WINDOW = 2_000
"""Beyond :data:`EXACT_RANK_LIMIT`, how many of the most recently saved matches are ranked."""
RANK_WINDOW_SCAN = 10_000
"""Beyond :data:`EXACT_RANK_LIMIT`, how many of the most recent saves are looked through."""
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


_CREATIVE_FILTERS = ("platform", "display_format", "active", "min_days_running")


def _needs_creative(flt: CreativeFilter, sort: Sort) -> bool:
    """Whether the page's inner query must join ``creatives`` (a filter or key uses it)."""
    if sort in ("running_longest", "most_versions"):
        return True
    return any(getattr(flt, name) is not None for name in _CREATIVE_FILTERS)


def _conditions(user_id: uuid.UUID, flt: CreativeFilter) -> tuple[list[str], list[Any]]:
    # $1 is the user, $2 the search text (NULL without one); filters follow.
    params: list[Any] = [user_id, flt.q]
    where: list[str] = []

    def add(sql: str, *values: Any) -> None:
        for value in values:
            params.append(value)
            sql = sql.replace("?", f"${len(params)}", 1)
        where.append(sql)

    # The search and the page filter are answered by the save's owner-scoped document
    # (migration 040): one GIN lookup intersects the owner's marker with the terms.
    document = ["owner_tsquery($1)"]
    if flt.q is not None:
        document.append(_QUERY)
        where.append(f"numnode({_QUERY}) > 0")  # no words, no matches (not everything)
    else:
        where.append("$2::text IS NULL")  # keeps $2 typed when there is no search
    if flt.page is not None:
        params.append(flt.page)
        document.append(f"page_tsquery(${len(params)})")
    if len(document) > 1:
        where.insert(0, f"s.search @@ ({' && '.join(document)})")
    where.insert(0, "s.user_id = $1")  # first: a relevance page leaves it out (see there)
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


@dataclass(frozen=True)
class CreativePage:
    """One page of :func:`list_creatives`.

    Attributes:
        rows: The page's rows (with a ``sort_key`` and, for searches, a ``rank`` column).
        next_cursor: The cursor of the next page (``None`` on the last page).
        relevance_window: For a relevance-sorted search matching more than
            :data:`EXACT_RANK_LIMIT` creatives, how many (most recently saved) matches were
            ranked (at most :data:`RANK_WINDOW`); ``None`` when every match was.
    """

    rows: list[Any]
    next_cursor: str | None
    relevance_window: int | None = None


async def list_creatives(
    connection: Connection,
    user_id: uuid.UUID,
    flt: CreativeFilter,
    *,
    sort: Sort,
    limit: int,
    after: tuple[Any, uuid.UUID] | None = None,
) -> CreativePage:
    """Return one page of the user's saved creatives and the cursor of the next page.

    Args:
        connection: Pool or connection.
        user_id: The owner.
        flt: The filters.
        sort: The order (``relevance`` needs ``flt.q``).
        limit: Page size.
        after: The decoded cursor of the previous page.

    Returns:
        The page.
    """
    where, params = _conditions(user_id, flt)
    join = "JOIN creatives AS c ON c.id = s.creative_id" if _needs_creative(flt, sort) else ""
    key = _SORT_KEYS[sort]
    rank = _SORT_KEYS["relevance"] if flt.q is not None else "NULL::float8"
    cursor = "true"
    if after is not None:
        params += [after[0], after[1]]
        cursor = f"(sort_key, creative_id) < (${len(params) - 1}, ${len(params)})"
    params.append(limit + 1)
    conditions = " AND ".join(where)
    if sort == "relevance":
        # The search's owner marker scopes the GIN lookup (and the outer query checks the
        # owner again); "s.user_id = $1" would only tempt the planner into ANDing a second
        # bitmap of all the user's saves.
        page = _relevance_page(join, " AND ".join(where[1:]), cursor, f"${len(params)}")
    else:
        page = f"""
        page AS (
            SELECT * FROM (
                SELECT s.creative_id, {key} AS sort_key, {rank} AS rank
                FROM creative_saves AS s {join}
                WHERE {conditions}
            ) AS m
            WHERE {cursor}
            ORDER BY sort_key DESC, creative_id DESC
            LIMIT ${len(params)}
        ),
        ranked_window AS (SELECT NULL::int AS ranked)"""  # noqa: S608 - fixed fragments only
    sql = f"""
        WITH {page}
        SELECT {SUMMARY_COLUMNS}, p.sort_key, p.rank,
            (SELECT ranked FROM ranked_window) AS ranked_window
        FROM page AS p
        JOIN creatives AS c ON c.id = p.creative_id
        JOIN creative_saves AS s ON s.user_id = $1 AND s.creative_id = p.creative_id
        ORDER BY p.sort_key DESC, p.creative_id DESC
    """  # noqa: S608 - only fixed SQL fragments are interpolated; values are parameters
    if flt.q is not None or flt.page is not None:
        rows = await _fetch_with_custom_plan(connection, sql, params)
    else:
        rows = list(await connection.fetch(sql, *params))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort, last["sort_key"], last["id"])
    window = rows[0]["ranked_window"] if rows else None
    return CreativePage(rows=rows, next_cursor=next_cursor, relevance_window=window)


async def _fetch_with_custom_plan(connection: Connection, sql: str, params: list[Any]) -> list[Any]:
    """Run a search's statement planned for its actual parameters.

    A prepared statement is planned for its parameters five times, then PostgreSQL may
    switch to a generic plan, which cannot know how many creatives a search or page
    matches and picks worse plans (measured: 8 ms instead of 3 for a page filter, 37
    instead of 22 for a common word). ``SET LOCAL`` keeps the setting to this transaction.
    """
    acquire = getattr(connection, "acquire", None)
    if acquire is not None:  # a pool
        async with acquire() as held:
            return await _fetch_with_custom_plan(held, sql, params)
    async with connection.transaction():
        await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        return list(await connection.fetch(sql, *params))


def _relevance_page(join: str, conditions: str, cursor: str, limit: str) -> str:
    """The CTEs of a relevance-sorted page: every match ranked, or a recent window.

    The first CTE ranks at most ``EXACT_RANK_LIMIT + 1`` matches (one GIN lookup, narrow
    rows). When there are no more than the limit, all of them are ranked. Otherwise the
    ``RANK_WINDOW`` most recently saved matches among the ``RANK_WINDOW_SCAN`` most recent
    saves are, so that the cost of a page does not grow with the size of the library.
    """
    return f"""
        matches AS MATERIALIZED (
            SELECT s.creative_id, {_SORT_KEYS["relevance"]} AS sort_key
            FROM creative_saves AS s {join}
            WHERE {conditions}
            LIMIT {EXACT_RANK_LIMIT + 1}
        ),
        windowed AS (SELECT count(*) > {EXACT_RANK_LIMIT} AS windowed FROM matches),
        ranked AS (
            SELECT creative_id, sort_key FROM matches
            WHERE NOT (SELECT windowed FROM windowed)
            UNION ALL
            SELECT creative_id, sort_key FROM (
                SELECT s.creative_id, {_SORT_KEYS["relevance"]} AS sort_key
                FROM (
                    SELECT * FROM creative_saves WHERE user_id = $1
                    ORDER BY saved_at DESC, creative_id DESC
                    LIMIT {RANK_WINDOW_SCAN}
                ) AS s {join}
                WHERE {conditions}
                ORDER BY s.saved_at DESC, s.creative_id DESC
                LIMIT {RANK_WINDOW}
            ) AS recent
            WHERE (SELECT windowed FROM windowed)
        ),
        ranked_window AS (
            SELECT CASE WHEN windowed THEN (SELECT count(*)::int FROM ranked) END AS ranked
            FROM windowed
        ),
        page AS (
            SELECT creative_id, sort_key, sort_key AS rank FROM ranked
            WHERE {cursor}
            ORDER BY sort_key DESC, creative_id DESC
            LIMIT {limit}
        )"""  # noqa: S608 - fixed fragments only; values are parameters
