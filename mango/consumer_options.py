"""The consumer's options, its counters, and the message that waits for it to be idle.

Re-exported by :mod:`mango.consumer`, where they are documented with the consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ConsumerOptions", "ConsumerStats", "WaitIdle"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerOptions:
    """How a consumer polls and retries.

    Attributes:
        concurrency: Most messages handled at once.
        pollers: Receive loops; more than one helps only against a slow endpoint.
        batch_size: Most messages per receive call (SQS allows 10).
        wait_seconds: Long-poll wait of each receive call.
        visibility_timeout: Seconds a received message stays invisible; the heartbeat
            extends it for slow handlers. None uses the queue's own setting.
        retry_backoff_min: Visibility after the first failure, in seconds.
        retry_backoff_max: Upper bound of the failure visibility, in seconds.
        error_backoff_max: Upper bound of the wait between failed receive calls.
        shutdown_grace: Seconds in-flight messages get to finish at shutdown.
        delete_linger: Seconds a delete waits for a full batch of 10.
        receive_linger: Seconds a poll loop waits, when fewer slots than a full batch
            are free (but some are), for more to free before it receives; 0 receives at
            once whatever is free. An idle consumer (every slot free) never waits.
        burst: Stop polling once the queue is drained (for tests and one-off jobs).
        depth_sample_interval: Seconds between samples of the queue's depth for the
            metrics (one GetQueueAttributes call each); 0 disables sampling.
        max_silence: Seconds a poll loop may go without turning before ``/healthz``
            reports it stuck; by default the long-poll wait plus the error backoff plus
            a minute.
    """

    concurrency: int = 10
    pollers: int = 1
    batch_size: int = 10
    wait_seconds: float = 20.0
    visibility_timeout: int | None = None
    retry_backoff_min: float = 2.0
    retry_backoff_max: float = 300.0
    error_backoff_max: float = 30.0
    shutdown_grace: float = 25.0
    delete_linger: float = 0.05
    receive_linger: float = 0.05
    burst: bool = False
    depth_sample_interval: float = 15.0
    max_silence: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.pollers < 1:
            raise ValueError("concurrency and pollers must be >= 1")
        if not 1 <= self.batch_size <= 10:
            raise ValueError("batch_size must be between 1 and 10")
        if not 0 <= self.wait_seconds <= 20:
            raise ValueError("wait_seconds must be between 0 and 20")
        if self.receive_linger < 0:
            raise ValueError("receive_linger must be >= 0")


@dataclass(slots=True)
class ConsumerStats:
    """Counters of one consumer, for tests, metrics and ``WaitIdle``."""

    received: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    released: int = 0
    receive_calls: int = 0
    empty_receives: int = 0
    receive_errors: int = 0
    in_flight: int = 0
    delete_calls: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WaitIdle:
    """Ask the consumer to answer once the queue is drained and nothing is in flight."""

    check_queue: bool = True
