"""The content-consumer in-process (memory queue, real PostgreSQL): each task runs once,
moves queued -> running -> done or failed, and redeliveries change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from actors.content import (
    CONTENT_QUEUE,
    ContentTaskRequested,
    GenerationUnavailableError,
    TaskInput,
    content_codec,
    create_task,
    get_task,
    register_generator,
)
from actors.content.brief import BriefParameters, BriefResult
from actors.content.service import service
from mango.testing import ServiceHarness, run_service
from tests.actors.content.conftest import add_creative


class FlakyBrief:
    """Fails ``failures`` times with a retryable error, then returns an empty brief."""

    kind = "test_flaky"
    parameters_type = BriefParameters
    result_type = BriefResult

    def __init__(self) -> None:
        self.failures = 0
        self.calls = 0

    async def generate(self, task: TaskInput) -> msgspec.Struct:
        self.calls += 1
        if self.calls <= self.failures:
            raise GenerationUnavailableError(f"backend down (call {self.calls})")
        return BriefResult(creatives=[], common_claims=[], platforms=[], longest_running=None)


FLAKY = FlakyBrief()
register_generator(FLAKY, replace=True)


@pytest.fixture
def consumer_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_CONTENT_TASK_LEASE_SECONDS", "1")
    monkeypatch.delenv("MANGO_CONTENT_LLM_URL", raising=False)


@pytest.fixture
async def harness(consumer_env: None) -> AsyncIterator[ServiceHarness]:
    async with run_service(service) as running:
        yield running


async def request(pool: Any, owner: str, kind: str, creatives: list[str], **parameters: Any) -> str:
    """Create a task as the Backend API does, and return its id."""
    async with pool.acquire() as conn, conn.transaction():
        return await create_task(
            conn, user_id=owner, kind=kind, creative_ids=creatives, parameters=parameters
        )


async def relay(harness: ServiceHarness, pool: Any, owner: str) -> None:
    """Publish the owner's unsent outbox rows (what the Backend API's relay does)."""
    rows = await pool.fetch(
        "SELECT id, body FROM outbox WHERE sent_at IS NULL AND body LIKE $1 ORDER BY id",
        f"%{owner}%",
    )
    for row in rows:
        await harness.publish(CONTENT_QUEUE, content_codec.decode(row["body"]))
        await pool.execute("UPDATE outbox SET sent_at = now() WHERE id = $1", row["id"])
    await harness.wait_idle()


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("brief", {}),
        ("copy_variants", {"count": 4, "tone": "playful"}),
        ("script_outline", {"duration_seconds": 20}),
    ],
)
async def test_each_kind_runs_to_done(
    harness: ServiceHarness, pool: Any, owner: str, kind: str, parameters: dict[str, Any]
) -> None:
    """A requested task of every built-in kind ends done, with its result stored."""
    creatives = [await add_creative(pool, owner), await add_creative(pool, owner, body=None)]
    task_id = await request(pool, owner, kind, creatives, **parameters)
    await relay(harness, pool, owner)
    task = await get_task(pool, owner, task_id)
    assert task is not None
    assert (task.status, task.attempts, task.error) == ("done", 1, None)
    assert task.started_at is not None
    assert task.finished_at is not None
    assert isinstance(task.result, dict)
    if kind == "copy_variants":
        assert len(task.result["variants"]) == 4
    if kind == "brief":
        assert task.result["creatives"][0]["days_running"] == 45
        assert task.result["creatives"][0]["media"]["videos"] == 1


async def test_redelivered_message_does_not_redo_a_done_task(
    harness: ServiceHarness, pool: Any, owner: str
) -> None:
    """The same message twice (relay resent it, or SQS redelivered) runs the task once."""
    creative = await add_creative(pool, owner)
    task_id = await request(pool, owner, "brief", [creative])
    await relay(harness, pool, owner)
    before = await get_task(pool, owner, task_id)
    await harness.publish(CONTENT_QUEUE, ContentTaskRequested(task_id=task_id, user_id=owner))
    await harness.publish(CONTENT_QUEUE, ContentTaskRequested(task_id=task_id, user_id=owner))
    await harness.wait_idle()
    after = await get_task(pool, owner, task_id)
    assert before is not None
    assert after == before
    assert (await harness.stats(CONTENT_QUEUE)).dead_letters == 0


async def test_task_left_running_by_a_crash_is_run_again(
    harness: ServiceHarness, pool: Any, owner: str
) -> None:
    """A task stuck in running (its worker died) is retried once its lease expired."""
    creative = await add_creative(pool, owner)
    task_id = await request(pool, owner, "brief", [creative])
    await pool.execute(
        "UPDATE content_tasks SET status = 'running', attempts = 1, updated_at = now() "
        "WHERE id = $1",
        task_id,
    )
    await relay(harness, pool, owner)  # fresh lease: the delivery waits, then takes over
    task = await get_task(pool, owner, task_id)
    assert task is not None
    assert (task.status, task.attempts) == ("done", 2)


async def test_transient_failures_retry_then_succeed(
    harness: ServiceHarness, pool: Any, owner: str
) -> None:
    """A generator that is down twice succeeds on the third delivery; attempts are counted."""
    FLAKY.calls, FLAKY.failures = 0, 2
    creative = await add_creative(pool, owner)
    task_id = await request(pool, owner, "test_flaky", [creative])
    await relay(harness, pool, owner)
    task = await get_task(pool, owner, task_id)
    assert task is not None
    assert (task.status, task.attempts, task.error) == ("done", 3, None)


async def test_transient_failures_give_up_after_the_last_delivery(
    harness: ServiceHarness, pool: Any, owner: str
) -> None:
    """On the queue's last delivery a retryable failure becomes final, with the reason."""
    FLAKY.calls, FLAKY.failures = 0, 100
    creative = await add_creative(pool, owner)
    task_id = await request(pool, owner, "test_flaky", [creative])
    await relay(harness, pool, owner)
    task = await get_task(pool, owner, task_id)
    assert task is not None
    assert task.status == "failed"
    assert task.attempts == 5
    assert task.error is not None
    assert "gave up after 5 attempts: backend down (call 5)" in task.error
    assert (await harness.stats(CONTENT_QUEUE)).dead_letters == 0


async def test_permanent_failures_fail_at_once(
    harness: ServiceHarness, pool: Any, owner: str
) -> None:
    """Unknown kinds, unsaved creatives and bad parameters fail on the first attempt."""
    creative = await add_creative(pool, owner)
    unsaved = await request(pool, owner, "brief", [creative])
    await pool.execute("DELETE FROM creative_saves WHERE creative_id = $1", creative)
    other = await add_creative(pool, owner)
    unknown = await request(pool, owner, "brief", [other])
    await pool.execute("UPDATE content_tasks SET kind = 'poem' WHERE id = $1", unknown)
    bad = await request(pool, owner, "copy_variants", [other])
    await pool.execute(
        """UPDATE content_tasks SET parameters = '{"count": "many"}' WHERE id = $1""", bad
    )
    await relay(harness, pool, owner)
    reasons = {
        "unsaved": "creatives no longer saved",
        "unknown": "unknown content kind 'poem'",
        "bad": "parameters.count: Expected `int`, got `str`",
    }
    for name, task_id in {"unsaved": unsaved, "unknown": unknown, "bad": bad}.items():
        task = await get_task(pool, owner, task_id)
        assert task is not None
        assert (task.status, task.attempts) == ("failed", 1), name
        assert task.error is not None
        assert reasons[name] in task.error


async def test_malformed_ids_are_dead_lettered(harness: ServiceHarness) -> None:
    """A message whose ids are not UUIDs goes to the dead-letter queue."""
    await harness.publish(CONTENT_QUEUE, ContentTaskRequested(task_id="x", user_id="y"))
    await harness.wait_idle()
    assert (await harness.stats(CONTENT_QUEUE)).dead_letters == 1
