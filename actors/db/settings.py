"""The database settings every service that talks to PostgreSQL reads (``MANGO_DATABASE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["DatabaseSettings"]


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where PostgreSQL is and how the connection pool behaves."""

    database_url: Annotated[str, Meta(pattern=r"^postgres(ql)?://\S+$")]
    """PostgreSQL URL, e.g. ``postgresql://mango:secret@db:5432/mango`` (required)."""
    database_pool_min_size: Annotated[int, Meta(ge=0, le=100)] = 1
    """Connections the pool opens at start and keeps open."""
    database_pool_max_size: Annotated[int, Meta(ge=1, le=500)] = 10
    """Most connections the pool opens at once (per process)."""
    database_statement_timeout_seconds: Annotated[float, Meta(ge=0, le=3600)] = 30.0
    """Server-side limit of one statement (0 disables it); migrations run without it."""
    database_connect_timeout_seconds: Annotated[float, Meta(gt=0, le=300)] = 10.0
    """Seconds to wait for a new connection."""

    def __post_init__(self) -> None:
        if self.database_pool_min_size > self.database_pool_max_size:
            raise ValueError(
                "MANGO_DATABASE_POOL_MIN_SIZE must not exceed MANGO_DATABASE_POOL_MAX_SIZE"
            )
