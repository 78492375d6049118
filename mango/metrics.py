"""Prometheus metrics of the runtime, on a registry of their own.

Each :class:`Metrics` owns a ``CollectorRegistry`` (never prometheus_client's global
default), so tests can create as many as they like. A process normally uses the shared
:data:`metrics` instance; components take an optional ``metrics=`` argument for tests.

Label values must stay bounded: queue names, actor names, SQS operation names, route
templates (``/v1/creatives/{id}``, never the raw path), HTTP methods and status codes.

Metric names (``_total`` is added to counters in the exposition):

=========================================  =====================================  =========
attribute / metric                         labels                                 kind
=========================================  =====================================  =========
``messages_received``                      queue, actor                           counter
  ``mango_messages_received_total``
``messages_processed``                     queue, actor                           counter
  ``mango_messages_processed_total``
``messages_failed``                        queue, actor                           counter
  ``mango_messages_failed_total``
``messages_retried``                       queue, actor                           counter
  ``mango_messages_retried_total``
``messages_dead_lettered``                 queue, actor                           counter
  ``mango_messages_dead_lettered_total``
``handler_duration``                       queue, actor                           histogram
  ``mango_handler_duration_seconds``
``messages_in_flight``                     queue, actor                           gauge
  ``mango_messages_in_flight``
``empty_receives``                         queue                                  counter
  ``mango_empty_receives_total``
``queue_visible_messages``                 queue                                  gauge
  ``mango_queue_visible_messages``
``queue_in_flight_messages``               queue                                  gauge
  ``mango_queue_in_flight_messages``
``publisher_batch_size``                   queue                                  histogram
  ``mango_publisher_batch_size``
``sqs_calls``                              queue, operation, outcome (ok/error)   counter
  ``mango_sqs_calls_total``
``http_requests``                          route, method, status                  counter
  ``mango_http_requests_total``
``http_request_duration``                  route, method                          histogram
  ``mango_http_request_duration_seconds``
=========================================  =====================================  =========

Per-actor gauges and counters read from ``Runtime.actor_stats()`` at scrape time, once
:meth:`Metrics.watch_runtime` was called (the HTTP gateway does it): labels runtime, actor;
``mango_actor_mailbox_depth``, ``mango_actor_messages_processed_total``,
``mango_actor_messages_failed_total``, ``mango_actor_restarts_total``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from mango.runtime import Runtime

__all__ = ["CONTENT_TYPE", "Metrics", "metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The ``Content-Type`` of :meth:`Metrics.render`'s output."""

_MESSAGE_LABELS = ("queue", "actor")
_HANDLER_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


class Metrics:
    """The runtime's metrics, registered on one ``CollectorRegistry``.

    Args:
        registry: Where to register; a fresh registry by default.
        process_collectors: Also export process CPU/memory/fd, platform and GC metrics.
    """

    def __init__(
        self, *, registry: CollectorRegistry | None = None, process_collectors: bool = True
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        reg = self.registry
        if process_collectors:
            ProcessCollector(registry=reg)
            PlatformCollector(registry=reg)
            GCCollector(registry=reg)

        self.messages_received = Counter(
            "mango_messages_received", "Messages received from a queue.", _MESSAGE_LABELS,
            registry=reg,
        )  # fmt: skip
        self.messages_processed = Counter(
            "mango_messages_processed", "Messages whose handler succeeded (then deleted).",
            _MESSAGE_LABELS, registry=reg,
        )  # fmt: skip
        self.messages_failed = Counter(
            "mango_messages_failed", "Messages whose handler raised.", _MESSAGE_LABELS,
            registry=reg,
        )  # fmt: skip
        self.messages_retried = Counter(
            "mango_messages_retried", "Failed messages left on the queue for a retry.",
            _MESSAGE_LABELS, registry=reg,
        )  # fmt: skip
        self.messages_dead_lettered = Counter(
            "mango_messages_dead_lettered",
            "Messages sent to the dead-letter queue by the consumer (undecodable).",
            _MESSAGE_LABELS, registry=reg,
        )  # fmt: skip
        self.handler_duration = Histogram(
            "mango_handler_duration_seconds", "Time spent in message handlers.",
            _MESSAGE_LABELS, buckets=_HANDLER_BUCKETS, registry=reg,
        )  # fmt: skip
        self.messages_in_flight = Gauge(
            "mango_messages_in_flight", "Messages received and not yet finished.",
            _MESSAGE_LABELS, registry=reg,
        )  # fmt: skip
        self.empty_receives = Counter(
            "mango_empty_receives", "Receive calls that returned no message.", ("queue",),
            registry=reg,
        )  # fmt: skip
        self.queue_visible_messages = Gauge(
            "mango_queue_visible_messages",
            "Visible messages in the queue (ApproximateNumberOfMessages), sampled.",
            ("queue",), registry=reg,
        )  # fmt: skip
        self.queue_in_flight_messages = Gauge(
            "mango_queue_in_flight_messages",
            "Messages received but not deleted (ApproximateNumberOfMessagesNotVisible).",
            ("queue",), registry=reg,
        )  # fmt: skip
        self.publisher_batch_size = Histogram(
            "mango_publisher_batch_size", "Messages per SendMessageBatch call.", ("queue",),
            buckets=_BATCH_BUCKETS, registry=reg,
        )  # fmt: skip
        self.sqs_calls = Counter(
            "mango_sqs_calls", "Calls to the queue service by operation and outcome.",
            ("queue", "operation", "outcome"), registry=reg,
        )  # fmt: skip
        self.http_requests = Counter(
            "mango_http_requests", "HTTP requests answered, by route template and status.",
            ("route", "method", "status"), registry=reg,
        )  # fmt: skip
        self.http_request_duration = Histogram(
            "mango_http_request_duration_seconds", "Time to answer HTTP requests.",
            ("route", "method"), buckets=_HTTP_BUCKETS, registry=reg,
        )  # fmt: skip
        self._runtimes = _RuntimeCollector()
        reg.register(self._runtimes)

    def watch_runtime(self, runtime: Runtime) -> None:
        """Export the per-actor statistics of ``runtime`` at every scrape (idempotent)."""
        self._runtimes.runtimes.add(runtime)

    def render(self) -> str:
        """Return every metric in the Prometheus text exposition format."""
        return generate_latest(self.registry).decode("utf-8")


class _RuntimeCollector:
    """Reads ``Runtime.actor_stats()`` when Prometheus scrapes."""

    def __init__(self) -> None:
        self.runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()

    def describe(self) -> Iterable[Metric]:
        return []  # unknown until scraped; skips collect() at registration time

    def collect(self) -> Iterable[Metric]:
        labels = ["runtime", "actor"]
        depth = GaugeMetricFamily(
            "mango_actor_mailbox_depth", "Messages waiting in an actor's mailbox.", labels=labels
        )
        processed = CounterMetricFamily(
            "mango_actor_messages_processed", "Messages an actor handled.", labels=labels
        )
        failed = CounterMetricFamily(
            "mango_actor_messages_failed", "Messages whose handler raised.", labels=labels
        )
        restarts = CounterMetricFamily(
            "mango_actor_restarts", "Restarts of an actor by its supervisor.", labels=labels
        )
        for runtime in list(self.runtimes):
            for name, mailbox, done, errors, restarted in runtime.actor_stats():
                key = [runtime.name, name]
                depth.add_metric(key, mailbox)
                processed.add_metric(key, done)
                failed.add_metric(key, errors)
                restarts.add_metric(key, restarted)
        return [depth, processed, failed, restarts]


metrics = Metrics()
"""The process-wide metrics, used by default by consumers, publishers and gateways."""
