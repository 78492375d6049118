"""Actors that handle their mailbox in batches (e.g. to coalesce SQS sends).

A :class:`BatchActor` receives every message queued at once (up to ``max_batch``), after
waiting up to ``linger`` seconds for a batch to fill, and answers each one::

    class Coalescer(BatchActor):
        max_batch = 10
        linger = 0.002

        async def receive_batch(self, messages: list[Any]) -> list[Any]:
            ...  # one result (or exception instance) per message, in order

Callers use the ordinary ``tell`` / ``ask``; each ask gets its own message's result.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mango.actor import Actor

__all__ = ["BatchActor"]


class BatchActor(Actor):
    """An actor whose messages are handled in batches by :meth:`receive_batch`."""

    max_batch: int = 10
    """Most messages handed to one ``receive_batch`` call."""
    linger: float = 0.0
    """Seconds to wait for a batch to fill when fewer than ``max_batch`` are queued."""

    async def receive_batch(self, messages: list[Any]) -> list[Any]:
        """Handle a batch; return one result per message, an exception instance to fail it."""
        raise NotImplementedError

    async def _collect(self, mailbox: Any) -> list[Any]:
        """Wait up to ``linger`` for the mailbox to hold a full batch."""
        if self.linger > 0 and len(mailbox) < self.max_batch and not mailbox.closed:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.linger
            while len(mailbox) < self.max_batch and not mailbox.closed:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                # A short sleep slice: messages arrive from other tasks meanwhile.
                await asyncio.sleep(min(remaining, 0.001))
        batch: list[Any] = []
        while len(batch) < self.max_batch:
            envelope = mailbox.pop()
            if envelope is None:
                break
            batch.append(envelope)
        return batch
