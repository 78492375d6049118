"""The ``mango queues`` and ``mango dlq`` commands (see :mod:`mango.queue_ops`).

``mango queues create``, ``mango queues stats [--json]``, ``mango dlq peek QUEUE
[--limit N]`` and ``mango dlq redrive QUEUE``. Each handler returns the exit status:
0 on success, 1 when the queue service is unavailable or a redrive left dead letters
behind, 2 for an unknown queue name (the message lists the known ones).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TextIO

from mango.errors import QueueUnavailableError
from mango.queue_ops import (
    create_queues,
    dlq_peek,
    dlq_redrive,
    queue_stats,
    render_stats_json,
    render_stats_table,
)
from mango.transport.base import QueueBroker, QueueSpec, dead_letter_name

__all__ = ["EXIT_OK", "EXIT_UNAVAILABLE", "EXIT_USAGE", "register"]

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_USAGE = 2

BrokerFactory = Callable[[], AbstractAsyncContextManager[QueueBroker]]
SpecsFactory = Callable[[], list[QueueSpec]]


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    make_broker: BrokerFactory,
    specs: SpecsFactory,
) -> None:
    """Add the ``queues`` and ``dlq`` commands to a CLI.

    Args:
        subparsers: The CLI's sub-command set; each command sets ``handler`` to a
            function of the parsed arguments that returns the exit status.
        make_broker: Returns an unopened broker (an async context manager).
        specs: Returns the specs of every queue the registered services use.
    """
    commands = _Commands(make_broker, specs)

    queues = subparsers.add_parser("queues", help="create queues and show their counts")
    queue_commands = queues.add_subparsers(dest="queues_command", required=True)
    create = queue_commands.add_parser(
        "create",
        help="create every queue with its dead-letter queue and redrive policy (idempotent)",
    )
    create.set_defaults(handler=commands.create)
    stats = queue_commands.add_parser(
        "stats", help="visible, in-flight and delayed messages and dead-letter depth per queue"
    )
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(handler=commands.stats)

    dlq = subparsers.add_parser("dlq", help="inspect and redrive dead-letter queues")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    peek = dlq_commands.add_parser("peek", help="show dead letters of QUEUE without removing them")
    peek.add_argument("queue", metavar="QUEUE", help="the source queue (or its -dlq name)")
    peek.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
    peek.set_defaults(handler=commands.peek)
    redrive = dlq_commands.add_parser(
        "redrive",
        help="move every dead letter of QUEUE back to QUEUE (safe to interrupt and rerun)",
    )
    redrive.add_argument("queue", metavar="QUEUE", help="the source queue (or its -dlq name)")
    redrive.set_defaults(handler=commands.redrive)


class _Commands:
    """The handlers, bound to the CLI's broker and spec factories."""

    def __init__(self, make_broker: BrokerFactory, specs: SpecsFactory) -> None:
        self._make_broker = make_broker
        self._specs = specs

    def create(self, args: argparse.Namespace) -> int:
        specs = self._specs()

        async def run(broker: QueueBroker) -> None:
            await create_queues(broker, specs)

        status = self._run(run)
        if status == EXIT_OK:
            for spec in specs:
                print(
                    f"{spec.name}: ready (dead-letter queue {spec.dead_letter}, "
                    f"maxReceiveCount {spec.max_receive_count}, "
                    f"visibility {spec.visibility_timeout} s)"
                )
        return status

    def stats(self, args: argparse.Namespace) -> int:
        specs = self._specs()

        async def run(broker: QueueBroker) -> None:
            found = await queue_stats(broker, specs)
            print(render_stats_json(found) if args.json else render_stats_table(found))

        return self._run(run)

    def peek(self, args: argparse.Namespace) -> int:
        spec = self._find(args.queue)
        if spec is None:
            return EXIT_USAGE
        if args.limit < 1:
            print("mango: --limit must be at least 1", file=sys.stderr)
            return EXIT_USAGE

        async def run(broker: QueueBroker) -> None:
            letters = await dlq_peek(broker, spec, limit=args.limit)
            if not letters:
                print(f"{spec.dead_letter} is empty")
            for letter in letters:
                print(
                    f"{letter.message_id}  receives={letter.receive_count}  "
                    f"type={letter.message_type or '-'}\n"
                    f"  reason: {letter.reason or '(redrive policy: too many receives)'}\n"
                    f"  body:   {letter.body_excerpt}"
                )

        return self._run(run)

    def redrive(self, args: argparse.Namespace) -> int:
        spec = self._find(args.queue)
        if spec is None:
            return EXIT_USAGE
        progress = _Progress(spec, sys.stderr)
        failed = 0

        async def run(broker: QueueBroker) -> None:
            nonlocal failed
            result = await dlq_redrive(broker, spec, progress=progress)
            progress.finish()
            failed = result.failed
            print(f"moved {result.moved} message(s) from {spec.dead_letter} to {spec.name}")
            if failed:
                print(
                    f"mango: {failed} message(s) could not be sent and stay in "
                    f"{spec.dead_letter}; run the redrive again",
                    file=sys.stderr,
                )

        status = self._run(run)
        return EXIT_UNAVAILABLE if status == EXIT_OK and failed else status

    def _find(self, name: str) -> QueueSpec | None:
        specs = self._specs()
        for spec in specs:
            if name in (spec.name, dead_letter_name(spec.name)):
                return spec
        known = ", ".join(spec.name for spec in specs) or "(none registered)"
        print(f"mango: unknown queue {name!r}; known queues: {known}", file=sys.stderr)
        return None

    def _run(self, operation: Callable[[QueueBroker], Awaitable[None]]) -> int:
        async def main() -> None:
            async with self._make_broker() as broker:
                await operation(broker)

        try:
            asyncio.run(main())
        except QueueUnavailableError as exc:
            print(f"mango: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        return EXIT_OK


class _Progress:
    """A progress bar on a terminal, plain count lines otherwise."""

    WIDTH = 30

    def __init__(self, spec: QueueSpec, stream: TextIO) -> None:
        self._label = f"{spec.dead_letter} -> {spec.name}"
        self._stream = stream
        self._tty = stream.isatty()
        self._drawn = False
        self._last_line = 0

    def __call__(self, moved: int, total: int) -> None:
        if self._tty:
            filled = self.WIDTH * moved // max(total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self._stream.write(f"\r{self._label} [{bar}] {moved}/{total}")
            self._drawn = True
        elif moved - self._last_line >= 100 or moved == total:
            self._stream.write(f"{self._label}: moved {moved} of about {total}\n")
            self._last_line = moved
        self._stream.flush()

    def finish(self) -> None:
        """End the progress bar's line."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
