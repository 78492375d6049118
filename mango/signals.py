"""Signal handling, in exactly one place.

The first SIGTERM or SIGINT asks the runtime to shut down gracefully; a second one forces
the process to exit at once (exit status 128 + signal number).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from mango.runtime import Runtime

__all__ = ["shutdown_on_signals"]

log = structlog.get_logger("mango.signals")


@contextmanager
def shutdown_on_signals(runtime: Runtime) -> Iterator[None]:
    """Route SIGTERM and SIGINT to ``runtime.request_stop`` while the block runs."""
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        if len(received) > 1:
            log.warning("signal.forced_exit", signal=signal.Signals(signum).name)
            os._exit(128 + signum)
        log.info("signal.shutdown", signal=signal.Signals(signum).name)
        runtime.request_stop()

    signums = (signal.SIGTERM, signal.SIGINT)
    for signum in signums:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        yield
    finally:
        for signum in signums:
            loop.remove_signal_handler(signum)
