"""Failed log-ins counted per key (an email, a client address) in a sliding window.

State is per process, like the Ads API's limiter: with several replicas an attacker gets
``replicas x limit`` guesses per window, still far too few for a password of 10 or more
characters, and no shared store is needed.

An attempt counts as a failure from its start (before the password is checked), so that
concurrent attempts cannot all slip past the limit while their hashes are computed; a
successful log-in takes its count back and clears its email's failures.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["FailureLimiter"]


class FailureLimiter:
    """Refuses a key once it has ``max_failures`` failures within ``window`` seconds.

    Args:
        max_failures: Failures allowed in the window.
        window: The window, in seconds.
        max_keys: Most keys tracked; the least recently failed go first.
        clock: Monotonic clock in seconds.
    """

    def __init__(
        self,
        *,
        max_failures: int,
        window: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        horizon = self._clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def blocked_for(self, key: str) -> float:
        """Return the seconds until ``key`` may try again (0.0 when it may now)."""
        failures = self._recent(key)
        if failures is None or len(failures) < self.max_failures:
            return 0.0
        return max(0.0, failures[-self.max_failures] + self.window - self._clock())

    def record_failure(self, key: str) -> None:
        """Count one failure of ``key``."""
        failures = self._recent(key) or deque(maxlen=self.max_failures)
        failures.append(self._clock())
        self._failures[key] = failures
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def forget_one(self, key: str) -> None:
        """Take back the newest failure of ``key`` (an attempt counted before it succeeded)."""
        failures = self._recent(key)
        if failures:
            failures.pop()

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (after a successful log-in)."""
        self._failures.pop(key, None)

    @staticmethod
    def retry_after(wait: float) -> str:
        """Format a wait as a ``Retry-After`` value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
