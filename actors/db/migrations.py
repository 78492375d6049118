"""Numbered SQL migrations (``actors/migrations/NNN_name.sql``), applied in order.

Each file runs in its own transaction and is recorded in ``schema_migrations`` with its
checksum; applying again does nothing. A session-level advisory lock serialises runners,
so that replicas starting at once do not race: the second waits, then finds nothing to do.
An applied file whose text changed is an error (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import asyncpg  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "MIGRATIONS_LOCK_ID",
    "Migration",
    "MigrationError",
    "apply_migrations",
    "load_migrations",
]

# Any constant will do, as long as nothing else in the database uses it for a lock.
MIGRATIONS_LOCK_ID = 0x6D616E676F  # "mango"
_FILE_NAME = re.compile(r"^(?P<version>\d{3,})_(?P<name>[a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """Raised when migrations are malformed, changed after being applied, or fail."""


@dataclass(frozen=True)
class Migration:
    """One migration file.

    Attributes:
        version: Its number (the ``NNN`` of ``NNN_name.sql``).
        name: The rest of the file name, without ``.sql``.
        sql: Its statements.
    """

    version: int
    name: str
    sql: str = field(repr=False)

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, to notice edits of an applied migration."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """Read the migrations of ``directory`` (default: the packaged ones), in order.

    Raises:
        MigrationError: Two files share a number, or a ``.sql`` file is misnamed.
    """
    if directory is None:
        root = resources.files("actors") / "migrations"
        files = [(entry.name, entry.read_text("utf-8")) for entry in root.iterdir()]
    else:
        files = [(path.name, path.read_text("utf-8")) for path in directory.iterdir()]
    found: dict[int, Migration] = {}
    for file_name, sql in files:
        if not file_name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(file_name)
        if match is None:
            raise MigrationError(f"migration {file_name!r} is not named NNN_lower_case_name.sql")
        version = int(match["version"])
        if version in found:
            raise MigrationError(f"two migrations are numbered {version}: rename one")
        found[version] = Migration(version, match["name"], sql)
    return [found[version] for version in sorted(found)]


async def apply_migrations(
    dsn: str, *, migrations: list[Migration] | None = None, connect_timeout: float = 10.0
) -> list[Migration]:
    """Apply the migrations the database has not recorded yet.

    Args:
        dsn: The PostgreSQL URL.
        migrations: The migrations to apply; defaults to the packaged ones.
        connect_timeout: Seconds to wait for the connection.

    Returns:
        The migrations applied now (empty when the schema was up to date).

    Raises:
        MigrationError: An applied migration was changed, or one failed (it was rolled
            back; the ones before it stay applied).
        OSError: The database cannot be reached (also ``asyncpg`` connection errors).
    """
    wanted = load_migrations() if migrations is None else migrations
    connection = await asyncpg.connect(dsn, timeout=connect_timeout)
    try:
        # Migrations may rewrite big tables: no statement timeout for this session.
        await connection.execute("SET statement_timeout = 0")
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATIONS_LOCK_ID)
        try:
            return await _apply_locked(connection, wanted)
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATIONS_LOCK_ID)
    finally:
        await connection.close()


async def _apply_locked(connection: asyncpg.Connection, wanted: list[Migration]) -> list[Migration]:
    await connection.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    rows = await connection.fetch("SELECT version, name, checksum FROM schema_migrations")
    applied = {row["version"]: row for row in rows}
    done: list[Migration] = []
    for migration in wanted:
        record = applied.get(migration.version)
        if record is not None:
            if record["checksum"] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.version:03d}_{migration.name} changed after it "
                    "was applied; revert the edit and add a new migration instead"
                )
            continue
        try:
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
        except asyncpg.PostgresError as exc:
            raise MigrationError(
                f"migration {migration.version:03d}_{migration.name} failed and was rolled "
                f"back: {exc.__class__.__name__}: {exc}"
            ) from exc
        done.append(migration)
    return done
