"""The mailbox's wake-ups with several readers (the instances of a pool)."""

from __future__ import annotations

import asyncio

from mango.mailbox import Mailbox


async def _reader(mailbox: Mailbox, log: list[str], name: str, hold: asyncio.Event | None) -> None:
    while True:
        envelope = mailbox.pop()
        if envelope is None:
            if mailbox.closed:
                return
            await mailbox.wait()
            log.append(f"{name} woke")
            continue
        log.append(f"{name} took {envelope[0]}")
        if hold is not None:
            await hold.wait()  # a handler that suspends


async def test_a_burst_one_reader_drains_costs_one_spare_wake_up() -> None:
    mailbox = Mailbox(capacity=100, name="pool")
    log: list[str] = []
    readers = [asyncio.create_task(_reader(mailbox, log, f"r{n}", None)) for n in range(5)]
    await asyncio.sleep(0)  # every reader waits
    for n in range(10):
        mailbox.put_nowait((n, None, None))
    for _ in range(10):
        await asyncio.sleep(0)
    assert [entry for entry in log if "took" in entry] == [f"r0 took {n}" for n in range(10)]
    assert sum("woke" in entry for entry in log) == 2  # r0, and r1 which found nothing
    mailbox.close()
    await asyncio.gather(*readers)


async def test_readers_whose_handlers_suspend_all_get_work() -> None:
    mailbox = Mailbox(capacity=100, name="pool")
    log: list[str] = []
    hold = asyncio.Event()
    readers = [asyncio.create_task(_reader(mailbox, log, f"r{n}", hold)) for n in range(5)]
    await asyncio.sleep(0)
    for n in range(5):
        mailbox.put_nowait((n, None, None))
    for _ in range(20):
        await asyncio.sleep(0)
    took = sorted(entry for entry in log if "took" in entry)
    assert took == sorted(f"r{n} took {n}" for n in range(5))  # one each, concurrently
    hold.set()
    mailbox.close()
    await asyncio.gather(*readers)


async def test_a_reader_cancelled_after_its_wake_up_passes_it_on() -> None:
    mailbox = Mailbox(capacity=100, name="pool")
    log: list[str] = []
    first = asyncio.create_task(_reader(mailbox, log, "r0", None))
    second = asyncio.create_task(_reader(mailbox, log, "r1", None))
    await asyncio.sleep(0)
    mailbox.put_nowait(("x", None, None))  # wakes r0
    first.cancel()  # before r0 runs
    for _ in range(5):
        await asyncio.sleep(0)
    assert "r1 took x" in log
    mailbox.close()
    await asyncio.gather(first, second, return_exceptions=True)
