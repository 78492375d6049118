"""Liveness probes and readiness checks behind ``/healthz`` and ``/readyz``.

Liveness answers "is this process still doing its job?": every long-running loop (a queue
poller, the event loop itself) registers a probe with a maximum silence and calls
:meth:`Liveness.beat` each time it makes progress. A probe silent for longer than its
maximum makes ``/healthz`` fail, so the orchestrator restarts a process that is up but
stuck.

Readiness answers "should traffic come here now?": async checks (queue reachable, database
reachable) run with a short timeout each, and the answer is false while shutting down.

This module imports nothing from aiohttp, so pollers can use it without the HTTP stack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import structlog

__all__ = ["CheckResult", "Liveness", "ProbeStatus", "Readiness", "liveness", "readiness"]

log = structlog.get_logger("mango.http.health")

ReadinessCheck = Callable[[], Awaitable[Any]]


class ProbeStatus(msgspec.Struct, frozen=True):
    """The state of one liveness probe.

    Attributes:
        name: The probe's name.
        max_silence: Seconds it may stay silent before the process counts as stuck.
        silent_for: Seconds since its last beat (or since registration).
        alive: Whether ``silent_for <= max_silence``.
    """

    name: str
    max_silence: float
    silent_for: float
    alive: bool


class Liveness:
    """A registry of progress probes.

    Example::

        liveness.register("consumer:mango-ads", max_silence=60.0)
        while running:
            messages = await transport.receive(...)   # long-poll of at most 20 s
            liveness.beat("consumer:mango-ads")

    Args:
        clock: Monotonic clock in seconds (tests may pass their own).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._max_silence: dict[str, float] = {}
        self._last_beat: dict[str, float] = {}

    def register(self, name: str, *, max_silence: float) -> None:
        """Add (or reset) a probe; it counts as having beaten now.

        Args:
            name: Unique name, e.g. ``"consumer:mango-ads"``.
            max_silence: Longest expected gap between beats, in seconds; choose it well
                above the loop's normal period (e.g. three long-polls).

        Raises:
            ValueError: ``max_silence`` is not positive.
        """
        if max_silence <= 0:
            raise ValueError(f"max_silence of probe {name!r} must be > 0, got {max_silence}")
        self._max_silence[name] = max_silence
        self._last_beat[name] = self._clock()

    def unregister(self, name: str) -> None:
        """Remove a probe, e.g. when its loop stops on purpose; unknown names are ignored."""
        self._max_silence.pop(name, None)
        self._last_beat.pop(name, None)

    def beat(self, name: str) -> None:
        """Record progress of the probe ``name``.

        Raises:
            KeyError: No probe of that name is registered.
        """
        if name not in self._max_silence:
            raise KeyError(f"liveness probe {name!r} is not registered; call register() first")
        self._last_beat[name] = self._clock()

    def statuses(self) -> list[ProbeStatus]:
        """Return the state of every probe, sorted by name."""
        now = self._clock()
        result = []
        for name in sorted(self._max_silence):
            limit = self._max_silence[name]
            silent = now - self._last_beat[name]
            result.append(ProbeStatus(name, limit, round(silent, 3), silent <= limit))
        return result

    @property
    def alive(self) -> bool:
        """Whether every probe beat within its maximum silence."""
        return all(status.alive for status in self.statuses())


class CheckResult(msgspec.Struct, frozen=True):
    """The outcome of one readiness check.

    Attributes:
        name: The check's name.
        ok: Whether it passed within its timeout.
        error: Why it failed (an exception type name or ``"timeout"``), else ``None``;
            details go to the log, never to the response.
    """

    name: str
    ok: bool
    error: str | None = None


class Readiness:
    """A registry of async readiness checks.

    A check passes when it returns anything but ``False`` within its timeout. Shutdown
    (draining) is tracked by the gateway and the runtime, not here.
    """

    def __init__(self) -> None:
        self._checks: dict[str, tuple[ReadinessCheck, float]] = {}

    def add_check(self, name: str, check: ReadinessCheck, *, timeout: float = 2.0) -> None:
        """Register ``check`` (an async callable without arguments) under ``name``.

        Registering a name again replaces the earlier check (so a restarted actor can
        register its checks again).

        Args:
            name: Unique name shown in ``/readyz``, e.g. ``"queue:mango-ads"``.
            check: Raises or returns ``False`` when the dependency is unavailable.
            timeout: Seconds after which the check counts as failed.

        Raises:
            ValueError: The timeout is not positive.
        """
        if timeout <= 0:
            raise ValueError(f"timeout of readiness check {name!r} must be > 0")
        self._checks[name] = (check, timeout)

    def remove_check(self, name: str) -> None:
        """Remove a check; unknown names are ignored."""
        self._checks.pop(name, None)

    async def run_checks(self) -> list[CheckResult]:
        """Run every check concurrently, each bounded by its own timeout."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_one(name) for name in names))
        return list(results)

    async def _run_one(self, name: str) -> CheckResult:
        check, timeout = self._checks[name]
        try:
            async with asyncio.timeout(timeout):
                outcome = await check()
        except TimeoutError:
            log.warning("readiness.check_timed_out", check=name, timeout=timeout)
            return CheckResult(name, ok=False, error="timeout")
        except Exception as exc:
            log.warning("readiness.check_failed", check=name, error=repr(exc))
            return CheckResult(name, ok=False, error=type(exc).__name__)
        if outcome is False:
            return CheckResult(name, ok=False, error="check returned false")
        return CheckResult(name, ok=True)


liveness = Liveness()
"""The process-wide liveness registry; pollers register and beat their probes here."""

readiness = Readiness()
"""The process-wide readiness checks, used by gateways unless given their own."""
