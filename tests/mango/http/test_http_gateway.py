"""The gateway's request pipeline against a real server: ids, limits, problem answers."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

import msgspec
import pytest
import structlog
from aiohttp import web

from mango.http import HttpGateway, ProblemError, decode_body, json_response, request_id
from mango.logs import configure_logging, unconfigure_logging

PROBLEM = "application/problem+json"


class Item(msgspec.Struct):
    sku: str
    count: int


class Order(msgspec.Struct):
    name: str
    items: list[Item]
    note: str = ""


class ShopGateway(HttpGateway):
    """A small gateway exercising decode_body, problems and crashes."""

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        return [
            web.post("/v1/orders", self.create_order),
            web.get("/v1/orders/{order_id}", self.get_order),
            web.get("/v1/context", self.context),
            web.get("/v1/crash", self.crash),
            web.get("/v1/limited", self.limited),
        ]

    async def create_order(self, request: web.Request) -> web.Response:
        order = await decode_body(request, Order)
        return json_response(order, status=201)

    async def get_order(self, request: web.Request) -> web.Response:
        return json_response({"id": request.match_info["order_id"]})

    async def context(self, request: web.Request) -> web.Response:
        bound = structlog.contextvars.get_contextvars()
        return json_response({"bound": bound.get("request_id"), "assigned": request_id(request)})

    async def crash(self, request: web.Request) -> web.Response:
        raise RuntimeError("secret database password in a stack trace")

    async def limited(self, request: web.Request) -> web.Response:
        raise ProblemError(429, detail="slow down", headers={"Retry-After": "7"})


async def test_valid_body_is_decoded_and_encoded_back(start_gateway):
    """A body matching the msgspec type is decoded and the response is msgspec JSON."""
    async with start_gateway(ShopGateway) as env:
        order = {"name": "a", "items": [{"sku": "x", "count": 2}]}
        async with env.session.post(env.url("/v1/orders"), json=order) as response:
            assert response.status == 201
            assert await response.json() == {**order, "note": ""}


async def test_malformed_json_is_a_400_problem(start_gateway):
    """Malformed JSON answers 400 application/problem+json, not aiohttp's text page."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.post(
            env.url("/v1/orders"), data=b'{"name": ', headers={"Content-Type": "application/json"}
        ) as response,
    ):
        assert response.status == 400
        assert response.content_type == PROBLEM
        problem = await response.json(content_type=PROBLEM)
        assert problem["title"] == "Malformed JSON"
        assert problem["status"] == 400


async def test_wrong_type_names_the_field_path(start_gateway):
    """A wrong type answers 400 with the JSONPath of the failing field from msgspec."""
    async with start_gateway(ShopGateway) as env:
        order = {"name": "a", "items": [{"sku": "x", "count": "two"}]}
        async with env.session.post(env.url("/v1/orders"), json=order) as response:
            assert response.status == 400
            problem = await response.json(content_type=PROBLEM)
            assert problem["field"] == "$.items[0].count"
            assert problem["errors"] == [
                {"path": "$.items[0].count", "message": "Expected `int`, got `str`"}
            ]


async def test_missing_field_names_its_path(start_gateway):
    """A missing required field is reported at its own path, not at its parent's."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.post(env.url("/v1/orders"), json={"items": []}) as response,
    ):
        assert response.status == 400
        problem = await response.json(content_type=PROBLEM)
        assert problem["field"] == "$.name"


async def test_body_over_limit_by_content_length_is_413(start_gateway):
    """A declared Content-Length over the limit answers 413 problem+json."""
    async with start_gateway(ShopGateway, max_body_size=1024) as env:
        body = b'{"name": "' + b"x" * 4096 + b'", "items": []}'
        async with env.session.post(
            env.url("/v1/orders"), data=body, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 413
            problem = await response.json(content_type=PROBLEM)
            assert problem["type"] == "urn:mango:problem:body-too-large"
            assert problem["request_id"] == response.headers["X-Request-Id"]


async def test_chunked_body_over_limit_is_413(start_gateway):
    """A chunked body (no Content-Length) is cut at the limit with 413 too."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'", "items": []}'

    async with (
        start_gateway(ShopGateway, max_body_size=1024) as env,
        env.session.post(
            env.url("/v1/orders"), data=chunks(), headers={"Content-Type": "application/json"}
        ) as response,
    ):
        assert response.status == 413
        assert response.content_type == PROBLEM


async def test_unknown_route_is_a_404_problem(start_gateway):
    """aiohttp's routing 404 is rewritten as problem+json."""
    async with start_gateway(ShopGateway) as env, env.session.get(env.url("/nope")) as response:
        assert response.status == 404
        problem = await response.json(content_type=PROBLEM)
        assert problem["title"] == "Not Found"
        assert problem["request_id"] == response.headers["X-Request-Id"]


async def test_wrong_method_is_a_405_problem_with_allow(start_gateway):
    """A known path with the wrong method answers 405 problem+json and keeps Allow."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.delete(env.url("/v1/orders")) as response,
    ):
        assert response.status == 405
        assert response.content_type == PROBLEM
        assert "POST" in response.headers["Allow"]


async def test_crash_is_a_generic_500_with_request_id(start_gateway):
    """An unexpected exception answers 500 without details; the log has the traceback."""
    async with start_gateway(ShopGateway) as env:
        with structlog.testing.capture_logs() as logs:
            async with env.session.get(
                env.url("/v1/crash"), headers={"X-Request-Id": "req-500"}
            ) as response:
                text = await response.text()
        assert response.status == 500
        assert response.headers["X-Request-Id"] == "req-500"
        assert "secret" not in text
        assert "Traceback" not in text
        assert "RuntimeError" not in text
        problem = msgspec.json.decode(text)
        assert problem["request_id"] == "req-500"
        failures = [entry for entry in logs if entry["event"] == "http.handler_failed"]
        assert len(failures) == 1
        assert failures[0]["exc_info"] is True


async def test_problem_error_keeps_status_and_headers(start_gateway):
    """A handler's ProblemError becomes its status, detail and headers (e.g. Retry-After)."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.get(env.url("/v1/limited")) as response,
    ):
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        problem = await response.json(content_type=PROBLEM)
        assert problem["detail"] == "slow down"


async def test_sane_request_id_is_echoed_and_bound(start_gateway):
    """A sane X-Request-Id is echoed, and bound in structlog's contextvars for handlers."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.get(
            env.url("/v1/context"), headers={"X-Request-Id": "abc.DEF_123-x"}
        ) as response,
    ):
        assert response.headers["X-Request-Id"] == "abc.DEF_123-x"
        assert await response.json() == {"bound": "abc.DEF_123-x", "assigned": "abc.DEF_123-x"}


async def test_missing_request_id_is_generated(start_gateway):
    """Without X-Request-Id the gateway makes one and echoes it."""
    async with (
        start_gateway(ShopGateway) as env,
        env.session.get(env.url("/v1/context")) as response,
    ):
        generated = response.headers["X-Request-Id"]
        assert len(generated) == 32
        assert int(generated, 16) >= 0  # 32 hex characters, like uuid4().hex
        assert (await response.json())["bound"] == generated


async def test_access_log_line_names_route_status_and_request_id(start_gateway):
    """Each request logs one http.request event with the route template and status."""
    async with start_gateway(ShopGateway) as env:
        with structlog.testing.capture_logs() as logs:
            async with env.session.get(
                env.url("/v1/orders/42"), headers={"X-Request-Id": "r-1"}
            ) as response:
                await response.read()
        lines = [entry for entry in logs if entry["event"] == "http.request"]
        assert len(lines) == 1
        line = lines[0]
        assert line["route"] == "/v1/orders/{order_id}"
        assert line["path"] == "/v1/orders/42"
        assert line["status"] == 200
        assert line["method"] == "GET"
        assert "duration_ms" in line


@pytest.fixture
def configured_logging() -> Iterator[Callable[[str], io.StringIO]]:
    """configure_logging into a buffer at a level; undone afterwards."""
    level = logging.getLogger().level

    def configure(at: str) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(fmt="json", level=at, stream=stream)
        return stream

    yield configure
    unconfigure_logging(level)


@pytest.mark.parametrize(("level", "logged"), [("INFO", True), ("WARNING", False)])
async def test_access_log_follows_the_configured_level(
    start_gateway, configured_logging, level, logged
):
    """At INFO each request has its line; at WARNING none, and errors are still logged."""
    stream = configured_logging(level)
    async with start_gateway(ShopGateway) as env:
        async with env.session.get(env.url("/v1/orders/42")) as response:
            await response.read()
        async with env.session.get(env.url("/v1/crash")) as response:
            assert response.status == 500
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert ("http.request" in events) is logged
    assert "http.handler_failed" in events


async def test_in_flight_request_finishes_during_shutdown(start_gateway):
    """Shutdown waits for a request already being handled; its client gets the answer."""
    entered = asyncio.Event()
    release = asyncio.Event()

    class SlowGateway(HttpGateway):
        def routes(self) -> Iterable[web.AbstractRouteDef]:
            return [web.get("/slow", self.slow)]

        async def slow(self, request: web.Request) -> web.Response:
            entered.set()
            await release.wait()
            return json_response({"done": True})

    async with start_gateway(SlowGateway) as env:
        request = asyncio.ensure_future(env.session.get(env.url("/slow")))
        await entered.wait()
        shutdown = asyncio.ensure_future(env.runtime.shutdown())
        await asyncio.sleep(0.05)  # let shutdown reach the site's graceful close
        assert not shutdown.done()
        release.set()
        response = await request
        assert response.status == 200
        assert await response.json() == {"done": True}
        await shutdown
