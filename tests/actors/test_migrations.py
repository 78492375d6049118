"""The migration runner and `mango migrate`: ordered, recorded, idempotent, race-free."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from actors.db import Migration, MigrationError, apply_migrations, load_migrations

MANGO = str(Path(sys.executable).with_name("mango"))
TABLES = {
    "users",
    "api_tokens",
    "creatives",
    "creative_saves",
    "creative_media",
    "media_objects",
    "processed_messages",
    "schema_migrations",
}


async def tables(dsn: str) -> set[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


async def recorded(dsn: str) -> list[int]:
    connection = await asyncpg.connect(dsn)
    try:
        return [
            row["version"]
            for row in await connection.fetch(
                "SELECT version FROM schema_migrations ORDER BY version"
            )
        ]
    finally:
        await connection.close()


def test_packaged_migrations_are_numbered_in_order() -> None:
    """The packaged files load in version order, starting at 001."""
    migrations = load_migrations()
    versions = [migration.version for migration in migrations]
    assert versions[0] == 1
    assert versions == sorted(set(versions))


async def test_applies_every_migration_once(empty_database: str) -> None:
    """A first run applies and records every migration; a second run applies nothing."""
    dsn = empty_database
    applied = await apply_migrations(dsn)
    assert [m.version for m in applied] == [m.version for m in load_migrations()]
    assert await tables(dsn) >= TABLES
    assert await apply_migrations(dsn) == []
    assert await recorded(dsn) == [m.version for m in load_migrations()]


async def test_two_runners_at_once_apply_each_migration_once(empty_database: str) -> None:
    """Replicas starting together: the advisory lock makes one wait, and it finds nothing to do."""
    dsn = empty_database
    slow = [
        Migration(1, "slow", "SELECT pg_sleep(0.5); CREATE TABLE once (id int);"),
        Migration(2, "second", "CREATE TABLE twice (id int);"),
    ]
    first, second = await asyncio.gather(
        apply_migrations(dsn, migrations=slow), apply_migrations(dsn, migrations=slow)
    )
    assert sorted([len(first), len(second)]) == [0, 2]
    assert await recorded(dsn) == [1, 2]


async def test_packaged_migrations_race_safely(empty_database: str) -> None:
    """Four runners of the real migrations on one empty database all succeed."""
    dsn = empty_database
    results = await asyncio.gather(*(apply_migrations(dsn) for _ in range(4)))
    assert sorted(len(result) for result in results)[-1] == len(load_migrations())
    assert sum(len(result) for result in results) == len(load_migrations())


async def test_failed_migration_is_rolled_back(empty_database: str) -> None:
    """A failing file leaves nothing behind; the ones before it stay applied."""
    dsn = empty_database
    migrations = [
        Migration(1, "good", "CREATE TABLE good (id int);"),
        Migration(2, "bad", "CREATE TABLE half (id int); SELECT * FROM missing_table;"),
    ]
    with pytest.raises(MigrationError, match="002_bad failed and was rolled back"):
        await apply_migrations(dsn, migrations=migrations)
    assert "half" not in await tables(dsn)
    assert await recorded(dsn) == [1]


async def test_edited_applied_migration_is_an_error(empty_database: str) -> None:
    """Changing an applied file is refused, naming the file and what to do instead."""
    dsn = empty_database
    await apply_migrations(dsn, migrations=[Migration(1, "one", "CREATE TABLE one (id int);")])
    edited = [Migration(1, "one", "CREATE TABLE one (id bigint);")]
    with pytest.raises(MigrationError, match="001_one changed after it was applied"):
        await apply_migrations(dsn, migrations=edited)


def test_misnamed_and_duplicate_files_are_refused(tmp_path: Path) -> None:
    """Files must be NNN_name.sql with unique numbers."""
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "README.md").write_text("ignored")
    assert [m.name for m in load_migrations(tmp_path)] == ["a"]
    (tmp_path / "001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="two migrations are numbered 1"):
        load_migrations(tmp_path)
    (tmp_path / "001_b.sql").unlink()
    (tmp_path / "2-Bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNN_lower_case_name"):
        load_migrations(tmp_path)


def mango(*args: str, url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANGO_DATABASE")}
    if url is not None:
        env["MANGO_DATABASE_URL"] = url
    return subprocess.run(
        [MANGO, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_mango_migrate_command(empty_database: str) -> None:
    """`mango migrate` prints what it applied, then that the schema is up to date."""
    dsn = empty_database
    first = mango("migrate", url=dsn)
    assert first.returncode == 0, first.stderr
    assert "applied 001_initial" in first.stdout
    second = mango("migrate", url=dsn)
    assert second.returncode == 0
    assert "up to date" in second.stdout


def test_mango_migrate_exit_statuses() -> None:
    """Missing or malformed URL: exit 2 naming the variable; unreachable server: exit 1."""
    missing = mango("migrate", url=None)
    assert missing.returncode == 2
    assert "MANGO_DATABASE_URL: missing" in missing.stderr
    malformed = mango("migrate", url="mysql://x")
    assert malformed.returncode == 2
    assert "MANGO_DATABASE_URL: invalid value" in malformed.stderr
    unreachable = mango("migrate", url="postgresql://postgres:secret@127.0.0.1:1/mango")
    assert unreachable.returncode == 1
    assert "cannot reach the database" in unreachable.stderr
    assert "secret" not in unreachable.stderr
