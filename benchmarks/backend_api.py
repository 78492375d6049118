"""Suite ``backend_api``: list, filter and search latency of ``GET /v1/creatives`` (issue 5).

One run: a fresh database (``mango_bench_<random>`` on the local PostgreSQL, dropped at
the end), migrated and seeded by :mod:`benchmarks.backend_api_data` (one user with 100,000
saved creatives among 10 users sharing the tables); the Backend API as a real server
(``mango run backend-api`` in a subprocess, uvloop, memory queues); then, for each case,
requests through the API over HTTP (aiohttp, one keep-alive connection, one request at a
time, authenticated with a session bearer token) interleaved with the same query run
directly with asyncpg (:func:`actors.library.list_creatives` on a pool opened the way the
service opens its own): the SQL the API runs is the limit, and the difference of the
medians is the API's overhead (authentication query, HTTP, JSON).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from actors.library.listing import EXACT_RANK_LIMIT, RANK_WINDOW, RANK_WINDOW_SCAN
from benchmarks.backend_api_data import Seeded, seed
from benchmarks.report import Section, SuiteOptions, Table, spread

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USER_SAVES = 100_000
SAMPLES = 60
"""Requests per case, per contender and per round (``--repeats`` rounds), at most..."""
ROUND_SECONDS = 3.0
MIN_SAMPLES = 5
"""...unless the round has taken ``ROUND_SECONDS`` and has at least this many."""
WARMUP = 3
P99_GOAL_MS = 50.0
OVERHEAD_GOAL_MS = 2.0
PAGE = 50


@dataclass
class Case:
    """One request: its query string, and the same query as :func:`list_creatives` args."""

    name: str
    params: dict[str, str]
    flt: dict[str, Any] = field(default_factory=dict)
    sort: str = "saved_desc"
    matches: int | None = None
    window: int | None = None
    api: list[list[float]] = field(default_factory=list)
    sql: list[list[float]] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def _cases(seeded: Seeded, deep_cursor: str) -> list[Case]:
    words = seeded.vocabulary.words
    brand = seeded.vocabulary.pages[49][1].split()[0].lower()
    common, medium, rare = words[9], words[99], words[2999]
    pair = f"{words[29]} {words[59]}"
    return [
        Case("list, newest saved first", {}),
        Case("list, page 101 (cursor)", {"cursor": deep_cursor}),
        Case(
            "filter: platform + active",
            {"platform": "instagram", "active": "true"},
            {"platform": "instagram", "active": True},
        ),
        Case("filter: min 90 days running", {"min_days_running": "90"}, {"min_days_running": 90}),
        Case(f"filter: page name `{brand}`", {"page": brand}, {"page": brand}),
        Case(f"search: common word `{common}`", {"q": common}, {"q": common}, "relevance"),
        Case(f"search: medium word `{medium}`", {"q": medium}, {"q": medium}, "relevance"),
        Case(f"search: rare word `{rare}`", {"q": rare}, {"q": rare}, "relevance"),
        Case(f"search: two words `{pair}`", {"q": pair}, {"q": pair}, "relevance"),
        Case(
            f"search: `{common}`, newest saved first",
            {"q": common, "sort": "saved_desc"},
            {"q": common},
        ),
    ]


# -- database and server -----------------------------------------------------------------


async def _create_database(admin_dsn: str) -> str:
    import asyncpg

    name = f"mango_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def _drop_database(admin_dsn: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _free_port() -> int:
    from tests.servers.sqs import free_port

    return free_port()


@contextmanager
def _server(dsn: str, media_dir: str) -> Iterator[str]:
    """Run ``mango run backend-api`` until the block ends; yield its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "MANGO_QUEUE_BACKEND": "memory",
        "MANGO_DATABASE_URL": dsn,
        "MANGO_MEDIA_STORE": "local",
        "MANGO_MEDIA_DIR": media_dir,
        "MANGO_BACKEND_API_PORT": str(port),
        "MANGO_BACKEND_API_COOKIE_SECURE": "false",
        "MANGO_LOG_LEVEL": "warning",
    }
    url = f"http://127.0.0.1:{port}"
    log = Path(media_dir) / "backend-api.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "mango"), "run", "backend-api"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"backend-api exited with {process.returncode}: {log.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError("backend-api did not become ready within 60 s") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- measurement ---------------------------------------------------------------------------


class _Explain:
    """Stands in for a connection: runs ``EXPLAIN ANALYZE`` of the statement it is given
    (other statements, such as ``SET LOCAL``, run as they are)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.plan: list[str] = []

    def transaction(self) -> Any:
        return self.connection.transaction()

    async def execute(self, sql: str, *args: Any) -> str:
        result: str = await self.connection.execute(sql, *args)
        return result

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        rows = await self.connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
        self.plan = [row[0] for row in rows]
        return []


async def _measure(options: SuiteOptions, dsn: str, seeded: Seeded, url: str) -> dict[str, Any]:
    import aiohttp

    from actors.db import DatabaseSettings, database_pool
    from actors.library import CreativeFilter, decode_cursor, list_creatives
    from actors.library.listing import _conditions
    from actors.library.sessions import authenticate_session, create_session

    samples = options.count(SAMPLES, minimum=3)
    settings = DatabaseSettings(database_url=dsn, database_pool_min_size=1)
    async with (
        database_pool(settings, application_name="bench-direct") as pool,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http,
    ):
        token, _ = await create_session(pool, seeded.user_id, ttl=timedelta(hours=2))
        headers = {"Authorization": f"Bearer {token}"}
        user = uuid.UUID(seeded.user_id)
        skip = min(100 * PAGE, seeded.user_saves // 2)
        deep = await list_creatives(pool, user, CreativeFilter(), sort="saved_desc", limit=skip)
        cases = _cases(seeded, deep.next_cursor or "")

        async def api(case: Case) -> tuple[float, list[str]]:
            started = time.perf_counter()
            async with http.get(url + "/v1/creatives", params=case.params, headers=headers) as r:
                body = await r.read()
            elapsed = (time.perf_counter() - started) * 1000
            if r.status != 200:
                raise RuntimeError(f"{case.name}: HTTP {r.status}: {body[:500]!r}")
            return elapsed, []

        async def direct(case: Case) -> tuple[float, list[Any]]:
            flt = CreativeFilter(**case.flt)
            after = (
                decode_cursor(case.params["cursor"], "saved_desc")
                if "cursor" in case.params
                else None
            )
            started = time.perf_counter()
            page = await list_creatives(
                pool,
                user,
                flt,
                sort=case.sort,
                limit=PAGE,
                after=after,  # type: ignore[arg-type]
            )
            return (time.perf_counter() - started) * 1000, page.rows

        # The same page both ways, and how many of the user's creatives each case matches.
        for case in cases:
            async with http.get(url + "/v1/creatives", params=case.params, headers=headers) as r:
                page = await r.json()
            _, rows = await direct(case)
            case.window = page.get("relevance_window")
            api_ids = [item["id"] for item in page["items"]]
            if api_ids != [str(row["id"]) for row in rows]:
                raise RuntimeError(f"{case.name}: the API and the direct query disagree")
            where, params = _conditions(user, CreativeFilter(**case.flt))
            case.matches = await pool.fetchval(
                "SELECT count(*) FROM creative_saves AS s JOIN creatives AS c"
                f" ON c.id = s.creative_id WHERE {' AND '.join(where)}",
                *params,
            )
            for _ in range(WARMUP):
                await api(case)
                await direct(case)

        reference: dict[str, list[float]] = {"healthz": [], "auth": []}
        for _ in range(options.repeats):
            for case in cases:
                api_times: list[float] = []
                sql_times: list[float] = []
                deadline = time.perf_counter() + ROUND_SECONDS
                for n in range(samples):
                    if n >= MIN_SAMPLES and time.perf_counter() > deadline:
                        break
                    api_times.append((await api(case))[0])
                    sql_times.append((await direct(case))[0])
                case.api.append(api_times)
                case.sql.append(sql_times)
            for _ in range(samples):
                started = time.perf_counter()
                async with http.get(url + "/healthz") as r:
                    await r.read()
                reference["healthz"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await authenticate_session(pool, token)
                reference["auth"].append((time.perf_counter() - started) * 1000)

        slowest = max(cases, key=lambda c: percentile([t for r in c.sql for t in r], 0.5))
        after = (
            decode_cursor(slowest.params["cursor"], "saved_desc")
            if "cursor" in slowest.params
            else None
        )
        async with pool.acquire() as connection:
            explain = _Explain(connection)
            await list_creatives(
                explain,
                user,
                CreativeFilter(**slowest.flt),
                sort=slowest.sort,  # type: ignore[arg-type]
                limit=PAGE,
                after=after,
            )
    return {"cases": cases, "reference": reference, "slowest": slowest, "plan": explain.plan}


# -- the suite -----------------------------------------------------------------------------


def run(options: SuiteOptions) -> Section:
    """Seed, start the Backend API, measure every case ``options.repeats`` rounds."""
    from actors.db import apply_migrations
    from tests.servers.postgres import LOCAL_DSN

    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        runner = asyncio.run
    admin_dsn = os.environ.get("MANGO_BENCH_DATABASE_URL", LOCAL_DSN)
    started = time.perf_counter()
    name = runner(_create_database(admin_dsn))
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + name
    try:
        runner(apply_migrations(dsn))
        seeded: Seeded = runner(seed(dsn, options.count(USER_SAVES, minimum=2_000)))
        print(
            f"seeded {seeded.creatives:,} creatives, {seeded.saves:,} saves "
            f"in {seeded.seconds:.0f} s",
            flush=True,
        )
        measure_started = time.perf_counter()
        with (
            tempfile.TemporaryDirectory(prefix="bench-backend-api-") as media_dir,
            _server(dsn, media_dir) as url,
        ):
            results = runner(_measure(options, dsn, seeded, url))
        measure_seconds = time.perf_counter() - measure_started
    finally:
        runner(_drop_database(admin_dsn, name))
    return _section(options, seeded, results, measure_seconds, time.perf_counter() - started)


def _ranked(case: Case) -> str:
    """How a relevance-sorted case was ranked: every match, or a recent window."""
    if case.sort != "relevance":
        return "-"
    return "all" if case.window is None else f"{case.window:,} most recent"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _section(
    options: SuiteOptions,
    seeded: Seeded,
    results: dict[str, Any],
    measure_seconds: float,
    total_seconds: float,
) -> Section:
    cases: list[Case] = results["cases"]
    latency_rows = []
    goal_rows = []
    for case in cases:
        api_all = [t for round_ in case.api for t in round_]
        sql_all = [t for round_ in case.sql for t in round_]
        api_p50, sql_p50 = percentile(api_all, 0.5), percentile(sql_all, 0.5)
        api_p99, sql_p99 = percentile(api_all, 0.99), percentile(sql_all, 0.99)
        _, api_low, api_high = spread([statistics.median(r) for r in case.api])
        overheads = [
            statistics.median(a) - statistics.median(s)
            for a, s in zip(case.api, case.sql, strict=True)
        ]
        _, over_low, over_high = spread(overheads)
        overhead = api_p50 - sql_p50
        latency_rows.append(
            [
                case.name,
                f"{case.matches:,}",
                _ranked(case),
                str(len(api_all)),
                _ms(api_p50),
                f"{_ms(api_low)} - {_ms(api_high)}",
                _ms(api_p99),
                _ms(sql_p50),
                _ms(sql_p99),
                _ms(overhead),
                f"{_ms(over_low)} - {_ms(over_high)}",
            ]
        )
        goal_rows.append(
            [
                case.name,
                _ms(api_p99),
                "yes" if api_p99 < P99_GOAL_MS else "**no**",
                _ms(overhead),
                "yes" if overhead < OVERHEAD_GOAL_MS else "**no**",
            ]
        )
    reference = results["reference"]
    rounds = len(cases[0].api)
    slowest: Case = results["slowest"]
    plan = "\n".join(results["plan"])
    return Section(
        suite="backend_api",
        title="backend_api: GET /v1/creatives latency, through the API and as direct SQL",
        command=options.command,
        packages=("aiohttp", "asyncpg", "msgspec", "uvloop"),
        code_paths=("gateways", "actors", "mango"),
        summary=[
            f"Goals from issue 5: p99 under {P99_GOAL_MS:g} ms for a page of {PAGE} through "
            f"the API, and API overhead (API p50 - direct SQL p50) under "
            f"{OVERHEAD_GOAL_MS:g} ms. Data: {seeded.users} users, {seeded.creatives:,} "
            f"creatives, {seeded.saves:,} saves; the measured user has "
            f"{seeded.user_saves:,} saved creatives.",
        ],
        tables=[
            Table(
                title="Goals",
                columns=[
                    "case",
                    "API p99 ms",
                    f"p99 < {P99_GOAL_MS:g} ms",
                    "overhead ms",
                    f"overhead < {OVERHEAD_GOAL_MS:g} ms",
                ],
                rows=goal_rows,
            ),
            Table(
                title=f"Latency, ms ({rounds} rounds of up to {SAMPLES} requests per case "
                f"and contender, interleaved, a round ending after {ROUND_SECONDS:g} s; n "
                "requests each way; p50/p99 over all rounds; min - max of the rounds' medians)",
                columns=[
                    "case",
                    "matches",
                    "ranked",
                    "n",
                    "API p50",
                    "API p50 min - max",
                    "API p99",
                    "SQL p50",
                    "SQL p99",
                    "overhead p50",
                    "overhead min - max",
                ],
                rows=latency_rows,
            ),
            Table(
                title="Where the overhead goes (reference points, ms)",
                columns=["what", "p50", "p99"],
                rows=[
                    [
                        "`GET /healthz` through HTTP (no database, no auth)",
                        _ms(percentile(reference["healthz"], 0.5)),
                        _ms(percentile(reference["healthz"], 0.99)),
                    ],
                    [
                        "the session lookup every request makes (`authenticate_session`)",
                        _ms(percentile(reference["auth"], 0.5)),
                        _ms(percentile(reference["auth"], 0.99)),
                    ],
                ],
            ),
        ],
        notes=[
            "Through the API: `mango run backend-api` as a subprocess (uvloop, memory "
            "queues), an aiohttp client on one keep-alive connection sending one request at "
            "a time with a session bearer token, timed from send to the last byte of the "
            "body. Direct SQL: `actors.library.list_creatives` (the function the handler "
            "calls, hence the same statement) on a pool opened by `actors.db.database_pool`, "
            "in the client process, also on uvloop. The two are interleaved request by "
            "request, so both see the same machine load; client, server and PostgreSQL "
            "share the machine's CPUs.",
            "Matches: how many of the measured user's creatives the case's filter or search "
            "matches (a page shows 50 of them). Searches sort by `ts_rank` unless stated. "
            "Searches and the page filter use the saves' owner-scoped search documents "
            "(migration 040: one GIN lookup finds exactly this user's matches). Ranking is "
            f"exact up to {EXACT_RANK_LIMIT:,} matches; a broader search ranks its "
            f"{RANK_WINDOW:,} most recently saved matches among the {RANK_WINDOW_SCAN:,} "
            "most recent saves (the API says so in `relevance_window`; the relevance-"
            "window column shows which cases did). The page filter matches page-name words "
            "by prefix.",
            "Data (`benchmarks/backend_api_data.py`): seeded random texts with Zipf-"
            "distributed words (a few hundred advertising words, then a long tail of "
            "made-up words), Zipf-distributed advertisers, 40% of ads active, run lengths "
            "log-uniform from 1 day to a year, saves spread over a year; tags, notes, "
            "boards and stored media for the measured user. Loaded with COPY, indexes "
            "rebuilt, then `ANALYZE` (and `VACUUM` of the save, media, tag, note and board "
            "tables).",
            f"Durations: seeding {seeded.seconds:.0f} s, server start and measurement "
            f"{measure_seconds:.0f} s, whole suite {total_seconds:.0f} s.",
            f"`EXPLAIN (ANALYZE, BUFFERS)` of the case with the slowest direct p50 "
            f"({slowest.name}):\n\n```\n{plan}\n```",
        ],
    )
