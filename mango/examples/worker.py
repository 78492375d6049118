"""An example worker service: consumes ``example.work`` messages and journals each one.

Run it with ``mango run mango.examples.worker:service``. It is also what the runtime's
process tests drive: the journal file (``MANGO_EXAMPLE_JOURNAL``) records every handled
key, one line each, so a test can check nothing was lost or handled twice.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mango import Actor, Message, MessageCodec, handler
from mango.service import Service, ServiceContext

__all__ = ["QUEUE", "WorkItem", "Worker", "codec", "service"]

QUEUE = "mango-example"


class WorkItem(Message, frozen=True, tag="example.work"):
    """One unit of example work."""

    key: str
    sleep_ms: int = 0
    fail: bool = False


codec = MessageCodec([WorkItem])


class Worker(Actor):
    """Sleeps ``sleep_ms``, then appends ``key`` to the journal (or fails on request)."""

    def __init__(self, journal: Path | None) -> None:
        self.journal = journal

    @handler
    async def work(self, message: WorkItem) -> None:
        """Do the work of one item."""
        await asyncio.sleep(message.sleep_ms / 1000)
        if message.fail:
            raise RuntimeError(f"work item {message.key} asked to fail")
        if self.journal is not None:
            await asyncio.to_thread(_append_line, self.journal, message.key)
        self.log.info("work.done", key=message.key)


def _append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as journal:
        journal.write(line + "\n")


async def _start(context: ServiceContext) -> None:
    journal = os.environ.get("MANGO_EXAMPLE_JOURNAL")
    worker = await context.runtime.spawn(
        lambda: Worker(Path(journal) if journal else None),
        name="example-worker",
        instances=context.settings.consumer_concurrency,
    )
    await context.consume(QUEUE, codec=codec, target=worker)


service = Service(
    name="example-worker",
    summary="Example: journals example.work messages from the mango-example queue.",
    queues=(QUEUE,),
    start=_start,
)
