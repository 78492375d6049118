"""Content task rows: create one with its outbox row, get and list a user's tasks.

The Backend API calls :func:`create_task` inside its own transaction::

    async with pool.acquire() as conn, conn.transaction():
        task_id = await create_task(
            conn, user_id=user.id, kind="brief", creative_ids=[...], parameters={}
        )

so that the task and the ``ContentTaskRequested`` message in ``outbox`` commit together.
Its relay then publishes unsent ``outbox`` rows (``sent_at IS NULL``, in ``id`` order):
``content_codec.decode(row["body"])`` gives the message, ``row["queue"]`` the queue
(``mango-content``) and ``row["trace_id"]`` the trace id to publish it with.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from actors.content.errors import ContentTaskError, CreativesNotFoundError
from actors.content.messages import CONTENT_QUEUE, ContentTaskRequested, content_codec
from actors.content.registry import GeneratorRegistry, default_registry, validate_parameters
from mango import message_type_name, new_trace_id

__all__ = [
    "MAX_CREATIVES_PER_TASK",
    "MAX_PARAMETERS_BYTES",
    "ContentTask",
    "ContentTaskPage",
    "TaskStatus",
    "create_task",
    "get_task",
    "list_tasks",
]

TaskStatus = Literal["queued", "running", "done", "failed"]
MAX_CREATIVES_PER_TASK = 20
MAX_PARAMETERS_BYTES = 16 * 1024
_MAX_PAGE = 100

_json = msgspec.json.Encoder()


class ContentTask(msgspec.Struct, frozen=True, kw_only=True):
    """One content task as stored; ``result`` is the generator's result as JSON data."""

    id: str
    user_id: str
    kind: str
    creative_ids: list[str]
    parameters: dict[str, Any]
    status: TaskStatus
    result: Any = None
    error: str | None = None
    attempts: int = 0
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime


class ContentTaskPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a user's tasks, newest first; ``next_cursor`` is None on the last."""

    tasks: list[ContentTask]
    next_cursor: str | None = None


class _Cursor(msgspec.Struct, array_like=True, frozen=True):
    created_at: datetime
    id: str


async def create_task(
    conn: Any,
    *,
    user_id: str | uuid.UUID,
    kind: str,
    creative_ids: Sequence[str | uuid.UUID],
    parameters: dict[str, Any] | None = None,
    trace_id: str | None = None,
    registry: GeneratorRegistry | None = None,
) -> str:
    """Insert a queued task and its ``ContentTaskRequested`` outbox row; return the task id.

    Runs in the caller's transaction: call it inside ``async with conn.transaction()``.

    Args:
        conn: An asyncpg connection (in a transaction).
        user_id: The owner.
        kind: A registered kind (``brief``, ``copy_variants``, ``script_outline``...).
        creative_ids: 1 to 20 ids of ``creatives`` rows the user saved; duplicates are
            dropped, order kept.
        parameters: The kind's parameters (a JSON object; ``{}`` for the defaults).
        trace_id: Stored with the outbox row for the relay to publish with.
        registry: Where to find kinds; the process-wide one by default.

    Raises:
        UnknownKindError: No generator serves ``kind`` (``field="kind"``).
        InvalidParametersError: The parameters do not fit the kind (``field`` names the
            parameter, e.g. ``parameters.count``).
        CreativesNotFoundError: Some creative does not exist or the user did not save it
            (``field="creative_ids"``); answer 404 or 422.
        ContentTaskError: Other invalid input (bad ids, too many creatives).
    """
    owner = _uuid(user_id, field="user_id")
    generator = (registry or default_registry).get(kind)
    if parameters is None:
        parameters = {}
    validate_parameters(generator, parameters)
    encoded_parameters = _json.encode(parameters).decode()
    if len(encoded_parameters) > MAX_PARAMETERS_BYTES:
        raise ContentTaskError(
            f"parameters take {len(encoded_parameters)} bytes; at most "
            f"{MAX_PARAMETERS_BYTES} are allowed",
            field="parameters",
        )
    ids = _creative_ids(creative_ids)
    found = await conn.fetch(
        """
        SELECT creative_id FROM creative_saves
        WHERE user_id = $1 AND creative_id = ANY($2::uuid[])
        """,
        owner,
        ids,
    )
    missing = set(ids) - {row["creative_id"] for row in found}
    if missing:
        shown = ", ".join(str(i) for i in ids if i in missing)
        raise CreativesNotFoundError(
            f"creatives not found among the user's saved creatives: {shown}",
            field="creative_ids",
        )
    task_id = await conn.fetchval(
        """
        INSERT INTO content_tasks (user_id, kind, creative_ids, parameters)
        VALUES ($1, $2, $3::uuid[], $4::jsonb)
        RETURNING id
        """,
        owner,
        kind,
        ids,
        encoded_parameters,
    )
    message = ContentTaskRequested(task_id=str(task_id), user_id=str(owner))
    await conn.execute(
        """
        INSERT INTO outbox (queue, message_type, body, trace_id) VALUES ($1, $2, $3, $4)
        """,
        CONTENT_QUEUE,
        message_type_name(ContentTaskRequested),
        content_codec.encode(message).decode(),
        trace_id or new_trace_id(),
    )
    return str(task_id)


_COLUMNS = """
    id, user_id, kind, creative_ids, parameters::text AS parameters, status,
    result::text AS result, error, attempts, created_at, started_at, finished_at, updated_at
"""


async def get_task(
    pool: Any, user_id: str | uuid.UUID, task_id: str | uuid.UUID
) -> ContentTask | None:
    """Return the task if it exists and belongs to ``user_id``, else None (answer 404).

    ``pool`` may be a pool or a connection. Ids that are not UUIDs find nothing.
    """
    try:
        owner, task = _uuid(user_id, field="user_id"), _uuid(task_id, field="task_id")
    except ContentTaskError:
        return None
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM content_tasks WHERE id = $1 AND user_id = $2",  # noqa: S608
        task,
        owner,
    )
    return None if row is None else _task(row)


async def list_tasks(
    pool: Any,
    user_id: str | uuid.UUID,
    *,
    limit: int = 50,
    cursor: str | None = None,
    status: TaskStatus | None = None,
    kind: str | None = None,
) -> ContentTaskPage:
    """Return a page of the user's tasks, newest first.

    Args:
        pool: A pool or a connection.
        user_id: The owner; only their tasks are listed.
        limit: Tasks per page, 1 to 100.
        cursor: ``next_cursor`` of the previous page.
        status: Only tasks in this state.
        kind: Only tasks of this kind.

    Raises:
        ContentTaskError: A malformed cursor (``field="cursor"``) or limit.
    """
    owner = _uuid(user_id, field="user_id")
    if not 1 <= limit <= _MAX_PAGE:
        raise ContentTaskError(f"limit must be between 1 and {_MAX_PAGE}", field="limit")
    after = _decode_cursor(cursor) if cursor else None
    rows = await pool.fetch(
        f"""
        SELECT {_COLUMNS} FROM content_tasks
        WHERE user_id = $1
          AND ($2::text IS NULL OR status = $2)
          AND ($3::text IS NULL OR kind = $3)
          AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $6
        """,  # noqa: S608 - only constant text is interpolated
        owner,
        status,
        kind,
        after.created_at if after else None,
        uuid.UUID(after.id) if after else None,
        limit + 1,
    )
    tasks = [_task(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = tasks[-1]
        next_cursor = _encode_cursor(_Cursor(last.created_at, last.id))
    return ContentTaskPage(tasks=tasks, next_cursor=next_cursor)


def _task(row: Any) -> ContentTask:
    return ContentTask(
        id=str(row["id"]),
        user_id=str(row["user_id"]),
        kind=row["kind"],
        creative_ids=[str(i) for i in row["creative_ids"]],
        parameters=msgspec.json.decode(row["parameters"]),
        status=row["status"],
        result=None if row["result"] is None else msgspec.json.decode(row["result"]),
        error=row["error"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        updated_at=row["updated_at"],
    )


def _uuid(value: str | uuid.UUID, *, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ContentTaskError(f"{field} {str(value)[:64]!r} is not a UUID", field=field) from None


def _creative_ids(values: Sequence[str | uuid.UUID]) -> list[uuid.UUID]:
    if isinstance(values, str | bytes):
        raise ContentTaskError("creative_ids must be a list of UUIDs", field="creative_ids")
    ids: list[uuid.UUID] = []
    for index, value in enumerate(values):
        if index >= MAX_CREATIVES_PER_TASK * 4:
            break
        parsed = _uuid(value, field=f"creative_ids[{index}]")
        if parsed not in ids:
            ids.append(parsed)
    if not ids:
        raise ContentTaskError("creative_ids must name at least one creative", field="creative_ids")
    if len(ids) > MAX_CREATIVES_PER_TASK or len(values) > MAX_CREATIVES_PER_TASK * 4:
        raise ContentTaskError(
            f"a task may use at most {MAX_CREATIVES_PER_TASK} creatives", field="creative_ids"
        )
    return ids


_cursor_encoder = msgspec.json.Encoder()
_cursor_decoder = msgspec.json.Decoder(_Cursor)


def _encode_cursor(cursor: _Cursor) -> str:
    return base64.urlsafe_b64encode(_cursor_encoder.encode(cursor)).decode().rstrip("=")


def _decode_cursor(text: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = _cursor_decoder.decode(raw)
        uuid.UUID(cursor.id)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise ContentTaskError(
            "cursor is malformed; pass the next_cursor of the previous page", field="cursor"
        ) from None
    return cursor
