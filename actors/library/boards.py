"""Boards: named collections of a user's saved creatives."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.library.errors import ConflictError, NotFoundError

__all__ = [
    "add_to_board",
    "board_exists",
    "create_board",
    "delete_board",
    "list_boards",
    "remove_from_board",
    "rename_board",
]

Connection = Any
"""An ``asyncpg.Pool`` or connection."""

_BOARD_COLUMNS = """
    b.id, b.name, b.created_at,
    (SELECT count(*) FROM board_items AS i WHERE i.board_id = b.id) AS creative_count
"""


async def list_boards(connection: Connection, user_id: uuid.UUID) -> list[Any]:
    """Return the user's boards by name, each with its number of creatives."""
    return list(
        await connection.fetch(
            f"SELECT {_BOARD_COLUMNS} FROM boards AS b WHERE b.user_id = $1"  # noqa: S608
            " ORDER BY lower(b.name), b.id",
            user_id,
        )
    )


async def board_exists(connection: Connection, user_id: uuid.UUID, board_id: uuid.UUID) -> bool:
    """Return whether ``board_id`` is one of the user's boards."""
    found = await connection.fetchval(
        "SELECT true FROM boards WHERE id = $1 AND user_id = $2", board_id, user_id
    )
    return bool(found)


async def create_board(connection: Connection, user_id: uuid.UUID, name: str) -> Any:
    """Create a board.

    Raises:
        ConflictError: The user has a board of that name (ignoring case).
    """
    try:
        return await connection.fetchrow(
            """
            WITH b AS (INSERT INTO boards (user_id, name) VALUES ($1, $2) RETURNING *)
            SELECT b.id, b.name, b.created_at, 0::bigint AS creative_count FROM b
            """,
            user_id,
            name,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError("you have a board of that name") from None


async def rename_board(
    connection: Connection, user_id: uuid.UUID, board_id: uuid.UUID, name: str
) -> Any:
    """Rename a board.

    Raises:
        NotFoundError: No such board of the user's.
        ConflictError: Another board of the user's has that name.
    """
    try:
        row = await connection.fetchrow(
            f"""
            WITH updated AS (
                UPDATE boards SET name = $3, updated_at = now()
                WHERE id = $1 AND user_id = $2 RETURNING id
            )
            SELECT {_BOARD_COLUMNS} FROM boards AS b JOIN updated AS u ON u.id = b.id
            """,  # noqa: S608 - a fixed column list
            board_id,
            user_id,
            name,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError("you have a board of that name") from None
    if row is None:
        raise NotFoundError("no such board")
    # The CTE's snapshot shows the old name; the update succeeded with the new one.
    return {**dict(row), "name": name}


async def delete_board(connection: Connection, user_id: uuid.UUID, board_id: uuid.UUID) -> bool:
    """Delete a board (its creatives stay saved); ``False`` when there was none."""
    deleted = await connection.fetchval(
        "DELETE FROM boards WHERE id = $1 AND user_id = $2 RETURNING true", board_id, user_id
    )
    return bool(deleted)


async def add_to_board(
    pool: Connection,
    user_id: uuid.UUID,
    board_id: uuid.UUID,
    creative_ids: Sequence[uuid.UUID],
) -> int:
    """Put saved creatives on a board (those already there stay); all or nothing.

    Returns:
        How many distinct creatives are now on the board from ``creative_ids``.

    Raises:
        NotFoundError: The board is not the user's, or one creative is not saved by them.
    """
    wanted = list(dict.fromkeys(creative_ids))
    async with pool.acquire() as connection, connection.transaction():
        if not await connection.fetchval(
            "SELECT true FROM boards WHERE id = $1 AND user_id = $2 FOR UPDATE",
            board_id,
            user_id,
        ):
            raise NotFoundError("no such board")
        saved = await connection.fetch(
            "SELECT creative_id FROM creative_saves WHERE user_id = $1"
            " AND creative_id = ANY($2::uuid[]) FOR SHARE",
            user_id,
            wanted,
        )
        if len(saved) != len(wanted):
            missing = set(wanted) - {row["creative_id"] for row in saved}
            raise NotFoundError(f"not in your library: {sorted(map(str, missing))[0]}")
        await connection.execute(
            "INSERT INTO board_items (board_id, user_id, creative_id)"
            " SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
            board_id,
            user_id,
            wanted,
        )
    return len(wanted)


async def remove_from_board(
    connection: Connection, user_id: uuid.UUID, board_id: uuid.UUID, creative_id: uuid.UUID
) -> bool:
    """Take a creative off a board; ``False`` when it was not on the user's board."""
    removed = await connection.fetchval(
        "DELETE FROM board_items WHERE board_id = $1 AND user_id = $2 AND creative_id = $3"
        " RETURNING true",
        board_id,
        user_id,
        creative_id,
    )
    return bool(removed)
