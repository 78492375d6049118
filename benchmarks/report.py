"""Sections of ``RESULTS.md``: what a suite returns, how it renders, how the file is merged.

A suite returns one :class:`Section`. :func:`write_sections` replaces, in place, the
sections of the suites that ran (delimited by ``<!-- suite:NAME -->`` and
``<!-- /suite:NAME -->``) and appends new ones, so the figures of suites not run this time
and any text outside the markers stay as they were.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import re
import statistics
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Machine",
    "Section",
    "SuiteOptions",
    "Table",
    "format_rate",
    "machine",
    "render_section",
    "spread",
    "write_sections",
]

RESULTS_HEADER = """# Benchmark results

Written by `python -m benchmarks` (see `benchmarks/README.md`). Each suite rewrites only
its own section, between its `<!-- suite:NAME -->` markers; sections of suites not run keep
their last figures. Machines are shared and noisy: read the spread, not only the median.
"""


@dataclass(frozen=True, kw_only=True)
class SuiteOptions:
    """What the command line passes to every suite.

    Attributes:
        scale: Multiplier for every message and actor count (1.0 = the documented
            counts; ``--quick`` uses a tiny scale for smoke tests).
        repeats: How many times each throughput measurement is repeated.
        command: The exact command line, stated in the section.
    """

    scale: float = 1.0
    repeats: int = 5
    command: str = "python -m benchmarks"

    def count(self, full: int, *, minimum: int = 10) -> int:
        """Return ``full`` scaled, but never below ``minimum``."""
        return max(minimum, round(full * self.scale))


@dataclass(frozen=True, kw_only=True)
class Table:
    """A Markdown table with an optional ``###`` heading above it."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str = ""

    def render(self) -> str:
        """Return the table as Markdown."""
        lines = [f"### {self.title}", ""] if self.title else []
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} has {len(row)} cells, not {len(self.columns)}")
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class Machine:
    """Where a section was measured."""

    nproc: int
    cpu_model: str
    python: str
    platform: str
    load: float

    def render(self) -> str:
        """Return a one-line description."""
        return (
            f"{self.nproc} CPUs (nproc), {self.cpu_model}; {self.python}; {self.platform}; "
            f"1-min load average {self.load:.2f} when the section was written"
        )


@dataclass(kw_only=True)
class Section:
    """What a suite produces: one section of ``RESULTS.md``.

    Attributes:
        suite: The suite name (the key of the marker comments).
        title: The ``##`` heading.
        command: The exact command that produced the figures.
        packages: Distribution names whose versions the section states.
        code_paths: Repository paths whose revision the section states (e.g. ``mango``).
        tables: The figures.
        notes: Free Markdown paragraphs after the tables (method, caveats).
        summary: Markdown paragraphs before the tables (the verdict).
    """

    suite: str
    title: str
    command: str
    packages: Sequence[str] = ()
    code_paths: Sequence[str] = ()
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    date: datetime.datetime = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    )
    machine: Machine = field(default_factory=lambda: machine())


def machine() -> Machine:
    """Describe this machine: nproc, CPU model, Python, OS and current load."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return Machine(
        nproc=nproc or 1,
        cpu_model=model,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        load=os.getloadavg()[0],
    )


def package_versions(names: Iterable[str]) -> str:
    """Return ``name version`` pairs, saying which packages are not installed."""
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def revision(paths: Sequence[str]) -> str:
    """Return the git commit and whether ``paths`` differ from it (read-only git calls)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "diff-index", "--quiet", "HEAD", "--", *paths], cwd=root, check=False
        ).returncode
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    where = ", ".join(f"`{path}/`" for path in paths)
    state = f"with uncommitted changes in {where}" if dirty else f"{where} as committed"
    return f"commit {commit}, {state}"


def render_section(section: Section) -> str:
    """Return the section as Markdown, markers included."""
    lines = [
        f"<!-- suite:{section.suite} -->",
        f"## {section.title}",
        "",
        f"- Command: `{section.command}`",
        f"- Date: {section.date.isoformat()}",
        f"- Machine: {section.machine.render()}",
    ]
    if section.packages:
        lines.append(f"- Packages: {package_versions(section.packages)}")
    if section.code_paths:
        lines.append(f"- Code: {revision(section.code_paths)}")
    lines.append("")
    for paragraph in section.summary:
        lines += [paragraph, ""]
    for table in section.tables:
        lines += [table.render(), ""]
    for paragraph in section.notes:
        lines += [paragraph, ""]
    lines.append(f"<!-- /suite:{section.suite} -->")
    return "\n".join(lines)


def _section_pattern(suite: str) -> re.Pattern[str]:
    name = re.escape(suite)
    return re.compile(rf"<!-- suite:{name} -->.*?<!-- /suite:{name} -->", re.DOTALL)


def write_sections(path: Path, sections: Iterable[Section]) -> None:
    """Replace or append each section in the results file at ``path``.

    Sections of other suites and text outside the markers are kept as they are.
    """
    text = path.read_text() if path.exists() else RESULTS_HEADER
    for section in sections:
        rendered = render_section(section)
        pattern = _section_pattern(section.suite)
        match = pattern.search(text)
        if match:
            text = text[: match.start()] + rendered + text[match.end() :]
        else:
            text = text.rstrip("\n") + "\n\n" + rendered + "\n"
    path.write_text(text)


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """Return (median, min, max) of ``values``."""
    return statistics.median(values), min(values), max(values)


def format_rate(value: float) -> str:
    """Format a per-second rate with thousands separators."""
    return f"{value:,.0f}"
