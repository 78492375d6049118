"""``ActorRef``: the only handle to a running actor."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mango.errors import AskTimeout

if TYPE_CHECKING:
    from mango.cell import ActorCell

__all__ = ["ActorRef"]

M = TypeVar("M")


class ActorRef(Generic[M]):
    """A reference to a running actor (or a pool of identical instances sharing a mailbox).

    ``tell`` sends without waiting for the handler; ``ask`` waits for its result. Both wait
    while the mailbox is full, which is how backpressure reaches the sender.
    """

    __slots__ = ("_cell", "_mailbox", "name")

    def __init__(self, cell: ActorCell) -> None:
        self._cell = cell
        self._mailbox = cell.mailbox
        self.name = cell.name

    def __repr__(self) -> str:
        state = "alive" if self.is_alive else "stopped"
        return f"<ActorRef {self.name} {state}>"

    @property
    def is_alive(self) -> bool:
        """Whether the actor still accepts messages."""
        return not self._mailbox.closed

    @property
    def mailbox_depth(self) -> int:
        """How many messages wait in the mailbox."""
        return len(self._mailbox)

    async def tell(self, message: M, *, context: Mapping[str, Any] | None = None) -> None:
        """Send ``message``; wait only while the mailbox is full.

        Args:
            message: The message.
            context: Log context (e.g. message and trace ids) bound while it is handled.

        Raises:
            ActorDeadError: The actor has stopped.
        """
        mailbox = self._mailbox
        if len(mailbox) < mailbox.capacity:
            mailbox.put_nowait((message, None, context))
        else:
            await mailbox.put((message, None, context))

    def tell_nowait(self, message: M, *, context: Mapping[str, Any] | None = None) -> None:
        """Send ``message`` without waiting.

        Raises:
            MailboxFullError: The mailbox is full; use :meth:`tell` to wait for space.
            ActorDeadError: The actor has stopped.
        """
        self._mailbox.put_nowait((message, None, context))

    async def ask(
        self,
        message: M,
        *,
        timeout: float | None = 5.0,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send ``message`` and return the handler's result, or raise its exception.

        A handler's exception is re-raised here and the actor lives on.

        Args:
            message: The message.
            timeout: Seconds to wait for the reply (including time queued); None waits
                as long as it takes.
            context: Log context bound while the message is handled.

        Raises:
            AskTimeout: No reply within ``timeout``.
            ActorDeadError: The actor stopped before handling the message.
        """
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[Any] = loop.create_future()
        if timeout is None:
            await self.tell_envelope(message, reply, context)
            return await reply
        mailbox = self._mailbox
        if len(mailbox) < mailbox.capacity:
            # Fast path: a timer that fails the reply is cheaper than asyncio.timeout().
            mailbox.put_nowait((message, reply, context))
            timer = loop.call_later(timeout, _expire, reply, self.name, message, timeout)
            try:
                return await reply
            finally:
                timer.cancel()
        try:  # the mailbox is full: the wait for space counts against the timeout too
            async with asyncio.timeout(timeout):
                await mailbox.put((message, reply, context))
                return await reply
        except TimeoutError:
            reply.cancel()
            raise AskTimeout(
                f"actor {self.name!r} did not answer {type(message).__name__} within {timeout}s"
            ) from None

    def offer_envelope(
        self, message: M, reply: asyncio.Future[Any] | None, context: Mapping[str, Any] | None
    ) -> bool:
        """Queue ``message`` with a reply future if the mailbox has room; never waits.

        Returns:
            False when the mailbox is full (nothing was queued).

        Raises:
            ActorDeadError: The actor has stopped.
        """
        mailbox = self._mailbox
        if len(mailbox) >= mailbox.capacity:
            return False
        mailbox.put_nowait((message, reply, context))
        return True

    async def tell_envelope(
        self, message: M, reply: asyncio.Future[Any], context: Mapping[str, Any] | None
    ) -> None:
        """Queue ``message`` with a reply future the caller resolves on its own terms."""
        mailbox = self._mailbox
        if len(mailbox) < mailbox.capacity:
            mailbox.put_nowait((message, reply, context))
        else:
            await mailbox.put((message, reply, context))

    async def stop(self) -> None:
        """Stop the actor after its current message; queued asks fail with ActorDeadError.

        Returns once ``on_stop`` has run. Calling it from the actor's own handler only
        requests the stop.
        """
        await self._cell.stop()


def _expire(reply: asyncio.Future[Any], name: str, message: Any, timeout: float) -> None:
    if not reply.done():
        reply.set_exception(
            AskTimeout(f"actor {name!r} did not answer {type(message).__name__} within {timeout}s")
        )
