"""Supervision policies: what happens when an actor's ``tell`` handler fails.

One-for-one: only the failed actor is affected. ``RESTART`` replaces the actor with a new
instance from its factory after an exponential backoff with full jitter; more than
``max_restarts`` restarts within ``within_seconds`` escalate, which stops the runtime so the
process exits non-zero and the orchestrator restarts the container.
"""

from __future__ import annotations

import enum
import random
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["RestartTracker", "Strategy", "SupervisionPolicy", "backoff_delay"]


class Strategy(enum.Enum):
    """What the supervisor does with an actor whose tell handler raised."""

    RESTART = "restart"
    """Replace the actor with a fresh instance from its factory (the default)."""
    RESUME = "resume"
    """Keep the same instance and go on with the next message."""
    STOP = "stop"
    """Stop the actor; queued asks fail with ActorDeadError."""
    ESCALATE = "escalate"
    """Stop the whole runtime at once; the process exits non-zero."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisionPolicy:
    """Per-actor supervision settings.

    Attributes:
        strategy: What to do on a failure.
        max_restarts: Restarts allowed within ``within_seconds`` before escalating.
        within_seconds: Length of the sliding window that restarts are counted in.
        backoff_min: Delay before the first restart, in seconds.
        backoff_max: Upper bound of the restart delay, in seconds.
    """

    strategy: Strategy = Strategy.RESTART
    max_restarts: int = 3
    within_seconds: float = 60.0
    backoff_min: float = 0.1
    backoff_max: float = 10.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ValueError("max_restarts must be >= 0")
        if self.within_seconds <= 0:
            raise ValueError("within_seconds must be > 0")
        if not 0 <= self.backoff_min <= self.backoff_max:
            raise ValueError("need 0 <= backoff_min <= backoff_max")


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Return an exponential backoff delay with full jitter for the given 1-based attempt.

    Full jitter (a uniform draw between ``base`` and the exponential bound) spreads
    restarts and retries of many replicas so they do not hit a dependency in lockstep.
    """
    bound = min(cap, base * (2 ** max(0, attempt - 1)))
    return random.uniform(min(base, bound), bound)


class RestartTracker:
    """Counts restarts in a sliding window to decide when to escalate."""

    def __init__(self, policy: SupervisionPolicy) -> None:
        self._policy = policy
        self._times: deque[float] = deque()

    def record(self) -> bool:
        """Record a restart; return False when the policy's limit is exceeded."""
        now = time.monotonic()
        self._times.append(now)
        while self._times and now - self._times[0] > self._policy.within_seconds:
            self._times.popleft()
        return len(self._times) <= self._policy.max_restarts

    @property
    def recent(self) -> int:
        """Number of restarts inside the current window."""
        return len(self._times)
