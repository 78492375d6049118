"""The `mango` command: help, settings errors, unknown services, and a real `mango run`
process drained by SIGTERM mid-work against a real SQS server (moto)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from mango import MessageCodec
from mango.examples.worker import QUEUE, WorkItem
from mango.transport import OutgoingMessage, QueueSpec
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import SqsServer, worker_env

MANGO = str(Path(sys.executable).with_name("mango"))


def mango(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MANGO, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_explains_every_command() -> None:
    """`mango --help` lists each command with a line of explanation."""
    result = mango("--help")
    assert result.returncode == 0
    for command in ("run", "dev", "services", "settings", "queues", "dlq"):
        assert command in result.stdout


def test_settings_lists_every_variable_with_its_default() -> None:
    """`mango settings` prints the reference of every MANGO_* variable."""
    result = mango("settings")
    assert result.returncode == 0
    for variable in ("MANGO_QUEUE_BACKEND", "MANGO_SHUTDOWN_GRACE_SECONDS", "MANGO_LOG_FORMAT"):
        assert variable in result.stdout


def test_invalid_settings_fail_with_one_message_listing_every_problem() -> None:
    """Several bad variables are reported together, by name, with exit status 2."""
    result = mango(
        "run",
        "mango.examples.worker:service",
        env={
            "MANGO_CONSUMER_CONCURRENCY": "zero",
            "MANGO_QUEUE_BACKEND": "kafka",
            "MANGO_QUEUE_VISIBILITY_TIMEOUT": "-5",
        },
    )
    assert result.returncode == 2
    for variable in (
        "MANGO_CONSUMER_CONCURRENCY",
        "MANGO_QUEUE_BACKEND",
        "MANGO_QUEUE_VISIBILITY_TIMEOUT",
    ):
        assert variable in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "service",
    ["no-such-service", "no.such.module:service", "mango.errors:MangoError", "ünï💥", "x" * 5000],
)
def test_unknown_or_hostile_service_names_fail_clearly(service: str) -> None:
    """An unknown, non-service or hostile SERVICE argument exits 2 with a clear message."""
    result = mango("run", service)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "service" in result.stderr.lower()


def test_unknown_command_is_a_usage_error() -> None:
    """argparse answers an unknown command with usage and exit status 2."""
    result = mango("explode")
    assert result.returncode == 2
    assert "usage" in result.stderr


def _journal(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.slow
async def test_sigterm_mid_work_drains_and_nothing_is_lost_or_done_twice(
    moto_server: SqsServer, tmp_path: Path
) -> None:
    """SIGTERM to a `mango run` process mid-work: in-flight messages finish, the process
    exits 0 within its grace period, and a second run handles exactly the rest."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    spec = QueueSpec(name=prefix + QUEUE, visibility_timeout=30, max_receive_count=5)
    codec = MessageCodec([WorkItem])
    keys = [f"item-{i}" for i in range(30)]
    async with SqsBroker(**moto_server.broker_options()) as broker:
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        for start in range(0, len(keys), 10):
            entries = [
                OutgoingMessage(id=str(i), body=codec.encode(WorkItem(key=key, sleep_ms=300)))
                for i, key in enumerate(keys[start : start + 10])
            ]
            assert not (await queue.send_batch(entries)).failed

        journal = tmp_path / "journal.txt"
        env = worker_env(
            moto_server,
            prefix=prefix,
            consumer_concurrency="5",
            consumer_wait_seconds="1",
            shutdown_grace_seconds="10",
            example_journal=str(journal),
        )

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(
                [MANGO, "run", "mango.examples.worker:service"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

        first = start()
        deadline = time.monotonic() + 60
        while len(_journal(journal)) < 5 and time.monotonic() < deadline:
            assert first.poll() is None, first.communicate()[0]
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)
        output, _ = first.communicate(timeout=30)
        assert first.returncode == 0, output
        assert '"consumer.stopped"' in output
        done_first = _journal(journal)
        assert len(done_first) < len(keys), "the first run should stop mid-work"
        assert len(set(done_first)) == len(done_first)

        second = start()
        deadline = time.monotonic() + 90
        while len(_journal(journal)) < len(keys) and time.monotonic() < deadline:
            assert second.poll() is None, second.communicate()[0]
            time.sleep(0.1)
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
        assert second.returncode == 0, output

        assert Counter(_journal(journal)) == Counter(keys)
        stats = await queue.stats()
        assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 0)


def test_a_second_signal_forces_exit_while_shutdown_is_stuck() -> None:
    """The first SIGTERM starts a graceful shutdown; a second one exits at once (143)."""
    process = subprocess.Popen(
        [MANGO, "run", "tests.mango.slow_stop_service:service"],
        env={**os.environ, "MANGO_LOG_FORMAT": "json"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stderr is not None
    for line in process.stderr:
        if '"service.started"' in line:
            break
    process.send_signal(signal.SIGTERM)
    for line in process.stderr:
        if '"service.stopping"' in line:
            break
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
