"""Metrics: separate registries, the documented series, and actor stats at scrape time."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from mango import Actor, Message, Runtime, handler
from mango.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.render())
        for sample in family.samples
    }


def test_two_instances_do_not_share_series():
    """Each Metrics has its own registry, so tests (and services) can have several."""
    first, second = Metrics(process_collectors=False), Metrics(process_collectors=False)
    first.messages_received.labels(queue="q", actor="a").inc(5)
    key = ("mango_messages_received_total", (("actor", "a"), ("queue", "q")))
    assert samples(first)[key] == 5
    assert key not in samples(second)


def test_runtime_series_have_the_documented_names_and_labels():
    """Consumers, publishers and gateways record under stable mango_* names."""
    metrics = Metrics(process_collectors=False)
    by_actor = {"queue": "mango-ads", "actor": "ads"}
    metrics.messages_received.labels(**by_actor).inc(10)
    metrics.messages_processed.labels(**by_actor).inc(7)
    metrics.messages_failed.labels(**by_actor).inc(2)
    metrics.messages_retried.labels(**by_actor).inc(2)
    metrics.messages_dead_lettered.labels(**by_actor).inc(1)
    metrics.handler_duration.labels(**by_actor).observe(0.02)
    metrics.messages_in_flight.labels(**by_actor).set(3)
    metrics.empty_receives.labels(queue="mango-ads").inc()
    metrics.queue_visible_messages.labels(queue="mango-ads").set(120)
    metrics.queue_in_flight_messages.labels(queue="mango-ads").set(9)
    metrics.publisher_batch_size.labels(queue="mango-ads").observe(10)
    metrics.sqs_calls.labels(queue="mango-ads", operation="ReceiveMessage", outcome="ok").inc()
    metrics.http_requests.labels(route="/v1/creatives", method="POST", status="202").inc()
    metrics.http_request_duration.labels(route="/v1/creatives", method="POST").observe(0.01)

    found = samples(metrics)
    labels = (("actor", "ads"), ("queue", "mango-ads"))
    assert found[("mango_messages_received_total", labels)] == 10
    assert found[("mango_messages_processed_total", labels)] == 7
    assert found[("mango_messages_failed_total", labels)] == 2
    assert found[("mango_messages_retried_total", labels)] == 2
    assert found[("mango_messages_dead_lettered_total", labels)] == 1
    assert found[("mango_handler_duration_seconds_count", labels)] == 1
    assert found[("mango_messages_in_flight", labels)] == 3
    queue = (("queue", "mango-ads"),)
    assert found[("mango_empty_receives_total", queue)] == 1
    assert found[("mango_queue_visible_messages", queue)] == 120
    assert found[("mango_queue_in_flight_messages", queue)] == 9
    assert found[("mango_publisher_batch_size_sum", queue)] == 10
    sqs = (("operation", "ReceiveMessage"), ("outcome", "ok"), ("queue", "mango-ads"))
    assert found[("mango_sqs_calls_total", sqs)] == 1
    http = (("method", "POST"), ("route", "/v1/creatives"), ("status", "202"))
    assert found[("mango_http_requests_total", http)] == 1
    http_duration = (("method", "POST"), ("route", "/v1/creatives"))
    assert found[("mango_http_request_duration_seconds_count", http_duration)] == 1


def test_process_collectors_are_optional():
    """Process, platform and GC metrics come with the default constructor only."""
    assert "python_info" in Metrics().render()
    assert "python_info" not in Metrics(process_collectors=False).render()


class Ping(Message, frozen=True, tag="test.ping"):
    pass


class Pinger(Actor):
    @handler
    async def ping(self, message: Ping) -> str:
        return "pong"


async def test_actor_stats_are_read_at_scrape_time():
    """watch_runtime exports each actor's mailbox depth and counters when scraped."""
    metrics = Metrics(process_collectors=False)
    async with Runtime(name="svc") as runtime:
        metrics.watch_runtime(runtime)
        metrics.watch_runtime(runtime)  # idempotent
        ref = await runtime.spawn(Pinger, name="pinger")
        for _ in range(3):
            assert await ref.ask(Ping(), timeout=5) == "pong"
        found = samples(metrics)
    labels = (("actor", "pinger"), ("runtime", "svc"))
    assert found[("mango_actor_mailbox_depth", labels)] == 0
    assert found[("mango_actor_messages_processed_total", labels)] == 3
    assert found[("mango_actor_messages_failed_total", labels)] == 0
    assert found[("mango_actor_restarts_total", labels)] == 0
