"""The runtime: owns every task, every actor and every resource of one process.

Resources (database pools, queue clients, HTTP runners) are async context managers
entered in registration order and closed in reverse, also when start-up fails half-way.
One ``asyncio.TaskGroup`` owns every task; :meth:`Runtime.start_task` is the only way to
start one. Registration freezes once the runtime has started.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import structlog

from mango.actor import Actor
from mango.cell import ActorCell
from mango.errors import EscalationError, RegistrationFrozenError
from mango.ref import ActorRef
from mango.supervision import SupervisionPolicy

__all__ = ["Resource", "Runtime", "cancel_and_wait"]

T = TypeVar("T")
A = TypeVar("A", bound=Actor)

log = structlog.get_logger("mango.runtime")


class Resource(Generic[T]):
    """A slot for a resource the runtime opens at start and closes at stop."""

    def __init__(self, name: str, factory: Callable[[], AbstractAsyncContextManager[T]]) -> None:
        self.name = name
        self._factory = factory
        self._value: T | None = None
        self._open = False

    @property
    def value(self) -> T:
        """The opened resource.

        Raises:
            RuntimeError: The runtime has not opened it (yet).
        """
        if not self._open:
            raise RuntimeError(f"resource {self.name!r} is not open")
        return self._value  # type: ignore[return-value]

    async def _enter(self, stack: AsyncExitStack) -> None:
        self._value = await stack.enter_async_context(self._factory())
        self._open = True
        stack.callback(self._mark_closed)

    def _mark_closed(self) -> None:
        self._open = False


class Runtime:
    """Runs actors and tasks in one event loop, and stops them in order.

    Use as ``async with Runtime() as runtime:``; leaving the block stops every actor in
    reverse spawn order, cancels the remaining tasks and closes the resources in reverse.

    Args:
        name: A name for logs (the service name).
        stop_timeout: Default seconds an actor's current message gets at shutdown before
            it is cancelled (``spawn`` can override it per actor).
    """

    def __init__(self, *, name: str = "mango", stop_timeout: float | None = 10.0) -> None:
        self.name = name
        self.stop_timeout = stop_timeout
        self._resources: list[Resource[Any]] = []
        self._cells: list[ActorCell] = []
        self._cells_by_name: dict[str, ActorCell] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stop_hooks: list[Callable[[], Awaitable[None]]] = []
        self._stack: AsyncExitStack | None = None
        self._group: asyncio.TaskGroup | None = None
        self._stop_requested: asyncio.Event | None = None
        self._names = itertools.count(1)
        self._frozen = False
        self._stopping = False
        self.failure: BaseException | None = None

    # -- registration -------------------------------------------------------------------

    def add_resource(
        self, name: str, factory: Callable[[], AbstractAsyncContextManager[T]]
    ) -> Resource[T]:
        """Register a resource to open at start (in order) and close at stop (in reverse).

        Raises:
            RegistrationFrozenError: The runtime has already started.
        """
        if self._frozen:
            raise RegistrationFrozenError(f"cannot add resource {name!r}: runtime is running")
        resource = Resource(name, factory)
        self._resources.append(resource)
        return resource

    def on_stopping(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Register a coroutine run first thing at shutdown (e.g. mark readiness false)."""
        self._stop_hooks.append(hook)

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether the runtime is running (between enter and exit)."""
        return self._frozen and self._group is not None

    @property
    def stopping(self) -> bool:
        """Whether shutdown has been requested; readiness probes report this."""
        return self._stopping or (
            self._stop_requested is not None and self._stop_requested.is_set()
        )

    async def __aenter__(self) -> Self:
        self._frozen = True
        self._stop_requested = asyncio.Event()
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            for resource in self._resources:
                log.debug("resource.opening", resource=resource.name)
                await resource._enter(stack)
            # Entered last, so it exits first: every task has ended before any resource
            # closes, and a resource that fails to open never meets the group.
            self._group = await stack.enter_async_context(asyncio.TaskGroup())
        except BaseException as exc:
            # Close only what had opened, in reverse order.
            await stack.__aexit__(type(exc), exc, exc.__traceback__)
            self._group = None
            raise
        self._stack = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()
        stack, self._stack = self._stack, None
        if stack is not None:
            # Every task has ended by now. The body's own exception is not passed on:
            # asyncio.TaskGroup would wrap it in an ExceptionGroup, and it propagates
            # from here unchanged anyway.
            await stack.__aexit__(None, None, None)
        self._group = None
        if exc is None and self.failure is not None:
            raise self.failure

    async def shutdown(self) -> None:
        """Run stop hooks, stop actors in reverse spawn order, then cancel remaining tasks."""
        if self._stopping:
            return
        self._stopping = True
        if self._stop_requested is not None:
            self._stop_requested.set()
        for hook in self._stop_hooks:
            try:
                await hook()
            except Exception as exc:
                log.error("runtime.stop_hook_failed", error=repr(exc))
        for cell in reversed(self._cells):
            await cell.stop()
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def request_stop(self) -> None:
        """Ask the runtime to shut down; :meth:`wait_stopped` returns."""
        if self._stop_requested is not None:
            self._stop_requested.set()

    def escalate(self, error: BaseException) -> None:
        """Record a fatal error and request shutdown; leaving the runtime raises it."""
        if self.failure is None:
            self.failure = error
            log.critical("runtime.escalated", error=str(error))
        self.request_stop()

    async def wait_stopped(self) -> None:
        """Return once a stop was requested (signal, escalation or :meth:`request_stop`)."""
        if self._stop_requested is None:
            raise RuntimeError("runtime is not started")
        await self._stop_requested.wait()

    # -- tasks and actors ---------------------------------------------------------------

    def start_task(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Start a task in the runtime's task group.

        An exception escaping the task escalates (the runtime stops, the process exits
        non-zero) instead of tearing down sibling tasks mid-flight.
        """
        if self._group is None:
            coro.close()
            raise RuntimeError("runtime is not started: use `async with Runtime()`")
        task = self._group.create_task(self._guard(coro, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Coroutine[Any, Any, T], name: str) -> T:
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("task.crashed", task=name, error=repr(exc), exc_info=exc)
            error = EscalationError(f"task {name!r} crashed: {exc!r}")
            error.__cause__ = exc
            self.escalate(error)
            raise asyncio.CancelledError from exc  # keep the TaskGroup's siblings running

    async def spawn(
        self,
        factory: Callable[[], A],
        *,
        name: str | None = None,
        mailbox_size: int = 1000,
        instances: int = 1,
        policy: SupervisionPolicy | None = None,
        stop_timeout: float | None = -1.0,
    ) -> ActorRef[Any]:
        """Start an actor and return its ref once ``on_start`` has finished.

        Args:
            factory: Makes an actor instance: the class itself, or a lambda/partial with
                arguments. Called again for each instance and each restart.
            name: Unique name; defaults to the factory's name with a number.
            mailbox_size: Bounded mailbox capacity; ``tell`` waits when full.
            instances: How many instances share the mailbox (a pool for concurrency).
            policy: Supervision policy for failed ``tell`` handlers.
            stop_timeout: Seconds the current message gets at stop before it is
                cancelled; None waits for ever; the runtime's default when omitted.

        Raises:
            ActorStartError: ``on_start`` raised; nothing of the actor keeps running.
        """
        if self._group is None:
            raise RuntimeError("runtime is not started: use `async with Runtime()`")
        if self._stopping:
            raise RuntimeError("runtime is stopping: no new actors")
        if name is None:
            base = getattr(factory, "__name__", type(factory).__name__)
            name = f"{base}-{next(self._names)}"
        if name in self._cells_by_name:
            raise ValueError(f"an actor named {name!r} already exists")
        cell = ActorCell(
            self,
            factory,
            name=name,
            mailbox_size=mailbox_size,
            instances=instances,
            policy=policy or SupervisionPolicy(),
            stop_timeout=self.stop_timeout if stop_timeout == -1.0 else stop_timeout,
        )
        await cell.start()
        self._cells.append(cell)
        self._cells_by_name[name] = cell
        return cell.ref

    @property
    def actors(self) -> list[ActorRef[Any]]:
        """Refs of every actor spawned, in spawn order."""
        return [cell.ref for cell in self._cells]

    def actor_stats(self) -> list[tuple[str, int, int, int, int]]:
        """(name, mailbox depth, processed, failed, restarts) for every actor."""
        return [
            (cell.name, len(cell.mailbox), cell.processed, cell.failed, cell.restarts)
            for cell in self._cells
        ]


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has finished; never raises its outcome.

    For an actor's ``on_stop`` ending a loop it started with :meth:`Runtime.start_task`.
    """
    if task is None:
        return
    task.cancel()
    await asyncio.wait([task])
