"""/healthz, /readyz and /metrics of a real gateway, and the probe/check registries."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mango.http import CheckResult, Liveness, Readiness


class FakeClock:
    """A monotonic clock the test advances by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def get_json(env, path: str) -> tuple[int, dict]:
    async with env.session.get(env.url(path)) as response:
        return response.status, await response.json()


async def test_healthz_is_alive_when_every_probe_beats(start_gateway):
    """With the event-loop probe beating, /healthz answers 200 and lists the probes."""
    async with start_gateway() as env:
        status, body = await get_json(env, "/healthz")
        assert status == 200
        assert body["status"] == "alive"
        assert [probe["name"] for probe in body["probes"]] == ["event-loop:gateway"]


async def test_healthz_names_a_probe_that_stopped_beating(start_gateway):
    """A poller silent past its max silence makes /healthz 503 naming it; a beat heals it."""
    clock = FakeClock()
    async with start_gateway(liveness=Liveness(clock=clock), loop_max_silence=3600) as env:
        env.liveness.register("consumer:mango-ads", max_silence=60)
        assert (await get_json(env, "/healthz"))[0] == 200

        clock.now += 61
        status, body = await get_json(env, "/healthz")
        assert status == 503
        assert body["status"] == "stuck"
        assert body["stuck"] == ["consumer:mango-ads"]

        env.liveness.beat("consumer:mango-ads")
        assert (await get_json(env, "/healthz"))[0] == 200


async def test_healthz_fails_with_a_short_real_max_silence(start_gateway):
    """On the real clock, a probe that never beats again is reported stuck."""
    async with start_gateway() as env:
        env.liveness.register("poller", max_silence=0.01)
        await asyncio.sleep(0.05)
        status, body = await get_json(env, "/healthz")
        assert status == 503
        assert body["stuck"] == ["poller"]


async def test_unregistered_probe_no_longer_counts(start_gateway):
    """A poller that stops on purpose unregisters and /healthz recovers."""
    clock = FakeClock()
    async with start_gateway(liveness=Liveness(clock=clock), loop_max_silence=3600) as env:
        env.liveness.register("poller", max_silence=1)
        clock.now += 2
        assert (await get_json(env, "/healthz"))[0] == 503
        env.liveness.unregister("poller")
        assert (await get_json(env, "/healthz"))[0] == 200


async def test_readyz_follows_its_checks(start_gateway):
    """/readyz is 200 with every check listed, 503 naming a check once it fails."""
    queue_up = True

    async def ping_queue() -> bool:
        return queue_up

    async with start_gateway() as env:
        env.readiness.add_check("queue", ping_queue)
        status, body = await get_json(env, "/readyz")
        assert status == 200
        assert body == {"status": "ready", "checks": [{"name": "queue", "ok": True, "error": None}]}

        queue_up = False
        status, body = await get_json(env, "/readyz")
        assert status == 503
        assert body["checks"] == [{"name": "queue", "ok": False, "error": "check returned false"}]


async def test_readyz_reports_raising_and_hanging_checks(start_gateway):
    """A check that raises or exceeds its timeout fails, without leaking the error text."""

    async def broken() -> None:
        raise ConnectionError("postgres://user:hunter2@db/mango unreachable")

    async def hangs() -> None:
        await asyncio.Event().wait()

    async with start_gateway() as env:
        env.readiness.add_check("db", broken)
        env.readiness.add_check("slow", hangs, timeout=0.05)
        async with env.session.get(env.url("/readyz")) as response:
            text = await response.text()
            assert response.status == 503
        assert "hunter2" not in text
        body = await response.json()
        assert body["checks"] == [
            {"name": "db", "ok": False, "error": "ConnectionError"},
            {"name": "slow", "ok": False, "error": "timeout"},
        ]


async def test_readyz_goes_false_first_at_shutdown(start_gateway):
    """Once shutdown starts, /readyz answers 503 while the socket still serves."""
    seen: list[tuple[int, dict]] = []
    async with start_gateway() as env:
        assert (await get_json(env, "/readyz"))[0] == 200

        async def probe_while_stopping() -> None:
            seen.append(await get_json(env, "/readyz"))

        env.runtime.on_stopping(probe_while_stopping)
        await env.runtime.shutdown()
    assert seen == [(503, {"status": "stopping", "checks": []})]


async def test_metrics_expose_http_and_actor_series(start_gateway):
    """/metrics serves Prometheus text with HTTP series by route template and actor stats."""
    async with start_gateway() as env:
        env.metrics.messages_received.labels(queue="mango-ads", actor="ads").inc(3)
        for _ in range(2):
            async with env.session.get(env.url("/healthz")) as response:
                await response.read()
        async with env.session.get(env.url("/no/such/path")) as response:
            await response.read()
        async with env.session.get(env.url("/metrics")) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=")
            text = await response.text()

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    healthz = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert samples[("mango_http_requests_total", healthz)] == 2
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert samples[("mango_http_requests_total", unmatched)] == 1
    received = (("actor", "ads"), ("queue", "mango-ads"))
    assert samples[("mango_messages_received_total", received)] == 3
    actor = (("actor", "gateway"), ("runtime", "test"))
    assert samples[("mango_actor_mailbox_depth", actor)] == 0


def test_liveness_rejects_unknown_probe_and_bad_silence():
    """Beating an unregistered probe or registering a non-positive silence is an error."""
    liveness = Liveness()
    with pytest.raises(KeyError, match="not registered"):
        liveness.beat("ghost")
    with pytest.raises(ValueError, match="max_silence"):
        liveness.register("poller", max_silence=0)


async def test_readiness_check_registered_again_is_replaced():
    """Registering a check name again replaces it (restarted actors re-register)."""
    readiness = Readiness()

    async def failing() -> bool:
        return False

    async def passing() -> bool:
        return True

    readiness.add_check("db", failing)
    readiness.add_check("db", passing)
    assert await readiness.run_checks() == [CheckResult("db", ok=True)]
