"""Smoke test of suite ``backend_api`` (issue 5): a ``--quick`` run writes its section.

A real run at tiny counts: a fresh database seeded with 2,000 creatives for the measured
user, ``mango run backend-api`` as a subprocess, real HTTP. The suite itself checks that
the API and the direct query return the same page for every case. No timing is asserted.
"""

import re
from pathlib import Path

import pytest

from benchmarks import backend_api
from benchmarks.__main__ import main
from tests.servers.postgres import PostgresServer

pytestmark = pytest.mark.slow

CASES = (
    "list, newest saved first",
    "list, page 101 (cursor)",
    "filter: platform + active",
    "filter: min 90 days running",
    "filter: page name",
    "search: common word",
    "search: medium word",
    "search: rare word",
    "search: two words",
)


def _rows(section: str, title: str) -> list[list[str]]:
    table = section.split(f"### {title}", 1)[1].split("\n\n", 2)[1]
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ][1:]


def test_quick_run_writes_a_well_formed_section(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case has figures, the seeded counts are stated, and the database is dropped."""
    monkeypatch.setenv("MANGO_BENCH_DATABASE_URL", postgres_server.admin_dsn)
    results = tmp_path / "RESULTS.md"
    created: list[str] = []
    create = backend_api._create_database

    async def recording_create(admin_dsn: str) -> str:
        created.append(await create(admin_dsn))
        return created[-1]

    monkeypatch.setattr(backend_api, "_create_database", recording_create)

    assert main(["backend_api", "--quick", "--repeats", "1", "--output", str(results)]) == 0

    text = results.read_text()
    match = re.search(r"<!-- suite:backend_api -->.*?<!-- /suite:backend_api -->", text, re.S)
    assert match, "no backend_api section"
    section = match.group(0)
    assert re.search(
        r"^- Command: `\S*python\S* -m benchmarks backend_api --quick --repeats 1 --output "
        r"\S+RESULTS\.md`$",
        section,
        re.MULTILINE,
    )
    assert "the measured user has 2,000 saved creatives" in section
    assert "1-min load average" in section
    latency = _rows(section, "Latency, ms")
    names = [row[0] for row in latency]
    for case in CASES:
        assert any(name.startswith(case) for name in names), f"no row for {case}"
    for row in latency:
        assert all(cell for cell in row), f"empty cell in {row}"
        assert int(row[1].replace(",", "")) >= 0
        relevance = "search" in row[0] and "newest" not in row[0]
        # How a relevance search was ranked: every match, or a recent window.
        assert (row[2] == "all" or row[2].endswith("most recent")) if relevance else row[2] == "-"
        assert int(row[3]) >= 3
        for cell in (row[4], row[6], row[7], row[8]):
            assert float(cell) > 0
    list_row = next(row for row in latency if row[0] == "list, newest saved first")
    assert list_row[1] == "2,000"
    goals = _rows(section, "Goals")
    assert len(goals) == len(latency)
    assert all(row[2] in {"yes", "**no**"} and row[4] in {"yes", "**no**"} for row in goals)
    assert "EXPLAIN (ANALYZE, BUFFERS)" in section
    assert "Execution Time" in section
    assert len(created) == 1
    assert created[0] not in _bench_databases(postgres_server), "the database was not dropped"


def _bench_databases(server: PostgresServer) -> set[str]:
    import asyncio

    import asyncpg

    async def names() -> set[str]:
        connection = await asyncpg.connect(server.admin_dsn)
        try:
            rows = await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'mango_bench_%'"
            )
        finally:
            await connection.close()
        return {row["datname"] for row in rows}

    return asyncio.run(names())
