"""The `queues` and `dlq` commands, parsed and run as the mango CLI runs them, on moto."""

from __future__ import annotations

import argparse
import asyncio
import json

import pytest

from mango.cli_queues import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, register
from mango.transport.base import ATTR_DEAD_LETTER_REASON, OutgoingMessage, QueueSpec
from mango.transport.sqs import SqsBroker
from tests.servers.sqs import SqsServer, free_port, unique_queue_name


def make_cli(options: dict[str, object], specs: list[QueueSpec]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mango")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands, lambda: SqsBroker(**options), lambda: specs)  # type: ignore[arg-type]
    return parser


def run(parser: argparse.ArgumentParser, *argv: str) -> int:
    args = parser.parse_args(argv)
    status: int = args.handler(args)
    return status


@pytest.fixture
def specs() -> list[QueueSpec]:
    return [QueueSpec(name=unique_queue_name("cli")), QueueSpec(name=unique_queue_name("cli"))]


@pytest.fixture
def cli(moto_server: SqsServer, specs: list[QueueSpec]) -> argparse.ArgumentParser:
    return make_cli(moto_server.broker_options(), specs)


def test_create_then_stats_as_table_and_json(
    cli: argparse.ArgumentParser, specs: list[QueueSpec], capsys: pytest.CaptureFixture[str]
) -> None:
    """`queues create` twice succeeds; `queues stats` prints a table, or JSON with --json."""
    assert run(cli, "queues", "create") == EXIT_OK
    assert run(cli, "queues", "create") == EXIT_OK
    assert specs[0].dead_letter in capsys.readouterr().out
    assert run(cli, "queues", "stats") == EXIT_OK
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("queue")
    assert [line.split()[0] for line in table[1:]] == [spec.name for spec in specs]
    assert run(cli, "queues", "stats", "--json") == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert [(row["name"], row["visible"], row["dead_letters"]) for row in rows] == [
        (spec.name, 0, 0) for spec in specs
    ]


async def _dead_letter(options: dict[str, object], spec: QueueSpec, body: bytes) -> None:
    async with SqsBroker(**options) as broker:  # type: ignore[arg-type]
        dead = await broker.open_queue(QueueSpec(name=spec.dead_letter))
        result = await dead.send_batch(
            [OutgoingMessage(id="a", body=body, attributes={ATTR_DEAD_LETTER_REASON: "bad"})]
        )
        assert not result.failed


def test_peek_and_redrive(
    moto_server: SqsServer,
    cli: argparse.ArgumentParser,
    specs: list[QueueSpec],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`dlq peek` shows the reason and an escaped body; `dlq redrive` empties the DLQ."""
    assert run(cli, "queues", "create") == EXIT_OK
    asyncio.run(_dead_letter(moto_server.broker_options(), specs[0], b'{"x":"\\u0000"}\x7f'))
    capsys.readouterr()
    assert run(cli, "dlq", "peek", specs[0].name, "--limit", "5") == EXIT_OK
    out = capsys.readouterr().out
    assert "reason: bad" in out
    assert "\\x7f" in out
    assert run(cli, "dlq", "redrive", specs[0].dead_letter) == EXIT_OK
    captured = capsys.readouterr()
    assert f"moved 1 message(s) from {specs[0].dead_letter}" in captured.out
    assert "moved 1 of about 1" in captured.err  # not a terminal: plain counts
    assert run(cli, "dlq", "peek", specs[0].name) == EXIT_OK
    assert "is empty" in capsys.readouterr().out


def test_unknown_queue_lists_the_known_ones(
    cli: argparse.ArgumentParser, specs: list[QueueSpec], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown queue name exits 2 and names every known queue."""
    assert run(cli, "dlq", "peek", "nope") == EXIT_USAGE
    assert run(cli, "dlq", "redrive", "nope") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown queue 'nope'" in err
    assert all(spec.name in err for spec in specs)


def test_unreachable_endpoint_exits_1_with_a_message(
    specs: list[QueueSpec], capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing listening, the command fails with a one-line error, not a traceback."""
    options = SqsServer.__new__(SqsServer)
    options.port = free_port()
    cli = make_cli(options.broker_options(max_attempts=1), specs)
    assert run(cli, "queues", "stats") == EXIT_UNAVAILABLE
    assert "mango: SQS" in capsys.readouterr().err
