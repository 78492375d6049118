"""Suite ``actors``, memory part: idle mango and Pykka actors, each figure in a fresh process.

``python -m benchmarks.actors_memory {mango|pykka} {tracemalloc|rss} COUNT`` starts
COUNT idle actors and prints one JSON line: the tracemalloc peak delta or the VmRSS delta
in bytes, and the seconds it took to start them. A fresh interpreter per figure keeps the
contenders (and tracemalloc's own bookkeeping) from polluting each other.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pykka

from benchmarks.actors import MAILBOX, MangoCounter, PykkaCounter
from mango import Runtime

IDLE_ACTORS = 10_000
PYKKA_IDLE_FALLBACK = 1_000
ROOT = Path(__file__).resolve().parent.parent


def memory_rows(count: int) -> tuple[list[list[str]], list[str]]:
    """Measure ``count`` idle mango and Pykka actors; return table rows and notes.

    Pykka starts one thread per actor: if ``count`` threads cannot be started here, it
    measures ``PYKKA_IDLE_FALLBACK`` and scales the totals linearly, and says so.
    """
    rows = [_memory_row("mango (tasks)", "mango", count, count)]
    notes = [
        "Memory: each figure comes from its own fresh interpreter (`python -m "
        "benchmarks.actors_memory KIND MODE COUNT`), one for tracemalloc and one for "
        "VmRSS, so neither the other contender nor tracemalloc's own bookkeeping pollutes "
        "it. The baseline is taken after imports (and, for mango, inside a started "
        "`Runtime`); tracemalloc sees Python allocations only, so Pykka's thread stacks "
        "show in VmRSS alone. Start-up s is the time to spawn them all (VmRSS run)."
    ]
    try:
        rows.append(_memory_row("Pykka (threads)", "pykka", count, count))
        notes.append(f"Pykka: {count:,} threads were started for real.")
    except RuntimeError as exc:
        fallback = min(count, PYKKA_IDLE_FALLBACK)
        rows.append(
            _memory_row(f"Pykka (threads), x {count / fallback:g}", "pykka", fallback, count)
        )
        notes.append(
            f"Pykka: {count:,} threads could not be started here ({exc}); {fallback:,} were "
            f"measured and the totals multiplied by {count / fallback:g} (linear)."
        )
    return rows, notes


def _memory_row(label: str, kind: str, count: int, shown: int) -> list[str]:
    scale = shown / count
    traced = _probe(kind, "tracemalloc", count)
    rss = _probe(kind, "rss", count)
    peak, resident = traced["bytes"] * scale, rss["bytes"] * scale
    return [
        label,
        f"{count:,}",
        f"{peak / 2**20:.1f} MiB",
        f"{peak / shown / 1024:.2f} KiB",
        f"{resident / 2**20:.1f} MiB",
        f"{resident / shown / 1024:.2f} KiB",
        f"{rss['seconds'] * scale:.2f}",
    ]


def _probe(kind: str, mode: str, count: int) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.actors_memory", kind, mode, str(count)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed: {done.stderr.strip()[-300:]}")
    # The last line is the JSON result; anything before it is log output.
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Meter:
    """Measures one figure: tracemalloc peak delta or VmRSS delta, and elapsed time."""

    def __init__(self, mode: str) -> None:
        if mode not in ("tracemalloc", "rss"):
            raise ValueError(f"mode must be tracemalloc or rss, not {mode!r}")
        self.mode = mode
        gc.collect()
        if mode == "tracemalloc":
            tracemalloc.start()
            self.base = tracemalloc.get_traced_memory()[0]
        else:
            self.base = _rss_bytes()
        self.start = time.perf_counter()
        self.seconds: float | None = None

    def stop_clock(self) -> None:
        """Stop the start-up clock (before any settling pause)."""
        self.seconds = time.perf_counter() - self.start

    def result(self) -> dict[str, float]:
        if self.seconds is None:
            self.stop_clock()
        seconds = self.seconds or 0.0
        if self.mode == "tracemalloc":
            used = tracemalloc.get_traced_memory()[1] - self.base
        else:
            used = _rss_bytes() - self.base
        return {"bytes": used, "seconds": seconds}


async def _idle_mango(mode: str, count: int) -> dict[str, float]:
    async with Runtime(name="bench") as runtime:
        meter = _Meter(mode)
        for index in range(count):
            await runtime.spawn(MangoCounter, name=f"idle-{index}", mailbox_size=MAILBOX)
        meter.stop_clock()
        for _ in range(3):
            await asyncio.sleep(0)  # let every actor loop park on its empty mailbox
        return meter.result()


def _idle_pykka(mode: str, count: int) -> dict[str, float]:
    meter = _Meter(mode)
    try:
        refs = [PykkaCounter.start() for _ in range(count)]
        meter.stop_clock()
        time.sleep(0.1)  # Thread.start() has returned: each thread is blocked on its inbox
        result = meter.result()
        assert len(refs) == count
    finally:
        pykka.ActorRegistry.stop_all()
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("mango", "pykka"):
        print("usage: python -m benchmarks.actors_memory {mango|pykka} {tracemalloc|rss} COUNT")
        return 2
    kind, mode, count = argv[0], argv[1], int(argv[2])
    result = asyncio.run(_idle_mango(mode, count)) if kind == "mango" else _idle_pykka(mode, count)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
