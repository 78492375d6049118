"""An embedded PostgreSQL and a development user, for ``mango dev`` on a laptop.

The ``pgserver`` package ships PostgreSQL binaries and runs a private server in a data
directory, listening on a Unix socket only. PostgreSQL refuses to run as root; when this
process is root, pgserver runs the server as a system user ``pgserver`` (created with
``useradd`` if missing) and opens read/traverse permissions on the data directory's parent
folders for it. The server stops when this process exits.
"""

from __future__ import annotations

from pathlib import Path

from actors.accounts import create_api_token, create_user
from actors.db.pool import Pool

__all__ = ["DEV_EMAIL", "embedded_database_url", "ensure_dev_user"]

DEV_EMAIL = "dev@localhost"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) an embedded PostgreSQL whose data lives in ``data_dir``.

    Blocking: call it before the event loop starts (it waits for the server, ~2 s on a
    fresh directory, less on later runs).

    Args:
        data_dir: The data directory; created if missing, kept between runs.

    Returns:
        The server's URL (a Unix-socket URL asyncpg and psql understand).

    Raises:
        RuntimeError: The ``pgserver`` package is missing (it is in the ``dev`` extras).
    """
    try:
        from pgserver.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - a dev dependency
        raise RuntimeError(
            "the embedded database needs the pgserver package: pip install -e '.[dev]', "
            "or set MANGO_DATABASE_URL to a PostgreSQL server"
        ) from exc
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    return str(server.get_uri())


async def ensure_dev_user(pool: Pool) -> tuple[str, str]:
    """Create the development user ``dev@localhost`` if needed, and a fresh API token.

    Returns:
        ``(email, token)``: the token is new on every call (tokens are stored hashed, an
        earlier one cannot be shown again).
    """
    user_id = await create_user(pool, DEV_EMAIL)
    _, token = await create_api_token(pool, user_id, "mango dev")
    return DEV_EMAIL, token
