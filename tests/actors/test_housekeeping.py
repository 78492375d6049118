"""Housekeeping against a real PostgreSQL: what is deleted, what is kept, batches, the
advisory lock shared by replicas, the actor's loop and the ``mango housekeep`` command."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import uuid
from typing import Any

from actors.accounts import create_user
from actors.housekeeping import HOUSEKEEPING_LOCK_ID, Housekeeper, Retention, sweep
from mango import Runtime
from tests.actors.test_migrations import MANGO


async def _fill(pool: Any) -> dict[str, Any]:
    """Rows on both sides of each retention boundary; returns the ids that must stay."""
    user = uuid.UUID(await create_user(pool, f"hk-{uuid.uuid4().hex[:8]}@example.com"))

    async def session(expires: str) -> Any:
        return await pool.fetchval(
            "INSERT INTO sessions (user_id, token_hash, expires_at)"
            f" VALUES ($1, $2, now() + interval '{expires}') RETURNING id",
            user,
            secrets.token_bytes(32),
        )

    kept_sessions = {await session("1 day"), await session("-2 hours")}  # live; in grace
    for _ in range(3):
        await session("-3 days")
    for age, key in [("1 day", "fresh"), ("14 days", "two-weeks"), ("16 days", "old-1"),
                     ("30 days", "old-2"), ("400 days", "old-3")]:  # fmt: skip
        await pool.execute(
            "INSERT INTO processed_messages (consumer, message_key, processed_at)"
            f" VALUES ('ads', $1, now() - interval '{age}')",
            key,
        )

    async def outbox(sent: str | None, dead: bool = False) -> Any:
        sent_sql = "NULL" if sent is None else f"now() - interval '{sent}'"
        dead_sql = "now()" if dead else "NULL"
        return await pool.fetchval(
            "INSERT INTO outbox (queue, message_type, body, sent_at, dead_at)"
            f" VALUES ('q', 't', '{{}}', {sent_sql}, {dead_sql}) RETURNING id"
        )

    for age in ["1 hour", "2 days", "30 days"]:
        await pool.execute(
            "INSERT INTO login_failures (key_hash, failed_at)"
            f" VALUES ($1, now() - interval '{age}')",
            secrets.token_bytes(32),
        )
    kept_outbox = {await outbox(None), await outbox(None, dead=True), await outbox("1 day")}
    await outbox("8 days")
    await outbox("90 days")
    return {"sessions": kept_sessions, "outbox": kept_outbox}


async def test_sweep_deletes_only_what_the_retention_no_longer_keeps(pool: Any) -> None:
    kept = await _fill(pool)
    result = await sweep(pool, Retention(), batch_size=2)  # batches smaller than the work
    assert result.ran
    assert (result.sessions, result.processed_messages, result.outbox) == (3, 3, 2)
    assert result.login_failures == 2
    assert await pool.fetchval("SELECT count(*) FROM login_failures") == 1
    assert {r["id"] for r in await pool.fetch("SELECT id FROM sessions")} == kept["sessions"]
    keys = {
        r["message_key"] for r in await pool.fetch("SELECT message_key FROM processed_messages")
    }
    assert keys == {"fresh", "two-weeks"}
    assert {r["id"] for r in await pool.fetch("SELECT id FROM outbox")} == kept["outbox"]
    again = await sweep(pool, Retention())
    assert (again.sessions, again.processed_messages, again.outbox) == (0, 0, 0)


async def test_a_sweep_already_running_elsewhere_is_not_repeated(pool: Any) -> None:
    await _fill(pool)
    async with pool.acquire() as other:
        await other.execute("SELECT pg_advisory_lock($1)", HOUSEKEEPING_LOCK_ID)
        try:
            assert not (await sweep(pool, Retention())).ran
        finally:
            await other.execute("SELECT pg_advisory_unlock($1)", HOUSEKEEPING_LOCK_ID)
    assert (await sweep(pool, Retention())).sessions == 3


async def test_the_housekeeper_sweeps_on_its_interval(pool: Any) -> None:
    await _fill(pool)
    async with Runtime() as runtime:
        keeper = Housekeeper(pool=pool, retention=Retention(), interval=0.05)
        await runtime.spawn(lambda: keeper, name="housekeeper")
        for _ in range(400):
            if keeper.sweeps >= 2:
                break
            await asyncio.sleep(0.05)
        assert keeper.sweeps >= 2
    assert await pool.fetchval("SELECT count(*) FROM processed_messages") == 2


def _housekeep(*args: str, database_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_DATABASE")}
    if database_url is not None:
        env["MANGO_DATABASE_URL"] = database_url
    return subprocess.run(
        [MANGO, "housekeep", *args], capture_output=True, text=True, timeout=60, env=env,
        check=False,
    )  # fmt: skip


async def test_mango_housekeep_sweeps_once(database_url: str, pool: Any) -> None:
    await _fill(pool)
    run = await asyncio.to_thread(_housekeep, database_url=database_url)
    assert run.returncode == 0, run.stderr
    assert (
        "deleted 3 expired sessions, 3 redelivery keys, 2 sent outbox rows, 2 failed log-ins"
        in run.stdout
    )
    run = await asyncio.to_thread(
        _housekeep, "--sent-outbox-days", "0", "--expired-sessions-days", "0",
        database_url=database_url,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "deleted 1 expired sessions, 0 redelivery keys, 1 sent outbox rows" in run.stdout


def test_mango_housekeep_refuses_bad_input(empty_database: str) -> None:
    """Bad flags and settings exit 2 with the reason; an unmigrated database exits 1."""
    for args, needle in [
        (["--processed-messages-days", "3"], "at least 14"),
        (["--sent-outbox-days", "-1"], "between 0 and 3650"),
        (["--expired-sessions-days", "1e9"], "between 0 and 3650"),
        (["--expired-sessions-days", "nan"], "between 0 and 3650"),
        (["--sent-outbox-days", "soon"], "invalid float value"),
        (["--sent-outbox-days", "1; DROP TABLE users"], "invalid float value"),
    ]:
        run = _housekeep(*args, database_url=empty_database)
        assert run.returncode == 2, (args, run.stderr)
        assert needle in run.stderr, (args, run.stderr)
    run = _housekeep(database_url=None)
    assert run.returncode == 2
    assert "MANGO_DATABASE_URL" in run.stderr
    run = _housekeep(database_url=empty_database)
    assert run.returncode == 1
    assert "mango migrate" in run.stderr
    run = _housekeep(database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    assert run.returncode == 1
    assert "cannot reach the database" in run.stderr
