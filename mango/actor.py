"""The actor base class and typed handler dispatch.

An actor declares one handler per message type with :func:`handler`; the message type is
read from the handler's annotation (a union registers every member)::

    class Greeter(Actor):
        @handler
        async def greet(self, message: Greet) -> str:
            return f"hello {message.name}"

Handlers run one at a time per actor instance, so an actor's own state needs no lock.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from mango.errors import UnhandledMessageError

if TYPE_CHECKING:
    from mango.ref import ActorRef
    from mango.runtime import Runtime

__all__ = ["Actor", "Handler", "handler"]

Handler = Callable[[Any, Any], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

_HANDLER_ATTR = "__mango_handles__"


@typing.overload
def handler(func: F, /) -> F: ...
@typing.overload
def handler(*message_types: type) -> Callable[[F], F]: ...
def handler(*args: Any) -> Any:
    """Mark an async method as the handler of one or more message types.

    Used bare (``@handler``), the types come from the annotation of the method's message
    parameter (a union registers every member). Used with arguments
    (``@handler(Greet, Wave)``), the given classes are registered.
    """
    if len(args) == 1 and not isinstance(args[0], type) and callable(args[0]):
        func: Callable[..., Awaitable[Any]] = args[0]
        return _mark(func, _annotated_types(func))
    explicit = tuple(args)

    def decorate(func: F) -> F:
        return _mark(func, _message_types(explicit, func.__qualname__))

    return decorate


def _mark(func: F, message_types: tuple[type, ...]) -> F:
    is_async = inspect.iscoroutinefunction(func)  # not inline: it would narrow away F
    if not is_async:
        raise TypeError(f"handler {func.__qualname__} must be an async def")
    setattr(func, _HANDLER_ATTR, message_types)
    return func


def _annotated_types(func: Callable[..., Any]) -> tuple[type, ...]:
    hints = typing.get_type_hints(func)
    params = [p for p in inspect.signature(func).parameters if p != "self"]
    if len(params) != 1 or params[0] not in hints:
        raise TypeError(f"handler {func.__qualname__} needs exactly one annotated message param")
    annotation = hints[params[0]]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members: tuple[Any, ...] = typing.get_args(annotation)
    else:
        members = (annotation,)
    return _message_types(members, func.__qualname__)


def _message_types(members: tuple[Any, ...], where: str) -> tuple[type, ...]:
    if not members:
        raise TypeError(f"handler {where} names no message type")
    for member in members:
        if not isinstance(member, type):
            raise TypeError(f"handler {where}: {member!r} is not a message class")
    return tuple(members)


class Actor:
    """Base class of every actor.

    Override the lifecycle hooks as needed and declare handlers with :func:`handler`.
    Messages of an undeclared type go to :meth:`receive`, which by default raises
    :class:`~mango.errors.UnhandledMessageError`.
    """

    _dispatch: dict[type, Handler] = {}
    _ref: ActorRef[Any] | None = None
    _runtime: Runtime | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dispatch: dict[type, Handler] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                for message_type in getattr(attr, _HANDLER_ATTR, ()):
                    dispatch[message_type] = attr
        cls._dispatch = dispatch

    @property
    def ref(self) -> ActorRef[Any]:
        """This actor's own reference (available from ``on_start`` on)."""
        if self._ref is None:
            raise RuntimeError("actor is not started yet")
        return self._ref

    @property
    def runtime(self) -> Runtime:
        """The runtime that runs this actor (available from ``on_start`` on)."""
        if self._runtime is None:
            raise RuntimeError("actor is not started yet")
        return self._runtime

    @property
    def log(self) -> structlog.stdlib.BoundLogger:
        """A logger bound with this actor's name."""
        name = self._ref.name if self._ref is not None else type(self).__name__
        logger: structlog.stdlib.BoundLogger = structlog.get_logger("mango").bind(actor=name)
        return logger

    @classmethod
    def handled_types(cls) -> tuple[type, ...]:
        """The message types this actor declares handlers for."""
        return tuple(cls._dispatch)

    async def on_start(self) -> None:
        """Run once before the first message; ``spawn`` returns after it finished."""

    async def on_stop(self) -> None:
        """Run once after the last message, also after a restart replaced this instance."""

    async def on_failure(self, exc: BaseException, message: Any) -> None:
        """Run when a ``tell`` handler raised, before the supervision policy applies."""

    async def receive(self, message: Any) -> Any:
        """Handle a message of a type without a declared handler."""
        raise UnhandledMessageError(
            f"{type(self).__name__} has no handler for {type(message).__name__}"
        )
