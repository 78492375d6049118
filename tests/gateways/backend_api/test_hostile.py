"""Hostile input: malformed bodies, odd ids, huge and control-character input, and
schemathesis against /openapi.json. Nothing answers 5xx; errors are problem+json."""

from __future__ import annotations

import os

import pytest

from tests.servers.schemathesis import assert_schemathesis_passes

MAX_EXAMPLES = os.environ.get("MANGO_SCHEMATHESIS_EXAMPLES", "25")
CHECKS = os.environ.get("MANGO_SCHEMATHESIS_CHECKS", "all")
# ignored_auth: the bearer header below stays on requests where schemathesis plants a
# garbage session cookie, so it reads the success as "invalid auth accepted" (the 401s
# without credentials are pinned by test_authorisation). positive_data_acceptance: a
# task's parameters depend on its kind, which the document cannot tie together, so a
# random parameters object is (rightly) refused.
EXCLUDED = "ignored_auth,positive_data_acceptance"


async def test_malformed_requests_are_client_errors(api):
    """Broken JSON, wrong types, wrong content types, odd ids, NUL characters and deep
    nesting answer 4xx problems."""
    client = await api.user()
    cases = [
        ("POST", "/v1/boards", b"{", "application/json", 400),
        ("POST", "/v1/boards", b'{"name": 5}', "application/json", 400),
        ("POST", "/v1/boards", b'{"name": "a"}', "text/plain", 415),
        ("POST", "/v1/boards", b'{"name": "\\u0000"}', "application/json", 400),
        ("POST", "/v1/boards", b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (
            "POST",
            "/v1/auth/login",
            b'{"email": "\\u0000@x.y", "password": "0123456789"}',
            "application/json",
            400,
        ),
        ("PUT", "/v1/creatives/..%2F..%2Fetc/note", b'{"note": "x"}', "application/json", 404),
        ("GET", "/v1/media/-1", None, None, 404),
        ("GET", "/v1/media/1e9", None, None, 404),
        ("GET", "/v1/media/99999999999999999999999", None, None, 404),
        ("GET", "/v1/content-tasks/%00", None, None, 404),
    ]
    for method, path, raw, content_type, status in cases:
        headers = {"Content-Type": content_type} if content_type else {}
        answer = await client.call(method, path, raw=raw, headers=headers)
        assert answer.status == status, (method, path, raw and raw[:40], answer.body)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    for params in [
        {"q": "\x00"},
        {"page": "\x00"},
        {"tag": "a\x00"},
        {"cursor": "\x00"},
        {"q": "x", "q2": "y"},
        {"platform": "'--"},
    ]:
        answer = await client.call("GET", "/v1/creatives", params=params)
        assert answer.status < 500, params
    repeated = await client.call("GET", "/v1/creatives?limit=1&limit=2")
    assert repeated.status == 400
    big = await client.call(
        "PUT",
        "/v1/creatives/x/note",
        raw=b'{"note":"' + b"a" * 2_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert big.status == 413


@pytest.mark.slow
async def test_schemathesis_finds_no_failures(start_backend_api, tmp_path):
    """Generated valid and invalid requests, authenticated with a bearer session, never
    get a 5xx, and every answer conforms to the document."""
    async with start_backend_api(
        login_max_failures="1000", login_max_failures_per_ip="100000"
    ) as api:
        client = await api.client()
        answer = await client.call(
            "POST",
            "/v1/auth/signup",
            {"email": "fuzz@example.com", "password": "fuzzing password", "transport": "bearer"},
        )
        token = answer.body["session_token"]
        await assert_schemathesis_passes(
            f"{api.url}/openapi.json",
            token=token,
            cwd=tmp_path,
            extra_args=("--exclude-path", "/v1/auth/logout"),
            checks=CHECKS,
            excluded_checks=EXCLUDED,
            max_examples=MAX_EXAMPLES,
            workers=2,
        )
