"""Session fixtures for PostgreSQL: the local server when one answers, else an embedded one.

The machine's server at 127.0.0.1:5432 (user ``postgres``, trust authentication) is used
when it answers; when it is stopped, ``pg_ctlcluster`` is tried once; otherwise the
``pgserver`` package runs an embedded server in a temporary folder. Every test session
works in databases of its own (``mango_test_*``), dropped at the end.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

LOCAL_DSN = os.environ.get(
    "MANGO_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class PostgresServer:
    """A reachable PostgreSQL server and the databases this session created on it."""

    admin_dsn: str
    kind: str
    created: list[str] = field(default_factory=list)

    def dsn(self, database: str) -> str:
        """The DSN of ``database`` on this server."""
        base, _, rest = self.admin_dsn.rpartition("/")
        query = ""
        if "?" in rest:
            query = "?" + rest.split("?", 1)[1]
        return f"{base}/{database}{query}"

    def create_database(self, prefix: str = "mango_test") -> str:
        """Create an empty database; return its DSN."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        _run(_execute(self.admin_dsn, f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.dsn(name)

    def drop_all(self) -> None:
        """Drop every database this session created."""
        for name in self.created:
            _run(_execute(self.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _answers(dsn: str) -> bool:
    try:
        _run(_execute(dsn, "SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def _start_local_cluster() -> None:
    versions = sorted(glob.glob("/etc/postgresql/*"))
    if not versions or shutil.which("pg_ctlcluster") is None:
        return
    version = Path(versions[-1]).name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test session."""
    if not _answers(LOCAL_DSN):
        _start_local_cluster()
    if _answers(LOCAL_DSN):
        server = PostgresServer(LOCAL_DSN, kind="local")
        yield server
        server.drop_all()
        return
    import pgserver  # embedded fallback, installed by the dev extras

    data_dir = tmp_path_factory.mktemp("pgdata")
    embedded = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    server = PostgresServer(embedded.get_uri(), kind="embedded")
    try:
        yield server
        server.drop_all()
    finally:
        embedded.cleanup()


@pytest.fixture(scope="session")
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """An empty database of this session, shared by the tests that ask for it."""
    return postgres_server.create_database()
