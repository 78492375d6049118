"""Database commands of the ``mango`` CLI: ``migrate``, ``tokens create``, ``housekeep``.

Registered through the ``mango.cli`` entry-point group. Exit status: 0 success, 1 the
database is unreachable or a migration failed, 2 bad usage or settings (a missing or
malformed ``MANGO_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.db.settings import DatabaseSettings
from mango.settings import load_settings

__all__ = ["register"]

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_USAGE = 2

# What "cannot reach the database" looks like: refused, DNS, timeouts, server restarts.
_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresConnectionError)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``migrate`` and ``tokens`` to the ``mango`` command's subcommands."""
    migrate = commands.add_parser(
        "migrate",
        help="apply the database migrations that have not been applied yet",
        description="Apply actors/migrations/NNN_*.sql in order, each in a transaction, "
        "to MANGO_DATABASE_URL. Safe to run from several replicas at once.",
    )
    migrate.set_defaults(handler=_migrate)

    tokens = commands.add_parser("tokens", help="manage API tokens")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create a user if needed and print a new API token (shown once)",
        description="Create the user with --email unless it exists, issue an API token "
        "for it and print the token. Only its hash is stored: copy it now.",
    )
    create.add_argument("--email", required=True, help="the user's email address")
    create.add_argument("--name", default="cli", help="a label for the token (default: cli)")
    create.set_defaults(handler=_create_token)

    from actors.housekeeping import Retention

    defaults = Retention()
    housekeep = commands.add_parser(
        "housekeep",
        help="delete expired sessions, old redelivery keys and sent outbox rows (once)",
        description="What the backend-api's housekeeper does every hour, once: for a cron "
        "job or by hand. Safe beside running services (advisory lock, batches).",
    )
    for flag, default, meaning in [
        ("--expired-sessions-days", defaults.expired_sessions_days, "grace after expiry"),
        ("--processed-messages-days", defaults.processed_messages_days, "at least 14 (SQS)"),
        ("--sent-outbox-days", defaults.sent_outbox_days, "since sent"),
    ]:
        housekeep.add_argument(
            flag, type=float, default=default, help=f"days to keep ({meaning}; default {default:g})"
        )
    housekeep.set_defaults(handler=_housekeep)


def _database_url() -> str | None:
    from mango.errors import SettingsError

    try:
        return load_settings(DatabaseSettings).database_url
    except SettingsError as exc:
        print(f"mango: {exc}", file=sys.stderr)
        return None


def _unreachable(exc: BaseException) -> int:
    print(
        f"mango: cannot reach the database at MANGO_DATABASE_URL ({type(exc).__name__}: {exc})",
        file=sys.stderr,
    )
    return EXIT_UNAVAILABLE


def _migrate(args: argparse.Namespace) -> int:
    from actors.db.migrations import MigrationError, apply_migrations

    dsn = _database_url()
    if dsn is None:
        return EXIT_USAGE
    try:
        applied = asyncio.run(apply_migrations(dsn))
    except MigrationError as exc:
        print(f"mango: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except _UNREACHABLE as exc:
        return _unreachable(exc)
    except (asyncpg.InvalidCatalogNameError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        print(f"mango: MANGO_DATABASE_URL is refused: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for migration in applied:
        print(f"applied {migration.version:03d}_{migration.name}")
    if not applied:
        print("database schema is up to date")
    return EXIT_OK


def _create_token(args: argparse.Namespace) -> int:
    dsn = _database_url()
    if dsn is None:
        return EXIT_USAGE
    try:
        email, token_id, token = asyncio.run(_issue_token(dsn, args.email, args.name))
    except ValueError as exc:
        print(f"mango: --email: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except asyncpg.UndefinedTableError:
        print("mango: the database has no schema yet; run `mango migrate` first", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except _UNREACHABLE as exc:
        return _unreachable(exc)
    print(f"API token for {email} (id {token_id}); it is shown only once:", file=sys.stderr)
    print(token)
    return EXIT_OK


def _housekeep(args: argparse.Namespace) -> int:
    from actors.housekeeping import Retention, sweep

    days = [args.expired_sessions_days, args.processed_messages_days, args.sent_outbox_days]
    if any(not 0 <= value <= 3650 for value in days):
        print("mango: retention days must be between 0 and 3650", file=sys.stderr)
        return EXIT_USAGE
    if args.processed_messages_days < 14:
        print(
            "mango: --processed-messages-days must be at least 14 (SQS keeps a message up to"
            " 14 days; a later redelivery would be processed twice)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    dsn = _database_url()
    if dsn is None:
        return EXIT_USAGE
    retention = Retention(
        expired_sessions_days=args.expired_sessions_days,
        processed_messages_days=args.processed_messages_days,
        sent_outbox_days=args.sent_outbox_days,
    )

    async def run() -> Any:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1, timeout=10)
        try:
            return await sweep(pool, retention)
        finally:
            await pool.close()

    try:
        result = asyncio.run(run())
    except asyncpg.UndefinedTableError:
        print("mango: the database has no schema yet; run `mango migrate` first", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except _UNREACHABLE as exc:
        return _unreachable(exc)
    if not result.ran:
        print("another housekeeping sweep is running; nothing done", file=sys.stderr)
        return EXIT_OK
    print(
        f"deleted {result.sessions} expired sessions, {result.processed_messages} redelivery"
        f" keys, {result.outbox} sent outbox rows, {result.login_failures} failed log-ins"
    )
    return EXIT_OK


async def _issue_token(dsn: str, email: str, name: str) -> tuple[str, str, str]:
    from actors.accounts import create_api_token, create_user, normalize_email

    email = normalize_email(email)
    connection: Any = await asyncpg.connect(dsn, timeout=10)
    try:
        user_id = await create_user(connection, email)
        token_id, token = await create_api_token(connection, user_id, name)
    finally:
        await connection.close()
    return email, token_id, token
