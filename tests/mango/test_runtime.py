"""Runtime lifecycle: start handshake, resources in order, shutdown, escalation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from mango import (
    Actor,
    ActorStartError,
    EscalationError,
    Message,
    RegistrationFrozenError,
    Runtime,
    Strategy,
    SupervisionPolicy,
    handler,
)


class Poke(Message, frozen=True, tag="test.poke"):
    fail: bool = False


def tracking_resource(events: list[str], name: str, *, fail_on_enter: bool = False):  # type: ignore[no-untyped-def]
    @contextlib.asynccontextmanager
    async def resource() -> AsyncIterator[str]:
        if fail_on_enter:
            events.append(f"fail {name}")
            raise RuntimeError(f"{name} unavailable")
        events.append(f"open {name}")
        try:
            yield name
        finally:
            events.append(f"close {name}")

    return resource


async def test_resources_open_in_order_and_close_in_reverse() -> None:
    """Resources are entered in registration order and closed in reverse."""
    events: list[str] = []
    runtime = Runtime()
    db = runtime.add_resource("db", tracking_resource(events, "db"))
    runtime.add_resource("queue", tracking_resource(events, "queue"))
    async with runtime:
        assert db.value == "db"
    assert events == ["open db", "open queue", "close queue", "close db"]
    with pytest.raises(RuntimeError, match="not open"):
        _ = db.value


async def test_startup_failure_half_way_closes_only_what_opened() -> None:
    """A resource that fails to open unwinds the ones before it, in reverse, and no later."""
    events: list[str] = []
    runtime = Runtime()
    runtime.add_resource("a", tracking_resource(events, "a"))
    runtime.add_resource("b", tracking_resource(events, "b"))
    runtime.add_resource("c", tracking_resource(events, "c", fail_on_enter=True))
    runtime.add_resource("d", tracking_resource(events, "d"))
    with pytest.raises(RuntimeError, match="c unavailable"):
        async with runtime:
            pytest.fail("the body must not run")
    assert events == ["open a", "open b", "fail c", "close b", "close a"]


async def test_registration_freezes_once_started() -> None:
    """add_resource after start raises RegistrationFrozenError."""
    runtime = Runtime()
    async with runtime:
        with pytest.raises(RegistrationFrozenError):
            runtime.add_resource("late", tracking_resource([], "late"))


async def test_spawn_returns_after_on_start_finished() -> None:
    """spawn() is a started handshake: on_start has completed when it returns."""
    order: list[str] = []

    class Slow(Actor):
        async def on_start(self) -> None:
            await asyncio.sleep(0.02)
            order.append("started")

    async with Runtime() as runtime:
        await runtime.spawn(Slow)
        order.append("spawn returned")
    assert order == ["started", "spawn returned"]


async def test_on_start_failure_raises_actor_start_error_and_stops_started_instances() -> None:
    """A failing on_start raises ActorStartError; instances already started get on_stop."""
    events: list[str] = []
    counter = iter(range(10))

    class Flaky(Actor):
        def __init__(self) -> None:
            self.index = next(counter)

        async def on_start(self) -> None:
            if self.index == 1:
                raise ConnectionError("db down")
            events.append(f"start {self.index}")

        async def on_stop(self) -> None:
            events.append(f"stop {self.index}")

    async with Runtime() as runtime:
        with pytest.raises(ActorStartError, match="db down") as info:
            await runtime.spawn(Flaky, instances=2)
        assert isinstance(info.value.__cause__, ConnectionError)
        assert runtime.actors == []
    assert events == ["start 0", "stop 0"]


async def test_shutdown_stops_actors_in_reverse_spawn_order() -> None:
    """Leaving the runtime stops actors last-spawned first (consumers before targets)."""
    stopped: list[str] = []

    class Named(Actor):
        def __init__(self, name: str) -> None:
            self.name = name

        async def on_stop(self) -> None:
            stopped.append(self.name)

    async with Runtime() as runtime:
        for name in ("store", "worker", "consumer"):
            await runtime.spawn(lambda name=name: Named(name), name=name)  # type: ignore[misc]
    assert stopped == ["consumer", "worker", "store"]


async def test_too_many_restarts_escalate_and_the_runtime_raises() -> None:
    """More than max_restarts within the window stops the runtime with EscalationError."""

    class Crashy(Actor):
        @handler
        async def poke(self, message: Poke) -> None:
            raise RuntimeError("always fails")

    policy = SupervisionPolicy(max_restarts=2, within_seconds=60, backoff_min=0, backoff_max=0)
    with pytest.raises(EscalationError, match="more than 2 restarts") as info:
        async with Runtime() as runtime:
            ref = await runtime.spawn(Crashy, name="crashy", policy=policy)
            for _ in range(5):
                with contextlib.suppress(Exception):
                    await ref.tell(Poke())
            await asyncio.wait_for(runtime.wait_stopped(), timeout=10)
    assert "always fails" in str(info.value)


async def test_escalate_strategy_stops_the_runtime_at_once() -> None:
    """ESCALATE turns the first tell failure into a runtime stop."""

    class Fatal(Actor):
        @handler
        async def poke(self, message: Poke) -> None:
            raise RuntimeError("fatal")

    with pytest.raises(EscalationError):
        async with Runtime() as runtime:
            ref = await runtime.spawn(Fatal, policy=SupervisionPolicy(strategy=Strategy.ESCALATE))
            await ref.tell(Poke())
            await asyncio.wait_for(runtime.wait_stopped(), timeout=10)


async def test_a_crashed_task_escalates_without_killing_siblings_abruptly() -> None:
    """An exception escaping a runtime task escalates; other tasks are stopped in order."""
    sibling_cancelled = asyncio.Event()

    async def crash() -> None:
        raise ValueError("task bug")

    async def sibling() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            sibling_cancelled.set()
            raise

    with pytest.raises(EscalationError, match="task bug"):
        async with Runtime() as runtime:
            runtime.start_task(sibling(), name="sibling")
            runtime.start_task(crash(), name="crash")
            await asyncio.wait_for(runtime.wait_stopped(), timeout=10)
    assert sibling_cancelled.is_set()


async def test_stop_hooks_run_first_and_stopping_is_visible() -> None:
    """on_stopping hooks run before actors stop; runtime.stopping is True from then on."""
    seen: list[str] = []

    class Watcher(Actor):
        async def on_stop(self) -> None:
            seen.append(f"actor stop, stopping={self.runtime.stopping}")

    async with Runtime() as runtime:

        async def hook() -> None:
            seen.append(f"hook, stopping={runtime.stopping}")

        runtime.on_stopping(hook)
        await runtime.spawn(Watcher)
        assert not runtime.stopping
    assert seen == ["hook, stopping=True", "actor stop, stopping=True"]


async def test_spawn_requires_a_started_runtime_and_unique_names() -> None:
    """spawn outside the runtime or with a duplicate name fails clearly."""
    runtime = Runtime()
    with pytest.raises(RuntimeError, match="not started"):
        await runtime.spawn(Actor)
    async with runtime:
        await runtime.spawn(Actor, name="one")
        with pytest.raises(ValueError, match="already exists"):
            await runtime.spawn(Actor, name="one")


async def test_stop_does_not_hang_when_on_stop_outlives_the_stop_timeout() -> None:
    """An on_stop slower than the stop timeout is cancelled, and stop() still returns."""
    stopped = asyncio.Event()

    class Stubborn(Actor):
        async def on_stop(self) -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                stopped.set()

    async with Runtime() as runtime:
        ref = await runtime.spawn(Stubborn, stop_timeout=0.05)
        await asyncio.wait_for(ref.stop(), timeout=10)
        assert stopped.is_set()
        assert not ref.is_alive
