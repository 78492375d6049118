"""Replicas come and go while messages flow: none lost, no effect applied twice.

N replicas of one consumer service run as real `mango run` processes against one fauxqs
server and PostgreSQL, scaling 1 -> 2 -> 3 -> 4 -> 3 -> 2 -> 1. The service is
``tests/mango/process_worker.py``: each delivery is recorded in ``attempts``, and the
effect (not idempotent by itself) is applied only with a new processed-message record in
the same transaction. Messages are published in batches, one per phase, and each scaling
step happens while half of the previous batch is still queued or in flight, so replicas
start and drain with work on the queue. No timing is asserted; the throughput per phase is
printed (`benchmarks/scale.py` measures it properly, with 20,000 messages).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from mango.transport import OutgoingMessage, QueueSpec
from mango.transport.sqs import SqsBroker
from tests.mango.process_worker import DSN_VARIABLE, QUEUE, SCHEMA, ProcessJob, codec
from tests.servers.postgres import PostgresServer
from tests.servers.sqs import SqsServer, free_port, worker_env

ROOT = Path(__file__).resolve().parents[2]
MANGO = str(Path(sys.executable).with_name("mango"))
MESSAGES = 5_000
PHASES = (1, 2, 3, 4, 3, 2, 1)
GRACE_SECONDS = 10
VISIBILITY_SECONDS = 10


class Replica:
    """One `mango run tests.mango.process_worker:service` process with its health port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.health_port = free_port()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [MANGO, "run", "tests.mango.process_worker:service"],
                cwd=ROOT,
                env={**env, "MANGO_HEALTH_PORT": str(self.health_port)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def get(self, path: str) -> tuple[int | None, str]:
        url = f"http://127.0.0.1:{self.health_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError:
            return None, ""

    def check_alive(self) -> None:
        output = self.log.read_text(errors="replace")[-3000:]
        assert self.process.poll() is None, f"replica exited:\n{output}"

    async def wait_ready(self) -> None:
        """Until /readyz on the health port (what the image's HEALTHCHECK sits next to) is 200."""
        deadline = time.monotonic() + 60
        while (await asyncio.to_thread(self.get, "/readyz"))[0] != 200:
            self.check_alive()
            assert time.monotonic() < deadline, "replica not ready within 60 s"
            await asyncio.sleep(0.05)

    async def terminate(self) -> int:
        """SIGTERM (what `docker service scale` sends) and wait for the drain to finish."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, GRACE_SECONDS + 10)


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    """Every replica a test starts; any still running at its end is killed."""
    started: list[Replica] = []
    yield started
    for replica in started:
        if replica.process.poll() is None:
            replica.process.kill()
            replica.process.wait(timeout=10)


@pytest.fixture
def dsn(postgres_server: PostgresServer) -> str:
    """A fresh database for this test (created outside its event loop)."""
    return postgres_server.create_database()


async def wait_until(
    condition: Any, running: list[Replica], what: str, within: float = 180
) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        for replica in running:
            replica.check_alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_scaling_one_to_four_and_back_loses_and_doubles_nothing(
    fauxqs_server: SqsServer,
    dsn: str,
    replicas: list[Replica],
    tmp_path: Path,
) -> None:
    """5,000 messages, replicas 1 -> 4 -> 1 with work in flight at every step: every effect
    exactly once, every stopped replica exits 0 after its drain, every replica took part,
    and the queue and its dead-letter queue end empty."""
    database = await asyncpg.connect(dsn)
    await database.execute(SCHEMA)

    async def effects() -> int:
        count: int = await database.fetchval("SELECT count(*) FROM effects")
        return count

    prefix = f"sc{uuid.uuid4().hex[:8]}-"
    spec = QueueSpec(name=prefix + QUEUE, visibility_timeout=VISIBILITY_SECONDS)
    keys = [f"job-{i:05d}" for i in range(MESSAGES)]
    batches = [keys[i :: len(PHASES)] for i in range(len(PHASES))]
    env = worker_env(
        fauxqs_server,
        prefix=prefix,
        queue_visibility_timeout=str(VISIBILITY_SECONDS),
        consumer_concurrency="10",
        consumer_wait_seconds="2",
        shutdown_grace_seconds=str(GRACE_SECONDS),
        log_level="warning",
    ) | {DSN_VARIABLE: dsn}
    running: list[Replica] = []
    exit_statuses: list[int] = []
    try:
        async with SqsBroker(**fauxqs_server.broker_options()) as broker:
            await broker.create_queue(spec)
            queue = await broker.open_queue(spec)
            published = 0
            for phase, (count, batch) in enumerate(zip(PHASES, batches, strict=True), 1):
                while len(running) < count:
                    replica = Replica(env, tmp_path / f"replica-{len(replicas)}.log")
                    replicas.append(replica)
                    running.append(replica)
                    await replica.wait_ready()
                while len(running) > count:
                    exit_statuses.append(await running.pop(0).terminate())
                began, began_at = await effects(), time.monotonic()
                for start in range(0, len(batch), 10):
                    entries = [
                        OutgoingMessage(id=str(i), body=codec.encode(ProcessJob(key=key)))
                        for i, key in enumerate(batch[start : start + 10])
                    ]
                    assert not (await queue.send_batch(entries)).failed
                published += len(batch)
                # Scale again with half of this batch still queued or in flight.
                half_done = published - len(batch) // 2

                async def reached(threshold: int = half_done) -> bool:
                    return await effects() >= threshold

                await wait_until(reached, running, f"phase {phase}")
                done = await effects() - began
                rate = done / (time.monotonic() - began_at)
                print(f"phase {phase}: {count} replica(s), {done} effects, {rate:,.0f}/s")

            async def drained() -> bool:
                stats = await queue.stats()
                return await effects() == MESSAGES and (stats.visible, stats.in_flight) == (0, 0)

            await wait_until(drained, running, "every effect")
            status, metrics = await asyncio.to_thread(running[0].get, "/metrics")
            assert status == 200
            # What an SRE scrapes: the replica's processed count for this queue.
            processed = [
                line
                for line in metrics.splitlines()
                if line.startswith("mango_messages_processed_total{") and spec.name in line
            ]
            assert processed, "the health port serves the consumer's metrics"
            while running:
                exit_statuses.append(await running.pop().terminate())
            stats = await queue.stats()
            assert (stats.visible, stats.in_flight, stats.delayed, stats.dead_letters) == (
                0,
                0,
                0,
                0,
            )

        assert exit_statuses == [0] * len(replicas), "every replica drains and exits 0"
        rows = await database.fetch("SELECT key, applied FROM effects")
        assert sorted(row["key"] for row in rows) == keys  # none lost, none extra
        assert {row["applied"] for row in rows} == {1}  # no effect applied twice
        attempts = await database.fetchval("SELECT count(*) FROM attempts")
        assert await database.fetchval("SELECT count(DISTINCT key) FROM attempts") == MESSAGES
        workers = {row["pid"] for row in await database.fetch("SELECT DISTINCT pid FROM attempts")}
        assert workers == {replica.process.pid for replica in replicas}, "every replica worked"
        print(
            f"replicas: {len(replicas)}, attempts: {attempts}, redelivered: {attempts - MESSAGES}"
        )
    finally:
        await database.close()
