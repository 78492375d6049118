"""Suite ``sqs``: mango's publisher and consumer on one fauxqs server (issue 3).

Against, in the same run and on the same server: the loop most people write by hand with
aiobotocore, Dramatiq with the ``dramatiq-sqs`` broker, and the limit (bare batch calls, no
processing). Every contender publishes the same no-op messages to a fresh queue, then
consumes and deletes them (see :mod:`benchmarks.sqs_contenders`). Also measured: the CPU
time of a default mango consumer on an empty queue.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks import sqs_contenders as contenders
from benchmarks.report import Section, SuiteOptions, Table, format_rate, spread
from benchmarks.sqs_contenders import Measure
from benchmarks.sqs_server import FauxqsServer
from mango.http.heap import tune_gc_for_serving

MESSAGES = 10_000  # per run of mango and the limit
SLOW_MESSAGES = 5_000  # per run of the hand-written loop and Dramatiq (~600 msg/s)
IDLE_SECONDS = 60.0
CALLS_GOAL = 0.35


@dataclass
class Runs:
    """Every run of one contender."""

    label: str
    phases: list[tuple[Measure, Measure]] = field(default_factory=list)

    def publish(self) -> list[Measure]:
        return [published for published, _ in self.phases]

    def consume(self) -> list[Measure]:
        return [consumed for _, consumed in self.phases]

    def end_to_end(self) -> list[float]:
        """Messages per second through publish, consume and delete."""
        return [p.messages / (p.seconds + c.seconds) for p, c in self.phases]

    def calls_per_message(self) -> float:
        calls = sum(p.calls + c.calls for p, c in self.phases)
        return calls / sum(p.messages for p, _ in self.phases)


@contextmanager
def _serving_gc() -> Iterator[None]:
    """The garbage-collector settings ``mango run`` applies, for every contender alike.

    Every mango service runs with :func:`~mango.http.heap.tune_gc_for_serving` (the
    start-up heap frozen, young collections ten times rarer); the suite measures mango
    outside ``mango run``, so it applies the same settings to the whole process, and
    restores the defaults afterwards.
    """
    thresholds = gc.get_threshold()
    tune_gc_for_serving()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _rate_cells(rates: list[float]) -> list[str]:
    median, low, high = spread(rates)
    return [format_rate(median), f"{low:,.0f} - {high:,.0f}"]


def _paired(a: Runs, b: Runs) -> tuple[float, float, float]:
    return spread([x / y for x, y in zip(a.end_to_end(), b.end_to_end(), strict=True)])


async def run(options: SuiteOptions) -> Section:
    """Run every contender ``options.repeats`` times, interleaved, on one fauxqs server."""
    fast = options.count(MESSAGES, minimum=200)
    slow = options.count(SLOW_MESSAGES, minimum=200)
    idle_seconds = max(3.0, IDLE_SECONDS * min(1.0, options.scale))
    loops = contenders.LOOPS
    plan: list[tuple[Runs, int, Callable[[FauxqsServer], Awaitable[tuple[Measure, Measure]]]]]
    mango_1 = Runs("mango, 1 poller")
    mango_n = Runs(f"mango, {loops} pollers")
    limit_1 = Runs("limit, 1 loop")
    limit_n = Runs(f"limit, {loops} loops")
    wire_1 = Runs("limit with mango's wire format, 1 loop")
    wire_n = Runs(f"limit with mango's wire format, {loops} loops")
    hand = Runs("hand-written aiobotocore loop")
    dramatiq = Runs("Dramatiq + dramatiq-sqs, 8 threads")
    plan = [
        (limit_1, fast, lambda s: contenders.limit(s, fast, loops=1)),
        (mango_1, fast, lambda s: contenders.mango(s, fast, pollers=1)),
        (limit_n, fast, lambda s: contenders.limit(s, fast, loops=loops)),
        (mango_n, fast, lambda s: contenders.mango(s, fast, pollers=loops)),
        (wire_1, fast, lambda s: contenders.limit(s, fast, loops=1, wire=True)),
        (wire_n, fast, lambda s: contenders.limit(s, fast, loops=loops, wire=True)),
        (hand, slow, lambda s: contenders.hand_written(s, slow)),
        (dramatiq, slow, lambda s: asyncio.to_thread(contenders.dramatiq_run, s, slow)),
    ]
    with FauxqsServer() as server, _serving_gc():
        for repeat in range(options.repeats):
            for runs, n, measure in plan:
                print(f"  run {repeat + 1}/{options.repeats}: {runs.label} ({n:,})", flush=True)
                runs.phases.append(await measure(server))
        print(f"  idle consumer for {idle_seconds:.0f} s", flush=True)
        idle_cpu, idle_calls = await contenders.mango_idle_cpu(server, idle_seconds)

    everyone = [mango_1, mango_n, limit_1, limit_n, wire_1, wire_n, hand, dramatiq]
    goals = []
    for label, mine, other, goal, test in (
        ("mango / limit, 1 loop", mango_1, limit_1, "≥ 0.85x", lambda r: r >= 0.85),
        (f"mango / limit, {loops} loops", mango_n, limit_n, "≥ 0.85x", lambda r: r >= 0.85),
        ("mango / hand-written", mango_1, hand, "≥ 3x", lambda r: r >= 3),
        ("mango / Dramatiq", mango_1, dramatiq, "> 1x", lambda r: r > 1),
    ):
        median, low, high = _paired(mine, other)
        met = "yes" if test(median) else "**no**"
        goals.append([label, goal, f"{median:.2f}x", f"{low:.2f}x - {high:.2f}x", met])
    for label, mine, other in (
        ("mango / limit with mango's wire format, 1 loop", mango_1, wire_1),
        (f"mango / limit with mango's wire format, {loops} loops", mango_n, wire_n),
    ):
        median, low, high = _paired(mine, other)
        goals.append([label, "(no goal)", f"{median:.2f}x", f"{low:.2f}x - {high:.2f}x", "-"])
    mango_calls = max(mango_1.calls_per_message(), mango_n.calls_per_message())
    goals.append(
        [
            "mango SQS calls per message",
            f"≤ {CALLS_GOAL}",
            f"{mango_calls:.3f}",
            f"{min(mango_1.calls_per_message(), mango_n.calls_per_message()):.3f} - "
            f"{mango_calls:.3f}",
            "yes" if mango_calls <= CALLS_GOAL else "**no**",
        ]
    )

    throughput = [
        [
            runs.label,
            f"{runs.phases[0][0].messages:,}",
            *_rate_cells(runs.end_to_end()),
            *_rate_cells([m.rate for m in runs.publish()]),
            *_rate_cells([m.rate for m in runs.consume()]),
            str(len(runs.phases)),
        ]
        for runs in everyone
    ]
    costs = [
        [
            runs.label,
            f"{statistics.median(m.calls_per_message for m in runs.publish()):.3f}",
            f"{statistics.median(m.calls_per_message for m in runs.consume()):.3f}",
            f"{runs.calls_per_message():.3f}",
            f"{statistics.median(m.cpu_seconds / m.messages * 1e3 for m in runs.publish()):.3f}",
            f"{statistics.median(m.cpu_seconds / m.messages * 1e3 for m in runs.consume()):.3f}",
        ]
        for runs in everyone
    ]
    receives = idle_calls["ReceiveMessage"]
    idle_rows = [
        [
            "mango consumer, defaults (1 poller, 20 s long polls, depth sample every 15 s)",
            f"{idle_seconds:.0f}",
            f"{idle_cpu * 1e3:.1f}",
            f"{idle_cpu / idle_seconds * 100:.3f}%",
            str(receives),
            str(idle_calls["GetQueueAttributes"]),
        ]
    ]
    return Section(
        suite="sqs",
        title="sqs: mango publisher and consumer vs hand-written, Dramatiq and the limit",
        command=options.command,
        packages=("aiobotocore", "botocore", "dramatiq", "dramatiq-sqs", "boto3"),
        code_paths=("mango",),
        summary=[
            "Goals from issue 3, on messages per second through publish, consume and delete "
            "(end to end): mango at least 85% of the limit, at least 3x the hand-written "
            "loop, ahead of Dramatiq; at most 0.35 SQS calls per message. Ratios are medians "
            "of paired runs (run *i* of mango over run *i* of the other); min - max shows "
            "the spread."
        ],
        tables=[
            Table(
                title="Goals",
                columns=["ratio", "goal", "median", "min - max", "met"],
                rows=goals,
            ),
            Table(
                title="Throughput on one fauxqs server, messages/s",
                columns=[
                    "contender",
                    "messages",
                    "end to end",
                    "min - max",
                    "publish",
                    "min - max",
                    "consume + delete",
                    "min - max",
                    "runs",
                ],
                rows=throughput,
            ),
            Table(
                title="Cost per message: SQS calls and client CPU",
                columns=[
                    "contender",
                    "calls/msg publish",
                    "calls/msg consume",
                    "calls/msg end to end",
                    "CPU ms/msg publish",
                    "CPU ms/msg consume",
                ],
                rows=costs,
            ),
            Table(
                title="Idle consumer on an empty queue",
                columns=[
                    "consumer",
                    "seconds",
                    "CPU ms",
                    "CPU share",
                    "ReceiveMessage calls",
                    "GetQueueAttributes calls",
                ],
                rows=idle_rows,
            ),
        ],
        notes=[
            "Method: one fauxqs server (npm `fauxqs`, `tools/package.json`) started by the "
            "suite on a free loopback port; one client process, asyncio's default loop, with "
            "the garbage-collector settings `mango run` gives every service "
            "(`tune_gc_for_serving`: start-up heap frozen, young threshold 10,000), for "
            "every contender alike. Each "
            "run uses a fresh queue: the contender publishes its messages (timed), then "
            "consumes and deletes them all (timed from the consumer's start to the last "
            "delete). Runs are interleaved across contenders so noise hits all alike. "
            f"mango and the limit handle {fast:,} messages per run, the hand-written loop "
            f"and Dramatiq {slow:,} (they run at a few hundred per second; rates are per "
            "second all the same).",
            "Contenders. mango: `QueuePublisher` (4 instances) asked by 200 concurrent "
            "callers; `QueueConsumer` (concurrency 100, batch 10, 1 s long polls) into a "
            "no-op actor. Hand-written: `send_message` one at a time; `receive_message` up "
            "to 10, `json.loads` each body and `delete_message` it, one at a time. Dramatiq "
            "2 with dramatiq-sqs: `actor.send` per message; a `Worker` with 8 threads and "
            "Dramatiq's default middleware. The limit: `send_message_batch` of 10 in a loop; "
            "`receive_message` of 10 plus `delete_message_batch` in a loop, nothing "
            f"decoded; with 1 loop and with {loops} concurrent loops (compared with mango "
            f"at 1 and {loops} pollers). The limit with mango's wire format is the same "
            "loop carrying what mango puts on the wire: the four `mango.*` string message "
            "attributes on every message, and receives asking for them, for the two "
            "system attributes mango reads and for the visibility timeout; its client is "
            "configured as mango's `SqsBroker` configures its own: no client-side parameter "
            "validation and a fixed User-Agent (botocore otherwise rebuilds its default one "
            "twice per call, about 0.1 ms of CPU). botocore must build and parse all of "
            "that, so mango over this variant is mango's runtime cost alone, and this "
            "variant over the bare limit (a stock aiobotocore client) is the cost of the "
            "wire format net of the client settings.",
            "Calls are counted by the clients (mango: `SqsQueue.calls`; the others: a "
            "botocore `before-call` hook); CPU is this process's CPU time (Dramatiq's "
            "threads included) divided by messages. The emulator runs in another process "
            "on the same machine, so client and server share its cores.",
            "Idle: a consumer with default options on an empty queue, measured after "
            "0.5 s of start-up; its calls in the window are counted (a 20 s long poll "
            "already in flight at the start is not).",
        ],
    )
