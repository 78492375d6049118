"""Hostile requests get clean 4xx answers and leave the gateway serving."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pytest
from aiohttp import web

from mango.http import HttpGateway, decode_body, json_response

PROBLEM = "application/problem+json"


class Note(msgspec.Struct):
    text: str
    tags: list[str] = []


class NotesGateway(HttpGateway):
    def routes(self) -> Iterable[web.AbstractRouteDef]:
        return [web.post("/v1/notes", self.create_note)]

    async def create_note(self, request: web.Request) -> web.Response:
        return json_response(await decode_body(request, Note), status=201)


async def post_raw(env, body: bytes, content_type: str = "application/json"):
    async with env.session.post(
        env.url("/v1/notes"), data=body, headers={"Content-Type": content_type}
    ) as response:
        return response.status, response.content_type, await response.read()


async def assert_still_healthy(env) -> None:
    async with env.session.get(env.url("/healthz")) as response:
        assert response.status == 200


async def test_huge_header_value_is_refused(start_gateway):
    """A header beyond aiohttp's 8 KiB field limit is refused; the server keeps serving."""
    async with start_gateway(NotesGateway) as env:
        async with env.session.get(
            env.url("/healthz"), headers={"X-Junk": "j" * 20_000}
        ) as response:
            assert response.status in (400, 431)
        await assert_still_healthy(env)


@pytest.mark.parametrize(
    "incoming",
    ["x" * 65, "has spaces", "semi;colon", "../../etc/passwd", 'quote"d', ""],
)
async def test_insane_request_id_is_replaced(start_gateway, incoming):
    """An X-Request-Id that is too long or has odd characters is replaced by a new one."""
    async with start_gateway(NotesGateway) as env:
        async with env.session.get(
            env.url("/healthz"), headers={"X-Request-Id": incoming}
        ) as response:
            echoed = response.headers["X-Request-Id"]
        assert echoed != incoming
        assert len(echoed) == 32


async def test_deeply_nested_json_is_a_400(start_gateway):
    """JSON nested far beyond reason is answered 400, not a crash."""
    async with start_gateway(NotesGateway, max_body_size=1024 * 1024) as env:
        nested = b'{"text": "t", "tags": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
        status, content_type, _body = await post_raw(env, nested)
        assert (status, content_type) == (400, PROBLEM)
        await assert_still_healthy(env)


async def test_deeply_nested_unknown_field_is_a_400(start_gateway):
    """Deep nesting inside an ignored unknown field is also refused cleanly."""
    async with start_gateway(NotesGateway, max_body_size=1024 * 1024) as env:
        nested = b'{"text": "t", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
        status, content_type, _ = await post_raw(env, nested)
        assert (status, content_type) == (400, PROBLEM)


async def test_invalid_utf8_is_a_400(start_gateway):
    """Bytes that are not UTF-8 are malformed JSON (400), not a 500."""
    async with start_gateway(NotesGateway) as env:
        status, content_type, body = await post_raw(env, b'{"text": "\xff\xfe"}')
        assert (status, content_type) == (400, PROBLEM)
        assert msgspec.json.decode(body)["detail"] == "invalid UTF-8"


async def test_raw_null_byte_is_a_400(start_gateway):
    """A raw NUL byte inside a JSON string is malformed JSON."""
    async with start_gateway(NotesGateway) as env:
        status, content_type, _ = await post_raw(env, b'{"text": "a\x00b"}')
        assert (status, content_type) == (400, PROBLEM)


async def test_escaped_null_character_round_trips(start_gateway):
    r"""An escaped \u0000 is valid JSON: it is accepted and returned intact."""
    async with start_gateway(NotesGateway) as env:
        status, _, body = await post_raw(env, b'{"text": "a\\u0000b"}')
        assert status == 201
        assert msgspec.json.decode(body) == {"text": "a\x00b", "tags": []}


async def test_non_json_content_type_is_a_415(start_gateway):
    """A body declared as something other than JSON answers 415 problem+json."""
    async with start_gateway(NotesGateway) as env:
        status, content_type, _ = await post_raw(
            env, b"text=hi", "application/x-www-form-urlencoded"
        )
        assert (status, content_type) == (415, PROBLEM)


async def test_empty_body_is_a_400(start_gateway):
    """An empty body is malformed JSON."""
    async with start_gateway(NotesGateway) as env:
        status, content_type, _ = await post_raw(env, b"")
        assert (status, content_type) == (400, PROBLEM)


async def test_unusual_method_is_bounded_in_metrics(start_gateway):
    """A rarely used method is answered 405 and recorded under method="OTHER"."""
    async with start_gateway(NotesGateway) as env:
        async with env.session.request("PROPFIND", env.url("/v1/notes")) as response:
            assert response.status == 405
        assert 'method="OTHER"' in env.metrics.render()


async def test_unknown_method_is_refused_by_the_parser(start_gateway):
    """A method the HTTP parser does not know is refused with 400; serving goes on."""
    async with start_gateway(NotesGateway) as env:
        async with env.session.request("BREW", env.url("/v1/notes")) as response:
            assert response.status == 400
        await assert_still_healthy(env)
