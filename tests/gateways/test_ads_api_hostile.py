"""Hostile input against the running Ads API: each request gets a clear 4xx (or a 202
that stores exactly what was meant), nothing half-valid reaches the queue, and the API
keeps serving."""

from __future__ import annotations

import asyncio
import json

from tests.gateways.conftest import AdsApiEnv, creative, decode_messages, library_ids

PROBLEM = "application/problem+json"
VALID_ID = "123456789012345"


async def assert_refused(
    api: AdsApiEnv, token: str, payload: object, status: int = 400, field: str | None = None
) -> dict:
    code, headers, body = await api.post_json(payload, token)
    assert (code, headers["Content-Type"]) == (status, PROBLEM), (payload, body)
    if field is not None:
        assert body["field"] == field, body
    return body


async def assert_serving(api: AdsApiEnv, token: str) -> None:
    """The API still answers, and nothing refused before was queued."""
    async with api.session.get(api.url + "/healthz") as response:
        assert response.status == 200
    await api.assert_queue_empty()
    assert (await api.post_json(creative(), token))[0] == 202
    await api.receive_all(1)


async def test_non_http_urls_are_refused(start_ads_api):
    """javascript:, data:, file:, ftp: and malformed URLs are refused wherever a URL goes,
    naming the field."""
    bad_urls = [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "//example.com/x",
        "https://",
        "https://exa mple.com/",
        " https://example.com/",
        "https://example.com/\nSet-Cookie: x=1",
        "https://example.com/" + "a" * 5000,
    ]
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for url in bad_urls:
            await assert_refused(
                api, token, {"creatives": [creative(link_url=url)]}, field="$.creatives[0].link_url"
            )
            media = {"kind": "image", "url": url}
            await assert_refused(api, token, creative(media=[media]), field="$.media[0].url")
            await assert_refused(
                api, token, creative(page={"profile_uri": url}), field="$.page.profile_uri"
            )
        await assert_serving(api, token)


async def test_bad_library_ids_are_refused(start_ads_api):
    """Library IDs of the wrong length, with non-digits, or of the wrong type are a 400."""
    bad_ids = [
        "12345678901234",  # 14 digits
        "123456789012345678",  # 18 digits
        "12345678901234a",
        "-12345678901234",
        " 123456789012345",
        "\uff11" * 15,  # full-width digits
        "",
        123456789012345,
        None,
        ["123456789012345"],
    ]
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for bad in bad_ids:
            body = await assert_refused(
                api, token, {"creatives": [creative(bad)]}, field="$.creatives[0].library_id"
            )
            assert body["type"] == "urn:mango:problem:validation"
        await assert_refused(api, token, {"body": "no id"}, field="$.library_id")
        await assert_serving(api, token)


async def test_trailing_newlines_and_huge_integers_are_refused(start_ads_api):
    """A Library ID or URL with a trailing newline, and an integer beyond PostgreSQL's
    bigint, are refused (they would store a second copy of an ad, or fail in the consumer)."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for payload in (
            creative("123456789012345\n"),
            creative(link_url="https://a.example/\n"),
            creative(captured_at=10**30),
        ):
            await assert_refused(api, token, payload)


async def test_wrong_types_and_shapes_are_refused(start_ads_api):
    """Wrong JSON types anywhere are a 400 naming the field; a non-object body too."""
    cases = [
        ([creative()], "$"),
        ("creatives", "$"),
        (None, "$"),
        ({"creatives": "all"}, "$.creatives"),
        ({"creatives": [None]}, "$.creatives[0]"),
        ({"creatives": [creative(is_active="yes")]}, "$.creatives[0].is_active"),
        ({"creatives": [creative(start_date=1.5)]}, "$.creatives[0].start_date"),
        ({"creatives": [creative(start_date=-1)]}, "$.creatives[0].start_date"),
        ({"creatives": [creative(platforms="FACEBOOK")]}, "$.creatives[0].platforms"),
        ({"creatives": [creative(platforms=["X"] * 11)]}, "$.creatives[0].platforms"),
        ({"creatives": [creative(source="tiktok")]}, "$.creatives[0].source"),
        ({"creatives": [creative(media=[{"kind": "audio", "url": "https://a.b/c"}])]}, None),
        ({"creatives": [creative(cards=[{}] * 51)]}, "$.creatives[0].cards"),
        ({"creatives": [creative(page=[])]}, "$.creatives[0].page"),
        ({"creatives": [creative(collation_id="a b")]}, "$.creatives[0].collation_id"),
    ]
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for payload, field in cases:
            await assert_refused(api, token, payload, field=field)
        await assert_serving(api, token)


async def test_malformed_json_is_refused(start_ads_api):
    """Truncated JSON, raw control characters, lone surrogates, invalid UTF-8 and an empty
    body are answered 400 as malformed JSON."""
    bodies = [
        b"",
        b"{",
        b'{"library_id": "123456789012345"',
        b'{"library_id": "1234567890\x0012345"}',
        b'{"library_id": "123456789012345", "body": "\\ud800"}',
        b'{"library_id": "123456789012345", "body": "\xff\xfe"}',
        b"\xef\xbb\xbf{}",
        b"NaN",
    ]
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for body in bodies:
            status, headers, problem = await api.post_raw(body, token)
            assert (status, headers["Content-Type"]) == (400, PROBLEM), body
            assert problem["title"] in ("Malformed JSON", "Invalid request body"), problem
        await assert_serving(api, token)


async def test_deeply_nested_json_is_refused(start_ads_api):
    """JSON nested 100,000 deep, in a known or an unknown field, is a 400, not a crash."""
    deep = b"[" * 100_000 + b"]" * 100_000
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for body in (
            b'{"creatives": ' + deep + b"}",
            b'{"library_id": "123456789012345", "extra": ' + deep + b"}",
            b'{"creatives": [{"library_id": "123456789012345", "x": ' + deep + b"}]}",
            deep,
        ):
            status, _, problem = await api.post_raw(body, token)
            assert status == 400, problem
        await assert_serving(api, token)


async def test_huge_strings_are_refused_and_bodies_over_the_limit_are_413(start_ads_api):
    """Texts over their bound are a 400 naming the field; a declared or chunked body over
    the 1 MiB limit is a 413."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        await assert_refused(api, token, creative(body="x" * 20_001), field="$.body")
        await assert_refused(api, token, creative(title="x" * 1001), field="$.title")
        status, headers, _ = await api.post_raw(b"x" * (1024 * 1024 + 1), token)
        assert (status, headers["Content-Type"]) == (413, PROBLEM)

        async def chunks():
            for _ in range(40):
                yield b" " * 65_536

        async with api.session.post(
            api.url + "/v1/creatives",
            data=chunks(),
            headers={**api.auth(token), "Content-Type": "application/json"},
        ) as response:
            assert response.status == 413
        await assert_serving(api, token)


async def test_unicode_survives_and_nul_characters_are_removed(start_ads_api):
    """Emoji, right-to-left text and combining marks arrive intact; NUL, U+FFFE and U+FFFF
    are removed (PostgreSQL and SQS cannot carry them); an escaped backslash before
    `u0000` is ordinary text."""
    text = "Só hoje 🔥 عرض خاص e\u0301 \u2028 \U0001d518\U0001d52b"
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        first, second = library_ids(2)
        payload = {
            "creatives": [
                creative(first, body=text, title="a\u0000b\ufffec\uffffd"),
                creative(second, body="\\u0000 is text", link_url="https://a.example/\u0000x"),
            ]
        }
        status, _, answer = await api.post_json(payload, token)
        assert status == 202, answer
        raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        status, _, _ = await api.post_raw(raw, token)  # the same, as raw UTF-8
        assert status == 202
        messages = decode_messages(await api.receive_all(2))
        for message in messages:
            one, two = message.creatives
            assert (one.body, one.title) == (text, "abcd")
            assert two.body == "\\u0000 is text"
            assert two.link_url == "https://a.example/x"


async def test_creatives_over_the_message_limit_are_split_or_413(start_ads_api):
    """Creatives too big for one queue message together are split over several messages,
    all accepted; one creative too big alone is a 413 naming it."""
    card = {"body": "y" * 20_000}
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        ids = library_ids(5)
        payload = {"creatives": [creative(i, cards=[card] * 5) for i in ids]}
        status, _, answer = await api.post_json(payload, token)
        assert (status, answer["accepted"]) == (202, ids)
        messages = decode_messages(await api.receive_all(3))
        got = sorted(c.library_id for m in messages for c in m.creatives)
        assert got == ids
        too_big = creative(VALID_ID, cards=[card] * 14)
        body = await assert_refused(api, token, too_big, status=413)
        assert VALID_ID in body["detail"]
        await assert_serving(api, token)


async def test_unknown_fields_are_ignored(start_ads_api):
    """Fields the API does not know (a newer extension) are ignored, not refused."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, _ = await api.post_json(creative(new_field={"a": [1, 2]}), token)
        assert status == 202
        await api.receive_all(1)


async def test_bad_tokens_are_401_without_touching_the_queue(start_ads_api):
    """Very long, non-ASCII, empty and look-alike tokens all get 401."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        for authorization in (
            "Bearer " + "mm_" + "a" * 10_000,
            "Bearer mm_" + "é" * 43,
            "Bearer ",
            "Bearer  " + token + " extra",
            "Bearer mm_" + "A" * 43 + "'; DROP TABLE api_tokens; --",
            "Token " + token,
            token,
        ):
            status, _, _ = await api.post_raw(
                json.dumps(creative()).encode(),
                None,
                headers={"Authorization": authorization.encode("utf-8").decode("latin-1")},
            )
            assert status in (400, 401), authorization
        await assert_serving(api, token)


async def test_header_injection_is_refused(start_ads_api):
    """Raw requests with CR/LF smuggled into header values, or obsolete line folding, are
    refused with a 4xx; no injected header comes back and the API keeps serving."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        port = int(api.url.rsplit(":", 1)[1])
        body = json.dumps(creative()).encode()
        attacks = [
            f"Authorization: Bearer {token}\rX-Injected: 1\r\n".encode(),
            f"Authorization: Bearer {token}\nX-Injected: 1\r\n".encode(),
            f"Authorization: Bearer {token}\r\n X-Injected: 1\r\n".encode(),
            b"X-Request-Id: abc\rSet-Cookie: a=1\r\n"
            + f"Authorization: Bearer {token}\r\n".encode(),
        ]
        for headers in attacks:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /v1/creatives HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + headers
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=10)
            writer.close()
            head = answer.split(b"\r\n\r\n", 1)[0]
            status = int(head.split(b" ", 2)[1])
            assert 400 <= status < 500, answer[:200]
            assert b"x-injected" not in head.lower()
            assert b"set-cookie" not in head.lower()
        await assert_serving(api, token)
