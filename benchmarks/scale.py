"""Scale a consumer service from 1 to 4 and back to 1 replica while 20,000 messages flow.

Each replica is a real ``mango run benchmarks.scale:service`` process (this module is also
the service) against one fauxqs server and PostgreSQL. The handler applies each message's
effect once: a processed-message record written with ``INSERT ... ON CONFLICT DO NOTHING``
in the same transaction as a deliberately non-idempotent effect (``applied + 1``), and an
``attempts`` row per delivery outside it. At the end every message must have exactly one
effect (none lost, none doubled), whatever the scaling did.

Throughput is measured per phase: after a scale-up, from the moment the new replica
answers ``/readyz`` on its health port; after a scale-down, from the moment the stopped
replica has exited (it drains first, and must exit 0).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.report import Section, SuiteOptions, Table, format_rate
from mango import Actor, Message, MessageCodec, handler
from mango.service import Service, ServiceContext

ROOT = Path(__file__).resolve().parents[1]
FAUXQS_CLI = ROOT / "tools" / "node_modules" / "fauxqs" / "dist" / "cli.js"
MANGO = str(Path(sys.executable).with_name("mango"))
LOCAL_DSN = os.environ.get(
    "MANGO_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DSN_VARIABLE = "SCALE_BENCH_DSN"
QUEUE = "scale-jobs"
MESSAGES = 20_000
PHASES = (1, 2, 3, 4, 3, 2, 1)
CONCURRENCY = 16
GRACE_SECONDS = 10
VISIBILITY_SECONDS = 30
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
REGION = "us-east-1"

SCHEMA = """
CREATE TABLE processed_messages (key text PRIMARY KEY, pid integer NOT NULL);
CREATE TABLE effects (key text PRIMARY KEY, applied integer NOT NULL);
CREATE TABLE attempts (id bigserial PRIMARY KEY, key text NOT NULL, pid integer NOT NULL);
"""

# -- the service every replica runs ------------------------------------------------------------


class ScaleJob(Message, frozen=True, tag="bench.scale_job"):
    """One message whose effect must be applied exactly once."""

    key: str


codec = MessageCodec([ScaleJob])


class EffectWriter(Actor):
    """Applies each job's effect once, guarded by a processed-message record."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.pid = os.getpid()

    @handler
    async def job(self, message: ScaleJob) -> None:
        async with self.pool.acquire() as connection:
            await connection.execute(
                "INSERT INTO attempts (key, pid) VALUES ($1, $2)", message.key, self.pid
            )
            async with connection.transaction():
                first = await connection.fetchval(
                    "INSERT INTO processed_messages (key, pid) VALUES ($1, $2) "
                    "ON CONFLICT (key) DO NOTHING RETURNING key",
                    message.key,
                    self.pid,
                )
                if first is not None:
                    await connection.execute(
                        "INSERT INTO effects (key, applied) VALUES ($1, 1) "
                        "ON CONFLICT (key) DO UPDATE SET applied = effects.applied + 1",
                        message.key,
                    )


def _pool(context: ServiceContext) -> AbstractAsyncContextManager[Any]:
    size = context.settings.consumer_concurrency
    return asyncpg.create_pool(os.environ[DSN_VARIABLE], min_size=1, max_size=size)  # type: ignore[return-value]


async def _start(context: ServiceContext) -> None:
    pool = context.shared("scale-bench.db", lambda: _pool(context)).value
    context.readiness.add_check("database", lambda: pool.fetchval("SELECT 1"))
    writer = await context.runtime.spawn(
        lambda: EffectWriter(pool),
        name="effect-writer",
        instances=context.settings.consumer_concurrency,
    )
    await context.consume(QUEUE, codec=codec, target=writer)


service = Service(
    name="scale-bench",
    summary="Benchmark: applies each scale-jobs message's effect in PostgreSQL exactly once.",
    queues=(QUEUE,),
    configure=lambda context: context.shared("scale-bench.db", lambda: _pool(context)) and None,
    start=_start,
)

# -- servers and replicas ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> int | None:
    """The HTTP status of ``url``, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class Fauxqs:
    """A fauxqs server (npm, tools/node_modules) on a free loopback port."""

    def __init__(self, log: Path) -> None:
        if not FAUXQS_CLI.exists():
            raise RuntimeError("fauxqs is not installed in tools/node_modules; run `make install`")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **CREDENTIALS, "FAUXQS_PORT": str(self.port)}
        env.update(FAUXQS_HOST="127.0.0.1", FAUXQS_LOGGER="false")
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [shutil.which("node") or "node", str(FAUXQS_CLI)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while _answers(self.url) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fauxqs did not start: {log.read_text()[-1000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Replica:
    """One ``mango run benchmarks.scale:service`` process with its own health port."""

    env: dict[str, str]
    log: Path
    health_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**self.env, "MANGO_HEALTH_PORT": str(self.health_port)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [MANGO, "run", "benchmarks.scale:service"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"replica {self.pid} exited:\n{self.log.read_text()[-2000:]}")

    async def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        url = f"http://127.0.0.1:{self.health_port}/readyz"
        while await asyncio.to_thread(_answers, url) != 200:
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica {self.pid} not ready within {within} s")
            await asyncio.sleep(0.05)

    async def stop(self) -> int:
        """SIGTERM and wait for the drain; return the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, GRACE_SECONDS + 15)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@asynccontextmanager
async def database() -> Any:
    """A fresh database on the local PostgreSQL (or an embedded one), dropped afterwards."""
    embedded = None
    admin_dsn = LOCAL_DSN
    try:
        connection = await asyncpg.connect(admin_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        import pgserver  # type: ignore[import-untyped]

        embedded = pgserver.get_server(tempfile.mkdtemp(prefix="scale-pg-"), cleanup_mode="stop")
        admin_dsn = embedded.get_uri()
        connection = await asyncpg.connect(admin_dsn, timeout=5)
    name = f"mango_bench_{uuid.uuid4().hex[:12]}"
    await connection.execute(f'CREATE DATABASE "{name}"')
    base, _, rest = admin_dsn.rpartition("/")
    query = "?" + rest.split("?", 1)[1] if "?" in rest else ""
    try:
        yield f"{base}/{name}{query}"
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
        if embedded is not None:
            embedded.cleanup()


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# -- the scenario ----------------------------------------------------------------------------


@dataclass
class Phase:
    """One measurement window at a fixed number of replicas."""

    replicas: int
    messages: int
    seconds: float
    cpu_busy: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Outcome:
    """What one run showed."""

    messages: int
    phases: list[Phase]
    effects: int
    doubled: int
    attempts: int
    stop_statuses: list[int]
    stranded: int
    replicas_that_worked: int
    replicas_started: int
    dead_letters: int
    seconds: float


async def publish(broker: Any, spec: Any, keys: list[str]) -> None:
    from mango.transport import OutgoingMessage

    queue = await broker.open_queue(spec)

    async def send(chunk: list[str]) -> None:
        entries = [
            OutgoingMessage(id=str(i), body=codec.encode(ScaleJob(key=key)))
            for i, key in enumerate(chunk)
        ]
        result = await queue.send_batch(entries)
        assert not result.failed, result.failed

    batches = [keys[i : i + 10] for i in range(0, len(keys), 10)]
    for start in range(0, len(batches), 16):
        await asyncio.gather(*(send(batch) for batch in batches[start : start + 16]))


async def run_scenario(messages: int, work_dir: Path, phases: tuple[int, ...] = PHASES) -> Outcome:
    """Run the 1 -> 4 -> 1 scenario once against fresh servers; return what it showed."""
    from mango.transport import QueueSpec
    from mango.transport.sqs import SqsBroker

    fauxqs = Fauxqs(work_dir / "fauxqs.log")
    replicas: list[Replica] = []
    everyone: list[Replica] = []
    try:
        async with database() as dsn:
            db = await asyncpg.connect(dsn)
            await db.execute(SCHEMA)
            prefix = f"sc{uuid.uuid4().hex[:8]}-"
            spec = QueueSpec(
                name=prefix + QUEUE, visibility_timeout=VISIBILITY_SECONDS, max_receive_count=5
            )
            options = {
                "endpoint_url": fauxqs.url,
                "region": REGION,
                "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing",
                "aws_session_token": "testing",
            }
            keys = [f"job-{i:06d}" for i in range(messages)]
            env = {
                **os.environ,
                **CREDENTIALS,
                "PYTHONPATH": str(ROOT),
                "MANGO_QUEUE_BACKEND": "sqs",
                "MANGO_SQS_ENDPOINT_URL": fauxqs.url,
                "MANGO_SQS_REGION": REGION,
                "MANGO_QUEUE_PREFIX": prefix,
                "MANGO_QUEUE_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
                "MANGO_CONSUMER_CONCURRENCY": str(CONCURRENCY),
                "MANGO_CONSUMER_WAIT_SECONDS": "2",
                "MANGO_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
                "MANGO_LOG_FORMAT": "json",
                "MANGO_LOG_LEVEL": "warning",
                DSN_VARIABLE: dsn,
            }
            async with SqsBroker(**options) as broker:
                await broker.create_queue(spec)
                queue = await broker.open_queue(spec)
                await publish(broker, spec, keys)

                async def effects() -> int:
                    count: int = await db.fetchval("SELECT count(*) FROM effects")
                    return count

                measured: list[Phase] = []
                stop_statuses: list[int] = []
                stranded = 0
                started_at = time.monotonic()
                for index, count in enumerate(phases):
                    while len(replicas) < count:
                        replica = Replica(env, work_dir / f"replica-{len(everyone)}.log")
                        replica.start()
                        replicas.append(replica)
                        everyone.append(replica)
                        await replica.wait_ready()
                    while len(replicas) > count:
                        stop_statuses.append(await replicas.pop().stop())
                    last = index == len(phases) - 1
                    begin, begin_at, cpu_begin = await effects(), time.monotonic(), cpu_times()
                    # What is left, shared by the phases left (replicas warming up took some).
                    share = (messages - begin) // (len(phases) - index)
                    target = messages if last else min(messages, begin + max(1, share))
                    sampled_at = 0.0
                    while (done := await effects()) < target:
                        for replica in replicas:
                            replica.check_alive()
                        if time.monotonic() - sampled_at > 0.5:
                            # Invisible messages beyond what the live replicas can hold are
                            # held by nobody: received by a replica that has stopped.
                            sampled_at = time.monotonic()
                            held = (await queue.stats()).in_flight - CONCURRENCY * len(replicas)
                            stranded = max(stranded, held)
                        await asyncio.sleep(0.05)
                    busy, total = (
                        now - then for now, then in zip(cpu_times(), cpu_begin, strict=True)
                    )
                    measured.append(
                        Phase(
                            count,
                            done - begin,
                            time.monotonic() - begin_at,
                            busy / total if total else 0,
                        )
                    )
                elapsed = time.monotonic() - started_at
                while True:  # every effect is in; wait for the deletes to reach the queue
                    stats = await queue.stats()
                    if (stats.visible, stats.in_flight) == (0, 0):
                        break
                    await asyncio.sleep(0.1)
                while replicas:
                    stop_statuses.append(await replicas.pop().stop())
                dead_letters = (await queue.stats()).dead_letters
            rows = await db.fetch("SELECT key, applied FROM effects")
            attempts = await db.fetchval("SELECT count(*) FROM attempts")
            workers = await db.fetchval("SELECT count(DISTINCT pid) FROM attempts")
            missing = set(keys) - {row["key"] for row in rows}
            if missing:
                raise AssertionError(f"{len(missing)} messages lost, e.g. {sorted(missing)[:3]}")
            await db.close()
            return Outcome(
                messages=messages,
                phases=measured,
                effects=len(rows),
                doubled=sum(1 for row in rows if row["applied"] != 1),
                attempts=attempts,
                stop_statuses=stop_statuses,
                stranded=stranded,
                replicas_that_worked=workers,
                replicas_started=len(everyone),
                dead_letters=dead_letters,
                seconds=elapsed,
            )
    finally:
        for replica in everyone:
            replica.kill()
        fauxqs.stop()


async def run(options: SuiteOptions) -> Section:
    messages = options.count(MESSAGES, minimum=400)
    with tempfile.TemporaryDirectory(prefix="mango-scale-") as tmp:
        outcome = await run_scenario(messages, Path(tmp))
    correct = (
        outcome.effects == messages
        and outcome.doubled == 0
        and outcome.dead_letters == 0
        and set(outcome.stop_statuses) == {0}
    )
    first = outcome.phases[0].rate
    rows = [
        [
            str(i + 1),
            str(phase.replicas),
            f"{phase.messages:,}",
            f"{phase.seconds:.1f}",
            format_rate(phase.rate),
            format_rate(phase.rate / phase.replicas),
            f"{phase.rate / first:.2f}x" if first else "-",
            f"{phase.cpu_busy * 100:.0f}%",
        ]
        for i, phase in enumerate(outcome.phases)
    ]
    verdict = (
        f"**{'Correct' if correct else 'NOT CORRECT'}**: {outcome.messages:,} messages, "
        f"{outcome.effects:,} effects, {outcome.doubled} applied twice, "
        f"{outcome.messages - outcome.effects} lost, {outcome.dead_letters} dead letters; "
        f"{outcome.attempts - outcome.messages} redeliveries (deliveries beyond the first, "
        f"absorbed by the processed-message record); {outcome.replicas_started} replica "
        f"processes started, {outcome.replicas_that_worked} handled messages; every "
        f"stopped replica exited {', '.join(sorted({str(s) for s in outcome.stop_statuses}))} "
        f"after its drain. Whole run {outcome.seconds:.1f} s. At most {outcome.stranded} "
        f"messages were seen invisible beyond what the live replicas can hold (received by "
        f"a replica that had stopped; see the last note)."
    )
    return Section(
        suite="scale",
        title="scale: one consumer service, 1 -> 4 -> 1 replicas, fauxqs + PostgreSQL",
        command=options.command,
        packages=("aiobotocore", "asyncpg", "uvloop"),
        code_paths=("mango",),
        summary=[verdict],
        tables=[
            Table(
                title="Throughput per phase (effects committed in PostgreSQL)",
                columns=[
                    "phase",
                    "replicas",
                    "messages",
                    "seconds",
                    "msg/s",
                    "msg/s per replica",
                    "vs 1 replica",
                    "machine CPU busy",
                ],
                rows=rows,
            )
        ],
        notes=[
            f"Method: {messages:,} messages are sent to one fauxqs queue first, then "
            f"`mango run benchmarks.scale:service` replicas (uvloop, "
            f"`MANGO_CONSUMER_CONCURRENCY={CONCURRENCY}`, 2 s long polls, "
            f"`MANGO_SHUTDOWN_GRACE_SECONDS={GRACE_SECONDS}`) are added one by one up to 4 and "
            "removed one by one (SIGTERM, drain, exit) down to 1. Each phase is measured from "
            "the moment the new replica answers `/readyz` (or the stopped one has exited) "
            "until its share of the messages still queued is committed (what is left divided "
            "by the phases left; messages handled while a replica starts are not counted in "
            "any phase); the last phase takes what is left. A handler writes an `attempts` "
            "row, then in one transaction a processed-message record "
            "(`INSERT ... ON CONFLICT DO NOTHING`) and, when it is new, the effect "
            "(`applied + 1`, not idempotent on purpose).",
            "Everything shares the machine's cores: the replicas, fauxqs (Node.js) and "
            "PostgreSQL. 'machine CPU busy' is the whole machine's (from /proc/stat) during the "
            "phase: once it is near 100%, more replicas cannot add throughput, they only share "
            "the same cores. One run per invocation: each phase is a single window, so read "
            "the trend, not the third digit.",
            f"On SIGTERM a consumer lets a ReceiveMessage call already in progress finish "
            f"(bounded by the long-poll wait) and releases what it got at once, so a stopping "
            f"replica strands nothing until the visibility timeout ({VISIBILITY_SECONDS} s "
            f"here); 'seen invisible' above counts messages briefly held that way.",
        ],
    )
