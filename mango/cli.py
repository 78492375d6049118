"""The ``mango`` command line: run services, and operate queues and settings.

Exit status: 0 success; 1 a service failed (an actor escalated, start-up failed); 2 bad
usage or invalid settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from importlib.metadata import entry_points

from mango.config import RuntimeSettings
from mango.errors import SettingsError
from mango.logs import configure_logging
from mango.service import Service, find_services, load_service, queue_spec
from mango.settings import load_settings, settings_reference
from mango.transport.base import QueueBroker, QueueSpec

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
CLI_ENTRY_POINT_GROUP = "mango.cli"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser, including commands registered by installed packages."""
    parser = argparse.ArgumentParser(
        prog="mango",
        description="Run Magic Mango's services on the mango actor runtime, and operate them.",
        epilog="Settings come from MANGO_* environment variables; `mango settings` lists them.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run one service (or several) in this process until SIGTERM",
        description="Run services by registered name (`mango services` lists them) or "
        "as module:attribute. SIGTERM/SIGINT drains in-flight work and exits 0; a second "
        "signal forces exit.",
    )
    run.add_argument("services", nargs="+", metavar="SERVICE")
    run.set_defaults(handler=_run)

    dev = commands.add_parser(
        "dev",
        help="run every registered service in one process, on embedded defaults",
        description="Start all services in one process for a laptop: memory queues unless "
        "MANGO_QUEUE_BACKEND=sqs, plus whatever the installed dev hooks prepare.",
    )
    dev.set_defaults(handler=_dev)

    services = commands.add_parser("services", help="list the registered services")
    services.set_defaults(handler=_services)

    settings = commands.add_parser(
        "settings", help="print every MANGO_* setting with its type, default and range"
    )
    settings.set_defaults(handler=_settings)

    _register_queue_commands(commands)
    for entry in entry_points(group=CLI_ENTRY_POINT_GROUP):
        entry.load()(commands)
    return parser


def _register_queue_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from mango.cli_queues import register
    from mango.serve import broker_factory

    def specs() -> list[QueueSpec]:
        settings = load_settings(RuntimeSettings)
        names = sorted({queue for service in find_services().values() for queue in service.queues})
        return [queue_spec(settings, name) for name in names]

    def make_broker() -> AbstractAsyncContextManager[QueueBroker]:
        return broker_factory(load_settings(RuntimeSettings))()

    register(commands, make_broker, specs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mango`` command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except SettingsError as exc:
        print(f"mango: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LookupError as exc:
        print(f"mango: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    return status


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(RuntimeSettings)
    services = [load_service(name) for name in args.services]
    return _start(services, settings)


def _dev(args: argparse.Namespace) -> int:
    from mango.dev import run_dev

    return run_dev()


def _start(services: list[Service], settings: RuntimeSettings) -> int:
    from mango.serve import run_services

    configure_logging(
        fmt=settings.log_format,
        level=settings.log_level,
        service="+".join(service.name for service in services),
    )
    return run_services(services, settings)


def _services(args: argparse.Namespace) -> int:
    services = find_services()
    if not services:
        print("no services registered (entry-point group mango.services)")
    width = max((len(name) for name in services), default=0)
    for name, service in sorted(services.items()):
        queues = f"  [queues: {', '.join(service.queues)}]" if service.queues else ""
        print(f"{name:<{width}}  {service.summary}{queues}")
    return 0


def _settings(args: argparse.Namespace) -> int:
    print(settings_reference(RuntimeSettings))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
