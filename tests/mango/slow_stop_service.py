"""A test service whose actor takes a minute to stop (for the second-signal test)."""

from __future__ import annotations

import asyncio

from mango import Actor
from mango.service import Service, ServiceContext


class SlowStopper(Actor):
    """Stalls shutdown in on_stop."""

    async def on_stop(self) -> None:
        await asyncio.sleep(60)


async def _start(context: ServiceContext) -> None:
    await context.runtime.spawn(SlowStopper, name="slow-stopper", stop_timeout=None)


service = Service(name="slow-stop", summary="test: slow to stop", start=_start)
