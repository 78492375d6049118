"""Suite ``actors``: mango actors against a bare ``asyncio.Queue`` and Pykka (issue 2).

Every contender does the same work per message: a handler that increments a counter,
fed the same pre-built message object (so the figures measure the transport, not message
construction). Measurements:

- ``tell`` throughput through one actor (mailbox 1000), against a bare
  ``asyncio.Queue(1000)`` producer/consumer pair (the limit) and Pykka's threads. Each is
  repeated ``--repeats`` times, interleaved, so noise hits every contender alike.
- ``ask`` round-trip latency (p50/p99), against a bare Future-through-a-Queue ask and
  Pykka's ``ask`` and proxy call.
- Memory of idle actors (tracemalloc peak delta, VmRSS delta), each figure in a fresh
  subprocess (``benchmarks/actors_memory.py``).

The main figures use the default asyncio loop; when ``uvloop`` imports, the asyncio
contenders run again on uvloop, labelled as such.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pykka

from benchmarks.report import Section, SuiteOptions, Table, format_rate, spread
from mango import Actor, Message, Runtime, handler

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop] | None

TELL_MESSAGES = 1_000_000
PYKKA_TELL_MESSAGES = 100_000
ASK_ROUNDS = 20_000
PYKKA_ASK_ROUNDS = 10_000
MAILBOX = 1000


class Ping(Message, frozen=True, tag="bench.ping"):
    """The one message every contender handles."""


class MangoCounter(Actor):
    """A mango actor whose handler increments a counter."""

    def __init__(self) -> None:
        self.count = 0

    @handler
    async def ping(self, message: Ping) -> int:
        self.count += 1
        return self.count


class QueueCounter:
    """The consumer side of the bare-queue contender: the same async handler."""

    def __init__(self) -> None:
        self.count = 0

    async def ping(self, message: Ping) -> int:
        self.count += 1
        return self.count


class PykkaCounter(pykka.ThreadingActor):
    """A Pykka actor doing the same work, by message (``on_receive``) or proxy (``ping``)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_receive(self, message: Any) -> int:
        self.count += 1
        return self.count

    def ping(self) -> int:
        self.count += 1
        return self.count


# -- tell throughput ---------------------------------------------------------------------


async def mango_tell(n: int) -> float:
    """Tell ``n`` messages to one actor; return messages per second."""
    async with Runtime(name="bench") as runtime:
        ref = await runtime.spawn(MangoCounter, name="counter", mailbox_size=MAILBOX)
        message = Ping()
        tell = ref.tell
        start = time.perf_counter()
        for _ in range(n):
            await tell(message)
        count = await ref.ask(message, timeout=None)  # FIFO: answered after every tell
        elapsed = time.perf_counter() - start
    assert count == n + 1, count
    return n / elapsed


async def bare_queue_tell(n: int) -> float:
    """Move ``n`` messages through a bare ``asyncio.Queue``; return messages per second."""
    queue: asyncio.Queue[Ping] = asyncio.Queue(MAILBOX)
    counter = QueueCounter()

    async def consume() -> None:
        get, ping = queue.get, counter.ping
        for _ in range(n):
            await ping(await get())

    message = Ping()
    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(consume())
        put = queue.put
        for _ in range(n):
            await put(message)
    elapsed = time.perf_counter() - start
    assert counter.count == n, counter.count
    return n / elapsed


def pykka_tell(n: int) -> float:
    """Tell ``n`` messages to one Pykka actor; return messages per second."""
    ref = PykkaCounter.start()
    try:
        message = Ping()
        tell = ref.tell
        start = time.perf_counter()
        for _ in range(n):
            tell(message)
        count = ref.ask(message)  # FIFO: answered after every tell
        elapsed = time.perf_counter() - start
    finally:
        ref.stop()
    assert count == n + 1, count
    return n / elapsed


# -- ask latency -------------------------------------------------------------------------


async def mango_ask(n: int, warmup: int, timeout: float | None) -> list[int]:
    """Return ``n`` ask round trips in nanoseconds."""
    async with Runtime(name="bench") as runtime:
        ref = await runtime.spawn(MangoCounter, name="counter", mailbox_size=MAILBOX)
        message = Ping()
        samples = []
        clock = time.perf_counter_ns
        for i in range(warmup + n):
            start = clock()
            await ref.ask(message, timeout=timeout)
            if i >= warmup:
                samples.append(clock() - start)
    return samples


async def bare_ask(n: int, warmup: int) -> list[int]:
    """Return ``n`` round trips of a Future sent through an ``asyncio.Queue``."""
    queue: asyncio.Queue[tuple[Ping, asyncio.Future[int]] | None] = asyncio.Queue(MAILBOX)
    counter = QueueCounter()

    async def serve() -> None:
        while (item := await queue.get()) is not None:
            message, reply = item
            reply.set_result(await counter.ping(message))

    loop = asyncio.get_running_loop()
    message = Ping()
    samples = []
    clock = time.perf_counter_ns
    async with asyncio.TaskGroup() as group:
        group.create_task(serve())
        for i in range(warmup + n):
            start = clock()
            reply: asyncio.Future[int] = loop.create_future()
            await queue.put((message, reply))
            await reply
            if i >= warmup:
                samples.append(clock() - start)
        await queue.put(None)
    return samples


def pykka_ask(n: int, warmup: int, *, proxy: bool) -> list[int]:
    """Return ``n`` Pykka round trips (``ask``, or a proxy method call and ``get``)."""
    ref = PykkaCounter.start()
    try:
        message = Ping()
        actor = ref.proxy()
        samples = []
        clock = time.perf_counter_ns
        for i in range(warmup + n):
            start = clock()
            if proxy:
                actor.ping().get()
            else:
                ref.ask(message)
            if i >= warmup:
                samples.append(clock() - start)
    finally:
        ref.stop()
    return samples


# -- the suite ---------------------------------------------------------------------------


def _loops() -> list[tuple[str, LoopFactory]]:
    loops: list[tuple[str, LoopFactory]] = [("asyncio", None)]
    try:
        import uvloop
    except ImportError:
        return loops
    loops.append(("uvloop", uvloop.new_event_loop))
    return loops


def _in_loop(factory: LoopFactory, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` in a fresh event loop made by ``factory`` (None: default asyncio)."""
    gc.collect()
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def _percentiles(samples: list[int]) -> tuple[float, float]:
    """Return (p50, p99) in microseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples) / 1000, cuts[98] / 1000


def _rates_row(label: str, loop: str, n: int, rates: list[float]) -> list[str]:
    median, low, high = spread(rates)
    return [
        label,
        loop,
        f"{n:,}",
        format_rate(median),
        f"{format_rate(low)} - {format_rate(high)}",
        str(len(rates)),
    ]


def _ratio_row(goal: str, target: float, ratios: list[float], loop: str) -> list[str]:
    median, low, high = spread(ratios)
    met = "yes" if median >= target else "**no**"
    return [goal, loop, f"≥ {target:g}x", f"{median:.2f}x", f"{low:.2f}x - {high:.2f}x", met]


def run(options: SuiteOptions) -> Section:
    """Run every measurement of the suite and return its section."""
    tells, pykka_tells = options.count(TELL_MESSAGES), options.count(PYKKA_TELL_MESSAGES)
    asks, pykka_asks = options.count(ASK_ROUNDS), options.count(PYKKA_ASK_ROUNDS)
    warmup = options.count(1000)
    loops = _loops()

    mango: dict[str, list[float]] = {loop: [] for loop, _ in loops}
    bare: dict[str, list[float]] = {loop: [] for loop, _ in loops}
    pykka_rates: list[float] = []
    for repeat in range(options.repeats):
        print(f"  tell throughput, run {repeat + 1}/{options.repeats}", flush=True)
        for loop, factory in loops:
            mango[loop].append(_in_loop(factory, mango_tell(tells)))
            bare[loop].append(_in_loop(factory, bare_queue_tell(tells)))
        gc.collect()
        pykka_rates.append(pykka_tell(pykka_tells))

    throughput_rows = [_rates_row("Pykka `tell` (threads)", "threads", pykka_tells, pykka_rates)]
    goal_rows = []
    for loop, _ in loops:
        throughput_rows.insert(
            -1, _rates_row("bare `asyncio.Queue(1000)`", loop, tells, bare[loop])
        )
        throughput_rows.insert(-1, _rates_row("mango `tell`", loop, tells, mango[loop]))
        # Paired ratios: run i of mango against run i of the other, measured moments apart.
        to_bare = [m / b for m, b in zip(mango[loop], bare[loop], strict=True)]
        to_pykka = [m / p for m, p in zip(mango[loop], pykka_rates, strict=True)]
        goal_rows.append(_ratio_row("mango tell / bare queue", 0.5, to_bare, loop))
        goal_rows.append(_ratio_row("mango tell / Pykka tell", 10, to_pykka, loop))

    pykka_median, bare_median = statistics.median(pykka_rates), statistics.median(bare["asyncio"])
    mango_median = statistics.median(mango["asyncio"])
    pykka_note = (
        f"Reading the 10x goal: 10x Pykka's median here is {format_rate(10 * pykka_median)} "
        f"msg/s, {10 * pykka_median / bare_median:.1f}x the bare queue's median (asyncio); "
        "the issue set the goal expecting 10x Pykka to be close to the bare queue's rate. "
        f"Pykka measured here ({format_rate(pykka_median)}/s) is faster than the issue's "
        "114,000/s reference, most likely because with one producer thread the GIL changes "
        f"hands only every switch interval ({sys.getswitchinterval() * 1000:g} ms): the "
        "producer enqueues in long bursts and the actor thread drains them without a "
        "wake-up per message. Against the issue's reference, mango's asyncio median would "
        f"be {mango_median / 114_000:.1f}x."
    )

    print("  ask latency", flush=True)
    latency_rows = []
    for loop, factory in loops:
        contenders = [
            ("bare Future through `asyncio.Queue`", bare_ask(asks, warmup)),
            ("mango `ask(timeout=5)`", mango_ask(asks, warmup, 5.0)),
            ("mango `ask(timeout=None)`", mango_ask(asks, warmup, None)),
        ]
        for label, coro in contenders:
            p50, p99 = _percentiles(_in_loop(factory, coro))
            latency_rows.append([label, loop, f"{asks:,}", f"{p50:.1f}", f"{p99:.1f}"])
    for label, proxy in (("Pykka `ask`", False), ("Pykka proxy `ping().get()`", True)):
        gc.collect()
        p50, p99 = _percentiles(pykka_ask(pykka_asks, warmup, proxy=proxy))
        latency_rows.append([label, "threads", f"{pykka_asks:,}", f"{p50:.1f}", f"{p99:.1f}"])

    print("  idle actor memory (subprocesses)", flush=True)
    # Imported here: actors_memory imports the contenders from this module.
    from benchmarks.actors_memory import IDLE_ACTORS, memory_rows

    idle_rows, memory_notes = memory_rows(options.count(IDLE_ACTORS))

    summary = [
        "Goals from issue 2: mango `tell` throughput at least 50% of a bare "
        "`asyncio.Queue(1000)` pair and at least 10x Pykka's. Ratios are medians of paired "
        "runs (run *i* of mango over run *i* of the other contender); min - max shows "
        "the spread."
    ]
    return Section(
        suite="actors",
        title="actors: mango vs bare asyncio.Queue vs Pykka",
        command=options.command,
        packages=("magic-mango", "msgspec", "pykka", "uvloop"),
        code_paths=("mango",),
        summary=summary,
        tables=[
            Table(
                title="Goals",
                columns=["ratio", "loop", "goal", "median", "min - max", "met"],
                rows=goal_rows,
            ),
            Table(
                title="`tell` throughput, one actor, messages/s",
                columns=["contender", "loop", "messages", "median /s", "min - max /s", "runs"],
                rows=throughput_rows,
            ),
            Table(
                title="`ask` round trip, one actor, sequential, µs",
                columns=["contender", "loop", "asks", "p50 µs", "p99 µs"],
                rows=latency_rows,
            ),
            Table(
                title=f"Memory of {options.count(IDLE_ACTORS):,} idle actors",
                columns=[
                    "actors",
                    "measured",
                    "tracemalloc peak Δ",
                    "per actor",
                    "VmRSS Δ",
                    "per actor",
                    "start-up s",
                ],
                rows=idle_rows,
            ),
        ],
        notes=[
            "Method: every contender runs the same handler (increment a counter and return "
            "it) on one pre-built `Ping` message. Throughput: one producer sends every "
            "message, then one `ask` waits until the actor has handled them all (FIFO); "
            "the bare pair ends when the consumer has taken the last message. Each asyncio "
            "measurement runs in a fresh event loop; runs are interleaved across "
            "contenders. Pykka is fed fewer messages (its rate is per second all the same). "
            f"Ask latency: {warmup:,} warm-up asks, then sequential asks timed with "
            "`perf_counter_ns`; the Pykka caller is the main thread.",
            "The `asyncio` rows use the default event loop; the `uvloop` rows run the same "
            "code on `uvloop.new_event_loop()` (what the project's containers use).",
            pykka_note,
            *memory_notes,
            "Reference from issue 2 (another machine): bare queue ≈ 1.18 M msg/s, Pykka "
            "`tell` ≈ 114,000 msg/s, Pykka `ask` p50 ≈ 30 µs, asyncio Future+Queue ask p50 "
            "≈ 7 µs.",
        ],
    )
