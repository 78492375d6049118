"""``POST /v1/creatives`` is a direct route: it answers like the routed way, errors included.

A query string sends the same request through aiohttp's router and middleware chain, so
each case is sent both ways and the answers compared (the request ids aside).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.gateways.conftest import AdsApiEnv, creative

PROBLEM = "application/problem+json"
ROUTED = "?via=router"


async def _both_ways(
    api: AdsApiEnv, body: bytes, token: str | None, **options: Any
) -> list[tuple[int, Any, Any]]:
    answers = []
    for query in ("", ROUTED):
        headers = {"Content-Type": options.get("content_type", "application/json")}
        headers.update(options.get("headers", {}))
        if token is not None:
            headers.update(api.auth(token))
        async with api.session.post(
            api.url + "/v1/creatives" + query, data=body, headers=headers
        ) as response:
            raw = await response.read()
            answers.append((response.status, response.headers.copy(), json.loads(raw)))
    return answers


def _assert_same_problem(answers: list[tuple[int, Any, Any]], status: int) -> dict[str, Any]:
    """Both answers are the same problem+json; each echoes its own request id."""
    for answer_status, headers, body in answers:
        assert (answer_status, headers["Content-Type"]) == (status, PROBLEM), body
        assert body.pop("request_id") == headers["X-Request-Id"]
    (_, direct_headers, direct), (_, routed_headers, routed) = answers
    assert direct == routed
    for name in ("Retry-After", "WWW-Authenticate"):
        assert direct_headers.get(name) == routed_headers.get(name)
    return dict(direct)


async def test_accepted_creatives_answer_alike_both_ways(start_ads_api):
    """A valid creative is a 202 with the same body either way; a sent X-Request-Id is
    echoed."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        body = json.dumps(creative()).encode()
        answers = await _both_ways(api, body, token, headers={"X-Request-Id": "same-id"})
        for status, headers, answer in answers:
            assert (status, headers["X-Request-Id"]) == (202, "same-id")
            assert answer == {"accepted": ["123456789012345"], "duplicates": 0}
        await api.receive_all(2)


async def test_client_errors_answer_alike_both_ways(start_ads_api):
    """400 (malformed, invalid), 401 (missing, malformed token), 413 (body over the
    limit) and 415 are the same problem+json either way."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        valid = json.dumps(creative()).encode()
        invalid = json.dumps(creative(library_id="12")).encode()
        problem = _assert_same_problem(await _both_ways(api, b"{nope", token), 400)
        assert problem["type"] == "urn:mango:problem:malformed-json"
        problem = _assert_same_problem(await _both_ways(api, invalid, token), 400)
        assert problem["field"] == "$.library_id"
        problem = _assert_same_problem(await _both_ways(api, valid, None), 401)
        assert problem["type"] == "urn:mango:problem:unauthorized"
        _assert_same_problem(await _both_ways(api, valid, "mm_short"), 401)
        huge = b"x" * (1024 * 1024 + 1)
        problem = _assert_same_problem(await _both_ways(api, huge, token), 413)
        assert problem["type"] == "urn:mango:problem:body-too-large"
        form = await _both_ways(api, b"a=1", token, content_type="text/plain")
        assert "application/json" in _assert_same_problem(form, 415)["detail"]
        await api.assert_queue_empty()


async def test_rate_limited_requests_answer_alike_both_ways(start_ads_api):
    """Past the burst both ways answer 429 with Retry-After; both count against it."""
    async with start_ads_api(rate_limit_burst="2", rate_limit_per_minute="1") as api:
        _, _, token = await api.new_token()
        body = json.dumps(creative()).encode()
        assert [status for status, _, _ in await _both_ways(api, body, token)] == [202, 202]
        problem = _assert_same_problem(await _both_ways(api, body, token), 429)
        assert problem["type"] == "urn:mango:problem:rate-limited"


@pytest.mark.slow
async def test_queue_unavailable_answers_alike_both_ways(start_ads_api, dedicated_sqs_server):
    """With the SQS endpoint gone both ways answer 503 with Retry-After."""
    sqs = dedicated_sqs_server("moto")
    async with start_ads_api(sqs=sqs, publish_timeout_seconds="1") as api:
        _, _, token = await api.new_token()
        sqs.stop()
        body = json.dumps(creative()).encode()
        problem = _assert_same_problem(await _both_ways(api, body, token), 503)
        assert problem["type"] == "urn:mango:problem:queue-unavailable"
