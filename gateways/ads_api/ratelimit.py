"""A per-key token bucket: ``burst`` requests at once, then ``rate`` per second on average.

State is per process: with several replicas behind a load balancer each enforces its own
limit, which bounds a token's rate by ``replicas x rate`` - good enough to stop a runaway
client, and free of a shared store.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["TokenBucketLimiter"]


class TokenBucketLimiter:
    """Token buckets keyed by a string (an API token's id).

    Args:
        rate_per_minute: Refill rate, in requests per minute.
        burst: Bucket size: requests allowed at once from a full bucket.
        max_keys: Most buckets kept; the least recently used go first (a dropped bucket
            comes back full, which only ever errs on the generous side).
        clock: Monotonic clock in seconds.

    Raises:
        ValueError: A rate or burst that is not positive.
    """

    def __init__(
        self,
        *,
        rate_per_minute: float,
        burst: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def acquire(self, key: str) -> float:
        """Take one token from ``key``'s bucket.

        Returns:
            0.0 when the request may proceed; otherwise the seconds until a token is
            available (the request is refused and takes nothing).
        """
        now = self._clock()
        tokens, updated = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self._buckets.move_to_end(key)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        """Format a wait in seconds as a ``Retry-After`` value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
