"""PostgreSQL for Magic Mango: the pool resource, its settings, readiness and migrations."""

from actors.db.migrations import Migration, MigrationError, apply_migrations, load_migrations
from actors.db.pool import Pool, check_ready, database_pool
from actors.db.settings import DatabaseSettings

__all__ = [
    "DatabaseSettings",
    "Migration",
    "MigrationError",
    "Pool",
    "apply_migrations",
    "check_ready",
    "database_pool",
    "load_migrations",
]
