"""Failed log-ins per email and per client address, shared by replicas through PostgreSQL.

Failures are counted in a sliding window in the ``login_failures`` table (migration 041),
so the limits hold however many replicas run. An attempt counts as a failure from its
start (before the password is checked), so that concurrent attempts cannot all slip past
the limit while their hashes are computed; a successful log-in takes its attempt back and
clears its email's failures. Attempts on the same keys are serialised by
transaction-level advisory locks, so replicas checking at the same moment cannot both
pass the last free slot.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["LoginAttempt", "LoginLimiter"]


@dataclass(frozen=True)
class LoginAttempt:
    """One counted attempt: ``wait`` seconds to wait when refused, else its rows' ids."""

    wait: float
    ids: tuple[int, ...] = ()
    email_key: bytes = b""


def _key(kind: str, value: str) -> bytes:
    return hashlib.sha256(f"{kind}:{value}".encode()).digest()


class LoginLimiter:
    """Refuses log-ins of an email, or from a client address, over its failure limit.

    An email is refused after ``max_per_email`` failures within ``window`` seconds, a
    client address after ``max_per_ip``.

    Args:
        pool: The database pool (an ``asyncpg.Pool``).
        max_per_email: Failures allowed per email in the window.
        max_per_ip: Failures allowed per client address in the window.
        window: The window, in seconds.
    """

    def __init__(self, pool: Any, *, max_per_email: int, max_per_ip: int, window: float) -> None:
        self.pool = pool
        self.max_per_email = max_per_email
        self.max_per_ip = max_per_ip
        self.window = window

    async def attempt(self, email: str, ip: str) -> LoginAttempt:
        """Count an attempt, or refuse it when either key is over its limit.

        Returns:
            The attempt (``wait`` > 0 when refused; nothing was counted then).
        """
        keys = {_key("email", email): self.max_per_email, _key("ip", ip): self.max_per_ip}
        async with self.pool.acquire() as connection, connection.transaction():
            for key in sorted(keys):  # one order everywhere: no deadlocks
                await connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 77))", key
                )
            rows = await connection.fetch(
                """
                SELECT key_hash, array_agg(failed_at ORDER BY failed_at) AS times,
                       clock_timestamp() AS now
                FROM login_failures
                WHERE key_hash = ANY($1::bytea[])
                  AND failed_at > clock_timestamp() - make_interval(secs => $2)
                GROUP BY key_hash
                """,
                list(keys),
                self.window,
            )
            waits = [self._wait(row["times"], keys[row["key_hash"]], row["now"]) for row in rows]
            wait = max(waits, default=0.0)
            if wait > 0:
                return LoginAttempt(wait=wait)
            ids = await connection.fetch(
                "INSERT INTO login_failures (key_hash) SELECT unnest($1::bytea[]) RETURNING id",
                list(keys),
            )
        return LoginAttempt(
            wait=0.0, ids=tuple(row["id"] for row in ids), email_key=next(iter(keys))
        )

    def _wait(self, times: list[datetime], limit: int, now: datetime) -> float:
        if len(times) < limit:
            return 0.0
        return max(0.0, (times[-limit] - now).total_seconds() + self.window)

    async def succeeded(self, attempt: LoginAttempt) -> None:
        """Take the attempt back and forget the email's failures (a successful log-in)."""
        await self.pool.execute(
            "DELETE FROM login_failures WHERE key_hash = $1 OR id = ANY($2::bigint[])",
            attempt.email_key,
            list(attempt.ids),
        )

    @staticmethod
    def retry_after(wait: float) -> str:
        """Format a wait as a ``Retry-After`` value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
