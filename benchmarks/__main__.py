"""``python -m benchmarks [SUITE ...]``: run suites and rewrite ``benchmarks/RESULTS.md``.

To add a suite, add one line to :data:`SUITES` (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.report import Section, SuiteOptions, write_sections

# Suite name -> module. The module defines ``run(options: SuiteOptions) -> Section``,
# sync or ``async def`` (an async one runs in a fresh default asyncio loop). Modules are
# imported only when their suite runs, so one suite's optional dependencies do not
# break the others.
SUITES: dict[str, str] = {
    "actors": "benchmarks.actors",
    "landing": "benchmarks.landing",
    "scale": "benchmarks.scale",
    "ads_api": "benchmarks.ads_api",
    "sqs": "benchmarks.sqs",
    "backend_api": "benchmarks.backend_api",
}

RESULTS = Path(__file__).with_name("RESULTS.md")
QUICK_SCALE = 0.001


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run benchmark suites and rewrite their sections of benchmarks/RESULTS.md.",
    )
    parser.add_argument(
        "suites",
        nargs="*",
        metavar="SUITE",
        help=f"suites to run (default: all): {', '.join(SUITES)}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"tiny counts (scale {QUICK_SCALE}, 2 repeats) to check that suites run; "
        "the figures mean nothing",
    )
    parser.add_argument(
        "--scale", type=float, default=None, help="multiply every count (default 1.0)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="repeats per throughput figure (default 5)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help="results file to update (default: benchmarks/RESULTS.md)",
    )
    parser.add_argument("--list", action="store_true", help="list the suites and exit")
    return parser


def _command(argv: Sequence[str]) -> str:
    """The command line as someone would type it again from the repository root."""
    python = sys.executable
    relative = os.path.relpath(python)
    if not relative.startswith(".."):
        python = relative
    elif Path(python).name.startswith("python"):
        python = "python"
    return shlex.join([python, "-m", "benchmarks", *argv])


def run_suite(name: str, options: SuiteOptions) -> Section:
    """Import the suite's module and run it."""
    module = importlib.import_module(SUITES[name])
    run = module.run
    if inspect.iscoroutinefunction(run):
        section: Section = asyncio.run(run(options))
    else:
        section = run(options)
    return section


def main(argv: Sequence[str] | None = None) -> int:
    """Run the requested suites; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(args_list)
    if args.list:
        for name, module in SUITES.items():
            print(f"{name}\t{module}")
        return 0
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(SUITES)}")
        return 2
    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    if scale <= 0 or repeats < 1:
        print("--scale must be > 0 and --repeats >= 1")
        return 2
    options = SuiteOptions(scale=scale, repeats=repeats, command=_command(args_list))
    sections = []
    for name in args.suites or list(SUITES):
        print(f"== suite {name}", flush=True)
        sections.append(run_suite(name, options))
        # Write after every suite, so a later suite's crash keeps the earlier figures.
        write_sections(args.output, sections[-1:])
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
