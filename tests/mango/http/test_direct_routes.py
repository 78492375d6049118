"""Direct routes: served without the router, answered, logged and counted like the others."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp
import msgspec
import pytest
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from mango import ActorStartError, Runtime
from mango.http import HttpGateway, ProblemError, decode_body, json_response, request_id
from mango.metrics import Metrics
from tests.mango.http.conftest import RunningGateway

PROBLEM = "application/problem+json"


class Order(msgspec.Struct):
    name: str


def _direct(request: web.Request) -> bool:
    # Only the router sets match_info: its absence shows the request came the direct way.
    return request._match_info is None


class DirectShop(HttpGateway):
    """Every route is direct except ``/v1/routed``."""

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        return [
            web.post("/v1/orders", self.create_order),
            web.get("/v1/context", self.context),
            web.get("/v1/crash", self.crash),
            web.get("/v1/limited", self.limited),
            web.get("/v1/routed", self.context),
        ]

    def direct_routes(self) -> Iterable[tuple[str, str]]:
        return [
            ("POST", "/v1/orders"),
            ("get", "/v1/context"),
            ("GET", "/v1/crash"),
            ("GET", "/v1/limited"),
        ]

    async def create_order(self, request: web.Request) -> web.Response:
        order = await decode_body(request, Order)
        return json_response(order, status=201)

    async def context(self, request: web.Request) -> web.Response:
        bound = structlog.contextvars.get_contextvars().get("request_id")
        body = {"bound": bound, "assigned": request_id(request), "direct": _direct(request)}
        return json_response(body)

    async def crash(self, request: web.Request) -> web.Response:
        raise RuntimeError("secret database password in a stack trace")

    async def limited(self, request: web.Request) -> web.Response:
        raise ProblemError(429, detail="slow down", headers={"Retry-After": "7"})


async def _answer(
    env: RunningGateway, method: str, path: str, **options: Any
) -> tuple[int, str, CIMultiDict[str], Any]:
    async with env.session.request(method, env.url(path), **options) as response:
        raw = await response.read()
        body = msgspec.json.decode(raw) if raw else None
        return response.status, response.content_type, response.headers.copy(), body


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/v1/orders", {"json": {"name": "tea"}}),
    ("POST", "/v1/orders", {"data": b"{nope", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/v1/orders", {"json": {"name": 3}}),
    ("POST", "/v1/orders", {"data": b"name=tea", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/v1/orders", {"data": b"x" * 2048, "headers": {"Content-Type": "application/json"}}),
    ("GET", "/v1/limited", {}),
    ("GET", "/v1/crash", {"headers": {"X-Request-Id": "req-500"}}),
]


@pytest.mark.parametrize(("method", "path", "options"), CASES)
async def test_a_direct_route_answers_like_the_routed_way(start_gateway, method, path, options):
    """The same request answers the same (status, headers, problem+json body) whether it
    comes the direct way or through the router (a query string sends it there); the
    request id is echoed in the header and in problem bodies."""
    async with start_gateway(DirectShop, max_body_size=1024) as env:
        direct = await _answer(env, method, path, **options)
        routed = await _answer(env, method, path + "?via=router", **options)
    for status, content_type, headers, body in (direct, routed):
        if status >= 400:
            assert content_type == PROBLEM
            assert body["request_id"] == headers["X-Request-Id"]
            body.pop("request_id")
        if "X-Request-Id" in options.get("headers", {}):
            assert headers["X-Request-Id"] == options["headers"]["X-Request-Id"]
    assert direct[:2] == routed[:2]
    assert direct[3] == routed[3]
    assert direct[2].get("Retry-After") == routed[2].get("Retry-After")


async def test_only_the_exact_path_and_method_go_the_direct_way(start_gateway):
    """A direct route's exact path and method skip the router; a query string, an
    ``Expect`` header, another route or another method take the usual way."""
    async with start_gateway(DirectShop) as env:
        assert (await _answer(env, "GET", "/v1/context"))[3]["direct"] is True
        assert (await _answer(env, "GET", "/v1/context?x=1"))[3]["direct"] is False
        expect = {"headers": {"Expect": "100-continue"}}
        assert (await _answer(env, "GET", "/v1/context", **expect))[3]["direct"] is False
        assert (await _answer(env, "GET", "/v1/routed"))[3]["direct"] is False
        status, content_type, headers, _ = await _answer(env, "DELETE", "/v1/context")
        assert (status, content_type) == (405, PROBLEM)
        assert "GET" in headers["Allow"]


async def test_a_direct_request_binds_its_id_and_is_logged_and_counted(start_gateway):
    """The request id is bound for the handler; the request has its http.request line and
    its metric sample under the route template, like a routed one."""
    async with start_gateway(DirectShop) as env:
        with structlog.testing.capture_logs() as logs:
            status, _, headers, body = await _answer(
                env, "GET", "/v1/context", headers={"X-Request-Id": "r-direct"}
            )
        assert (status, headers["X-Request-Id"]) == (200, "r-direct")
        assert body == {"bound": "r-direct", "assigned": "r-direct", "direct": True}
        [line] = [entry for entry in logs if entry["event"] == "http.request"]
        assert (line["route"], line["path"], line["status"]) == ("/v1/context", "/v1/context", 200)
        assert structlog.contextvars.get_contextvars().get("request_id") is None
        rendered = env.metrics.render()
        sample = 'mango_http_requests_total{method="GET",route="/v1/context",status="200"} 1.0'
        assert sample in rendered.splitlines()


class StampedShop(DirectShop):
    """Adds middleware in ``setup_app``: it must see the direct routes' requests too."""

    def setup_app(self, app: web.Application) -> None:
        @web.middleware
        async def stamp(request: web.Request, handler: Handler) -> web.StreamResponse:
            response = await handler(request)
            response.headers["X-Stamp"] = "yes"
            return response

        app.middlewares.append(stamp)


async def test_middleware_added_in_setup_app_turns_direct_routes_off(start_gateway):
    """With middleware of its own the gateway serves every request through the app."""
    async with start_gateway(StampedShop) as env:
        _, _, headers, body = await _answer(env, "GET", "/v1/context")
        assert headers["X-Stamp"] == "yes"
        assert body["direct"] is False


class MisnamedShop(DirectShop):
    def direct_routes(self) -> Iterable[tuple[str, str]]:
        return [("GET", "/v1/nowhere")]


async def test_a_direct_route_must_be_a_route_of_the_gateway():
    """Naming a direct route the application does not have fails the gateway's start."""
    async with Runtime(name="test") as runtime:
        gateway = MisnamedShop(host="127.0.0.1", port=0, metrics=Metrics(process_collectors=False))
        with pytest.raises(ActorStartError, match="/v1/nowhere"):
            await runtime.spawn(lambda: gateway, name="gateway")


async def test_a_direct_route_survives_keep_alive_and_pipelined_requests(start_gateway):
    """Several requests on one connection, direct and routed, each get their own answer."""
    async with start_gateway(DirectShop) as env:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            for n in range(5):
                path = "/v1/context" if n % 2 else "/v1/routed"
                headers = {"X-Request-Id": f"k-{n}"}
                async with session.get(env.url(path), headers=headers) as response:
                    body = await response.json()
                assert body["assigned"] == f"k-{n}"
                assert body["direct"] is bool(n % 2)
