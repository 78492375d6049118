"""Content tasks through the API, and the outbox relay under faults: every task's message
reaches the content queue exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from actors.content import CONTENT_QUEUE, ContentTaskRequested, content_codec
from actors.outbox import OutboxRelay, OutboxRoute
from mango.service import queue_spec
from mango.transport.sqs import SqsBroker
from tests.gateways.backend_api.conftest import save_creative


def _task_ids(messages) -> list[str]:
    decoded = [content_codec.decode(m.body) for m in messages]
    assert all(isinstance(m, ContentTaskRequested) for m in decoded)
    return [m.task_id for m in decoded]


async def _unsent(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")


async def _wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_create_list_get_and_relay_to_the_queue(api):
    """POST answers 202 with the queued task; its message reaches the queue once, with the
    task and user ids; list and get show it; bad kinds, parameters and ids are refused."""
    client = await api.user()
    creative = await save_creative(api.pool, client.user_id)
    created = await client.call(
        "POST", "/v1/content-tasks", {"kind": "brief", "creative_ids": [creative], "parameters": {}}
    )
    assert created.status == 202, created.body
    task = created.body
    assert task["status"] == "queued"
    assert task["creative_ids"] == [creative]
    assert created.headers["Location"] == f"/v1/content-tasks/{task['id']}"
    messages = await api.receive_all(1)
    message = content_codec.decode(messages[0].body)
    assert (message.task_id, message.user_id) == (task["id"], client.user_id)
    await _wait_for(lambda: _unsent_is_zero(api.pool))
    listed = await client.call("GET", "/v1/content-tasks")
    assert [t["id"] for t in listed.body["tasks"]] == [task["id"]]
    got = await client.call("GET", f"/v1/content-tasks/{task['id']}")
    assert got.status == 200
    assert got.body["kind"] == "brief"
    for body, status in [
        ({"kind": "poem", "creative_ids": [creative]}, 400),
        ({"kind": "brief", "creative_ids": []}, 400),
        ({"kind": "brief", "creative_ids": ["nope"]}, 400),
        ({"kind": "brief", "creative_ids": [creative], "parameters": {"bogus": 1}}, 400),
        ({"kind": "brief", "creative_ids": [str(uuid.uuid4())]}, 404),
    ]:
        answer = await client.call("POST", "/v1/content-tasks", body)
        assert answer.status == status, (body, answer.body)
    await api.assert_no_more_messages()


async def _unsent_is_zero(pool) -> bool:
    return await _unsent(pool) == 0


@pytest.mark.slow
async def test_relay_stopped_after_commit_then_restarted(start_backend_api):
    """Tasks committed while the relay is stopped (as if the process died after the
    commit) are all published once the service runs again: exactly once each."""
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    async with start_backend_api(queue_prefix=prefix) as first:
        client = await first.user()
        creative = await save_creative(first.pool, client.user_id)
        relay = next(ref for ref in first.context.runtime.actors if ref.name == "outbox-relay")
        await relay.stop()
        await first.pool.execute("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL")
        task_ids = []
        for _ in range(12):
            answer = await client.call(
                "POST", "/v1/content-tasks", {"kind": "copy_variants", "creative_ids": [creative]}
            )
            assert answer.status == 202
            task_ids.append(answer.body["id"])
        assert await _unsent(first.pool) == 12
        await first.assert_no_more_messages()
    async with start_backend_api(queue_prefix=prefix, create_queue=False) as second:
        messages = await second.receive_all(12)
        await second.assert_no_more_messages(wait=2)
        assert sorted(_task_ids(messages)) == sorted(task_ids)
        await _wait_for(lambda: _unsent_is_zero(second.pool))


@pytest.mark.slow
async def test_two_relays_never_send_a_row_twice(api):
    """Two relays on the same table (two replicas) share the rows: each is sent once."""
    client = await api.user()
    creative = await save_creative(api.pool, client.user_id)
    publisher = await api.context.publisher(CONTENT_QUEUE, codec=content_codec, sender="test")
    second = await api.context.runtime.spawn(
        lambda: OutboxRelay(
            pool=api.pool,
            routes={CONTENT_QUEUE: OutboxRoute(publisher, content_codec)},
            poll_interval=0.05,
            batch_size=3,
        ),
        name="outbox-relay-2",
    )
    answers = await asyncio.gather(
        *(
            client.call("POST", "/v1/content-tasks", {"kind": "brief", "creative_ids": [creative]})
            for _ in range(25)
        )
    )
    assert {a.status for a in answers} == {202}
    messages = await api.receive_all(25)
    await api.assert_no_more_messages(wait=2)
    assert sorted(_task_ids(messages)) == sorted(a.body["id"] for a in answers)
    await second.stop()


@pytest.mark.slow
async def test_queue_unreachable_then_back(start_backend_api, dedicated_sqs_server):
    """With the queue server down for 10 s, tasks are accepted and their rows stay
    unsent; once it is back, each goes out exactly once."""
    sqs = dedicated_sqs_server("moto")
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    async with start_backend_api(sqs=sqs, queue_prefix=prefix) as api:
        client = await api.user()
        creative = await save_creative(api.pool, client.user_id)
        await api.pool.execute("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL")
        sqs.stop()
        task_ids = []
        for _ in range(3):
            answer = await client.call(
                "POST", "/v1/content-tasks", {"kind": "brief", "creative_ids": [creative]}
            )
            assert answer.status == 202
            task_ids.append(answer.body["id"])
        await asyncio.sleep(10)  # the queue is unreachable for 10 s
        assert await _unsent(api.pool) == 3
        sqs.start()
        spec = queue_spec(api.context.settings, CONTENT_QUEUE)
        async with SqsBroker(**sqs.broker_options()) as broker:
            await broker.create_queue(spec)  # a restarted moto has no queues
        messages = await api.receive_all(3, timeout=60)
        await api.assert_no_more_messages(wait=2)
        assert sorted(_task_ids(messages)) == sorted(task_ids)
        await _wait_for(lambda: _unsent_is_zero(api.pool), timeout=30)
