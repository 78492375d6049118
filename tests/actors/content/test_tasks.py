"""Creating, reading and listing content tasks: one transaction, owner-scoped, validated."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest

from actors.content import (
    CONTENT_QUEUE,
    ContentTaskError,
    ContentTaskRequested,
    CreativesNotFoundError,
    InvalidParametersError,
    UnknownKindError,
    content_codec,
    create_task,
    get_task,
    list_tasks,
)
from tests.actors.content.conftest import add_creative, add_user

outbox_of = "SELECT count(*) FROM outbox WHERE body LIKE $1"


async def test_create_task_writes_task_and_outbox_row_together(pool: Any, owner: str) -> None:
    """The task is queued and its message waits in the outbox, encoded for the relay."""
    creative = await add_creative(pool, owner)
    async with pool.acquire() as conn, conn.transaction():
        task_id = await create_task(
            conn,
            user_id=owner,
            kind="copy_variants",
            creative_ids=[creative, creative],
            parameters={"count": 3},
            trace_id="trace-1",
        )
    task = await get_task(pool, owner, task_id)
    assert task is not None
    assert (task.status, task.kind, task.attempts) == ("queued", "copy_variants", 0)
    assert task.creative_ids == [creative]
    assert task.parameters == {"count": 3}
    rows = await pool.fetch("SELECT * FROM outbox WHERE body LIKE $1", f"%{task_id}%")
    assert len(rows) == 1
    row = rows[0]
    assert (row["queue"], row["message_type"], row["trace_id"]) == (
        CONTENT_QUEUE,
        "content.task_requested",
        "trace-1",
    )
    assert row["sent_at"] is None
    assert row["attempts"] == 0
    assert content_codec.decode(row["body"]) == ContentTaskRequested(task_id=task_id, user_id=owner)


async def test_rolled_back_transaction_leaves_neither_row(pool: Any, owner: str) -> None:
    """The caller's rollback removes the task and its outbox row alike."""
    creative = await add_creative(pool, owner)
    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await create_task(conn, user_id=owner, kind="brief", creative_ids=[creative])
            raise RuntimeError("the API failed after create_task")
    assert await pool.fetchval("SELECT count(*) FROM content_tasks WHERE user_id = $1", owner) == 0
    assert await pool.fetchval(outbox_of, f"%{owner}%") == 0


@pytest.mark.parametrize(
    ("kind", "creatives", "parameters", "error", "field"),
    [
        ("poem", 1, {}, UnknownKindError, "kind"),
        ("copy_variants", 1, {"count": "five"}, InvalidParametersError, "parameters.count"),
        ("copy_variants", 1, {"count": 10**9}, InvalidParametersError, "parameters.count"),
        ("copy_variants", 1, {"tone": ["x"]}, InvalidParametersError, "parameters.tone"),
        ("script_outline", 1, {"duration_seconds": -1}, InvalidParametersError, None),
        ("brief", 1, {"surprise": True}, InvalidParametersError, "parameters"),
        ("brief", 0, {}, ContentTaskError, "creative_ids"),
        ("brief", 21, {}, ContentTaskError, "creative_ids"),
        ("brief", 1, {"max_claims": 3, "x": "y" * 20000}, InvalidParametersError, None),
    ],
)
async def test_invalid_requests_name_the_field(
    pool: Any,
    owner: str,
    kind: str,
    creatives: int,
    parameters: dict[str, Any],
    error: type[Exception],
    field: str | None,
) -> None:
    """Unknown kinds, wrong parameter types, huge counts and bad id lists are refused."""
    ids = [str(uuid.uuid4()) for _ in range(creatives)]
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(error) as caught:
            await create_task(
                conn, user_id=owner, kind=kind, creative_ids=ids, parameters=parameters
            )
    assert isinstance(caught.value, ContentTaskError)
    if field is not None:
        assert caught.value.field == field
    assert str(caught.value)
    assert await pool.fetchval(outbox_of, f"%{owner}%") == 0


async def test_creatives_of_another_user_are_not_found(pool: Any, owner: str) -> None:
    """A creative the user did not save (even if it exists) is refused, not leaked."""
    other = await add_user(pool)
    theirs = await add_creative(pool, other)
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(CreativesNotFoundError, match=theirs):
            await create_task(conn, user_id=owner, kind="brief", creative_ids=[theirs])


async def test_get_and_list_are_scoped_to_the_owner(pool: Any, owner: str) -> None:
    """Another user's task is invisible; listing pages newest first with a cursor."""
    creative = await add_creative(pool, owner)
    ids = []
    for _ in range(5):
        async with pool.acquire() as conn, conn.transaction():
            ids.append(
                await create_task(conn, user_id=owner, kind="brief", creative_ids=[creative])
            )
    other = await add_user(pool)
    assert await get_task(pool, other, ids[0]) is None
    assert await get_task(pool, owner, "not-a-uuid") is None
    assert (await list_tasks(pool, other)).tasks == []
    first = await list_tasks(pool, owner, limit=3)
    assert [t.id for t in first.tasks] == ids[::-1][:3]
    assert first.next_cursor is not None
    second = await list_tasks(pool, owner, limit=3, cursor=first.next_cursor)
    assert [t.id for t in second.tasks] == ids[::-1][3:]
    assert second.next_cursor is None
    assert len((await list_tasks(pool, owner, status="queued", kind="brief")).tasks) == 5
    assert (await list_tasks(pool, owner, status="done")).tasks == []
    with pytest.raises(ContentTaskError, match="cursor"):
        await list_tasks(pool, owner, cursor="!!garbage!!")
    msgspec.json.encode(first)  # the API can serialise a page as is
