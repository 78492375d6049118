"""Suite ``landing``: Lighthouse scores of the landing page (issue 8).

Builds ``web/landing`` (``npm ci`` first when its packages are missing), then runs its
``npm run lighthouse`` script: the pinned Lighthouse from npm, in Debian's Chromium
(``$CHROME_PATH``, default ``/usr/bin/chromium``; never a downloaded browser), against the
static export served on a free loopback port. Each preset (desktop, the goal's gate, and
mobile, for information) runs ``--repeats`` times, each run in a fresh browser; the tables
give the median score per category with the spread.

Goal from issue 8: at least 90 in performance, accessibility, best practices and SEO.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.report import Section, SuiteOptions, Table

LANDING = Path(__file__).resolve().parent.parent / "web" / "landing"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LABELS = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best practices",
    "seo": "SEO",
}
GOAL = 0.9
PRESETS = ("desktop", "mobile")


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the landing suite (Node 20 and npm)")
    return npm


def build() -> None:
    """Install the landing page's pinned packages when missing, and build the export."""
    npm = _npm()
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
    if not (LANDING / "node_modules" / ".package-lock.json").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=LANDING,
            env=env,
            check=True,
        )
    subprocess.run([npm, "run", "--silent", "build"], cwd=LANDING, env=env, check=True)


def lighthouse(preset: str, runs: int) -> dict[str, Any]:
    """Run ``npm run lighthouse`` and return its JSON summary."""
    result = subprocess.run(
        [_npm(), "run", "--silent", "lighthouse", "--", "--preset", preset, "--runs", str(runs)],
        cwd=LANDING,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120 + 60 * runs,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm run lighthouse failed ({result.returncode}):\n{result.stderr}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def _score(value: float) -> str:
    return f"{round(value * 100)}"


def _versions(summary: dict[str, Any]) -> str:
    next_version = "unknown"
    package = LANDING / "node_modules" / "next" / "package.json"
    if package.exists():
        next_version = json.loads(package.read_text())["version"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return (
        f"Lighthouse {summary['lighthouse']} (npm, pinned in `web/landing/package-lock.json`), "
        f"Chromium {summary['chromium']} (`{summary['chrome_path']}`, Debian), "
        f"Next.js {next_version}, Node {node.stdout.strip()} on {platform.machine()}."
    )


def run(options: SuiteOptions) -> Section:
    """Build the landing page and measure its Lighthouse scores per preset."""
    build()
    runs = max(1, options.repeats)
    summaries = {preset: lighthouse(preset, runs) for preset in PRESETS}

    score_rows = []
    goal_rows = []
    metric_rows = []
    for preset, summary in summaries.items():
        per_run = summary["all_runs"]
        cells = []
        for category in CATEGORIES:
            values = [r["scores"][category] for r in per_run]
            median = statistics.median(values)
            cells.append(f"{_score(median)} ({_score(min(values))} - {_score(max(values))})")
            if preset == "desktop":
                met = min(values) >= GOAL
                goal_rows.append(
                    [
                        LABELS[category],
                        f"≥ {_score(GOAL)}",
                        _score(median),
                        _score(min(values)),
                        "yes" if met else "**no**",
                    ]
                )
        score_rows.append([preset, str(len(per_run)), *cells])
        metrics = {
            key: statistics.median(r["metrics"][key] for r in per_run)
            for key in ("fcp_ms", "lcp_ms", "tbt_ms", "cls")
        }
        metric_rows.append(
            [
                preset,
                f"{metrics['fcp_ms']:,.0f}",
                f"{metrics['lcp_ms']:,.0f}",
                f"{metrics['tbt_ms']:,.0f}",
                f"{metrics['cls']:.3f}",
            ]
        )

    desktop = summaries["desktop"]
    below = sorted({audit for r in desktop["all_runs"] for audit in r["below_0_9"]})
    return Section(
        suite="landing",
        title="landing: Lighthouse scores of the landing page",
        command=options.command,
        code_paths=("web/landing",),
        summary=[
            "Goal from issue 8: Lighthouse scores of at least 90 for performance, "
            "accessibility, best practices and SEO (desktop preset; every run must meet it).",
            _versions(desktop),
        ],
        tables=[
            Table(
                title="Goals (desktop preset)",
                columns=["category", "goal", "median", "worst run", "met"],
                rows=goal_rows,
            ),
            Table(
                title="Scores per preset, median (min - max)",
                columns=["preset", "runs", *(LABELS[c] for c in CATEGORIES)],
                rows=score_rows,
            ),
            Table(
                title="Lab metrics, median (simulated throttling)",
                columns=["preset", "FCP ms", "LCP ms", "TBT ms", "CLS"],
                rows=metric_rows,
            ),
        ],
        notes=[
            "Method: `npm run build` (Next.js static export, then `scripts/strip-runtime.mjs` "
            "removes the unused React runtime: the page is HTML with inline CSS and inline "
            "SVG), then `npm run lighthouse -- --preset P --runs N` in `web/landing`. It "
            "serves `out/` with `scripts/serve.mjs` (gzip, loopback, free port) and runs "
            "Lighthouse's Node API with chrome-launcher flags "
            f"`{' '.join(desktop['chrome_flags'])}`, a fresh browser per run, simulated "
            "throttling (Lighthouse's default: the desktop preset's or the mobile "
            "4x CPU / slow 4G model), so the scores depend little on the machine's load.",
            "Audits scoring below 0.9 in a desktop run (they weigh little or nothing): "
            + (", ".join(f"`{a}`" for a in below) if below else "none")
            + ".",
        ],
    )
