"""The Ads API end to end in-process: real HTTP, PostgreSQL tokens and a moto SQS queue."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import msgspec
import pytest
import structlog

from actors.accounts import revoke_api_token
from actors.ads.messages import ADS_QUEUE
from mango.transport.base import DeleteEntry
from mango.transport.sqs import SqsBroker
from tests.gateways.conftest import (
    creative,
    decode_messages,
    example_payload,
    library_ids,
)

PROBLEM = "application/problem+json"


async def test_example_payload_is_queued_without_loss(start_ads_api):
    """The extension's example payload is answered 202 and lands in one message on the
    queue, typed `creatives.collected`, every field of the JSON intact (the contract)."""
    payload = example_payload()
    async with start_ads_api() as api:
        user_id, _, token = await api.new_token()
        status, headers, body = await api.post_json(payload, token)
        assert status == 202, body
        ids = [c["library_id"] for c in payload["creatives"]]
        assert body == {"accepted": ids, "duplicates": 0}
        [received] = await api.receive_all(1)
        assert received.attributes["mango.type"] == "creatives.collected"
        assert received.attributes["mango.sender"] == "ads-api"
        assert received.attributes["mango.trace_id"] == headers["X-Request-Id"]
        [message] = decode_messages([received])
        assert message.user_id == user_id
        assert message.request_id == headers["X-Request-Id"]
        assert message.received_at > 0
        sent = [msgspec.to_builtins(c) for c in message.creatives]
        assert sent == payload["creatives"]


async def test_single_creative_object_is_accepted(start_ads_api):
    """A bare creative object (no "creatives" member) is taken as a batch of one."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, body = await api.post_json(creative("1234567890123456"), token)
        assert (status, body) == (202, {"accepted": ["1234567890123456"], "duplicates": 0})
        [message] = decode_messages(await api.receive_all(1))
        assert [c.library_id for c in message.creatives] == ["1234567890123456"]
        assert message.creatives[0].body == "Buy now"


async def test_batch_of_fifty_is_one_message(start_ads_api):
    """Fifty creatives make one queue message holding all of them, in order."""
    ids = library_ids(50)
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, body = await api.post_json({"creatives": [creative(i) for i in ids]}, token)
        assert (status, body["accepted"]) == (202, ids)
        [message] = decode_messages(await api.receive_all(1))
        assert [c.library_id for c in message.creatives] == ids


async def test_duplicates_in_a_batch_are_accepted_once(start_ads_api):
    """Repeated Library IDs count once; the last copy wins, at the first one's position."""
    first, second = library_ids(2)
    batch = [
        creative(first, body="old"),
        creative(second),
        creative(first, body="new"),
        creative(first, body="newest"),
    ]
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, body = await api.post_json({"creatives": batch}, token)
        assert (status, body) == (202, {"accepted": [first, second], "duplicates": 2})
        [message] = decode_messages(await api.receive_all(1))
        assert [(c.library_id, c.body) for c in message.creatives] == [
            (first, "newest"),
            (second, "Buy now"),
        ]


async def test_fifty_one_creatives_are_a_400(start_ads_api):
    """A batch over fifty is refused with the field path, and nothing is queued."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        payload = {"creatives": [creative(i) for i in library_ids(51)]}
        status, headers, body = await api.post_json(payload, token)
        assert (status, headers["Content-Type"]) == (400, PROBLEM)
        assert body["field"] == "$.creatives"
        await api.assert_queue_empty()


async def test_empty_batch_is_a_400(start_ads_api):
    """An empty batch is refused: there is nothing to accept."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, body = await api.post_json({"creatives": []}, token)
        assert (status, body["field"]) == (400, "$.creatives")


async def test_whoami_names_the_tokens_user(start_ads_api):
    """GET /v1/whoami answers the user id and email of the token."""
    async with start_ads_api() as api:
        user_id, _, token = await api.new_token("Someone@Example.com")
        async with api.session.get(api.url + "/v1/whoami", headers=api.auth(token)) as response:
            assert response.status == 200
            assert await response.json() == {"user_id": user_id, "email": "Someone@Example.com"}


async def test_boards_lists_only_the_tokens_users_boards(start_ads_api):
    """GET /v1/boards answers the token user's boards by name (the extension's picker),
    never another user's."""
    async with start_ads_api() as api:
        user_id, _, token = await api.new_token()
        other_id, _, _ = await api.new_token()
        for owner, name in ((user_id, "Winners"), (user_id, "apparel"), (other_id, "Secret")):
            await api.pool.execute(
                "INSERT INTO boards (user_id, name) VALUES ($1, $2)", uuid.UUID(owner), name
            )
        async with api.session.get(api.url + "/v1/boards", headers=api.auth(token)) as response:
            assert response.status == 200
            body = await response.json()
        assert [board["name"] for board in body["boards"]] == ["apparel", "Winners"]
        async with api.session.get(api.url + "/v1/boards") as response:
            assert response.status == 401


async def test_missing_token_is_a_401_with_a_challenge(start_ads_api):
    """Without Authorization the answer is 401 with `WWW-Authenticate: Bearer`."""
    async with start_ads_api() as api:
        status, headers, body = await api.post_json(creative(), None)
        assert (status, headers["Content-Type"]) == (401, PROBLEM)
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in body["detail"]
        async with api.session.get(api.url + "/v1/whoami") as response:
            assert response.status == 401
        await api.assert_queue_empty()


async def test_malformed_unknown_and_revoked_tokens_are_401(start_ads_api):
    """Wrong scheme, malformed token, unknown token and a revoked one all get 401 with an
    `invalid_token` challenge; the revoked one stops working within the cache's seconds."""
    async with start_ads_api(auth_cache_seconds="0.5") as api:
        user_id, token_id, token = await api.new_token()
        assert (await api.post_json(creative(), token))[0] == 202
        unknown = "mm_" + "A" * 43
        for authorization in (
            f"Basic {token}",
            "Bearer",
            "Bearer not-a-mango-token",
            "Bearer mm_short",
            f"Bearer {unknown}",
            f"Bearer {token}x",
        ):
            status, headers, _ = await api.post_raw(
                b"{}", None, headers={"Authorization": authorization}
            )
            assert status == 401, authorization
            assert 'error="invalid_token"' in headers["WWW-Authenticate"]
        assert await revoke_api_token(api.pool, user_id, token_id)
        await asyncio.sleep(0.6)
        status, _, body = await api.post_json(creative(), token)
        assert status == 401
        assert "revoked" in body["detail"]
        await api.receive_all(1)  # only the one made before the revocation


async def test_lowercase_bearer_scheme_is_accepted(start_ads_api):
    """The auth scheme is case-insensitive (RFC 7235)."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, _ = await api.post_json(
            creative(), None, headers={"Authorization": f"bearer {token}"}
        )
        assert status == 202


async def test_tokens_never_reach_the_logs(start_ads_api):
    """Neither good nor bad tokens appear in any log event."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        bad = "mm_" + "Z" * 43
        with structlog.testing.capture_logs() as events:
            await api.post_json(creative(), token)
            await api.post_json(creative(), bad)
            await api.post_json({"creatives": "x"}, token)
        assert events
        logged = json.dumps(events, default=str)
        assert token not in logged
        assert bad not in logged


async def test_rate_limit_answers_429_after_the_burst(start_ads_api):
    """A token gets `burst` requests at once, then 429 with Retry-After; another token is
    not affected."""
    async with start_ads_api(rate_limit_burst="3", rate_limit_per_minute="6") as api:
        _, _, token = await api.new_token()
        _, _, other = await api.new_token()
        statuses = [(await api.post_json(creative(), token))[0] for _ in range(3)]
        assert statuses == [202, 202, 202]
        status, headers, body = await api.post_json(creative(), token)
        assert (status, headers["Content-Type"]) == (429, PROBLEM)
        assert 1 <= int(headers["Retry-After"]) <= 10
        assert body["type"] == "urn:mango:problem:rate-limited"
        assert (await api.post_json(creative(), other))[0] == 202


async def test_wrong_content_type_is_a_415(start_ads_api):
    """A form-encoded body is refused with 415."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        status, _, body = await api.post_raw(
            b"library_id=1", token, content_type="application/x-www-form-urlencoded"
        )
        assert status == 415
        assert "application/json" in body["detail"]


async def test_json_content_types_are_accepted_in_any_spelling(start_ads_api):
    """The exact ``application/json`` (the extension's, checked without parsing) and the
    spellings that parse to JSON are accepted; a header that parses to another type is a
    415 quoting the parsed type."""
    async with start_ads_api() as api:
        _, _, token = await api.new_token()
        body = json.dumps(creative()).encode()
        for content_type in (
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/vnd.mango+json",
        ):
            status, _, answer = await api.post_raw(body, token, content_type=content_type)
            assert status == 202, (content_type, answer)
        status, _, answer = await api.post_raw(body, token, content_type="text/plain; x=1")
        assert status == 415
        assert answer["detail"] == "expected application/json, got 'text/plain'"


async def test_readyz_checks_database_and_queue(start_ads_api):
    """/readyz reports the database and the queue checks, both passing."""
    async with start_ads_api() as api:
        async with api.session.get(api.url + "/readyz") as response:
            assert response.status == 200
            checks = {c["name"]: c["ok"] for c in (await response.json())["checks"]}
        assert checks == {"database": True, "queues": True}


async def test_openapi_document_is_served(start_ads_api):
    """/openapi.json is an OpenAPI 3.1 document naming both operations and bearer auth."""
    async with start_ads_api() as api:
        async with api.session.get(api.url + "/openapi.json") as response:
            assert response.status == 200
            document = await response.json()
        assert document["openapi"] == "3.1.0"
        assert set(document["paths"]) == {"/v1/creatives", "/v1/whoami", "/v1/boards"}
        post = document["paths"]["/v1/creatives"]["post"]
        assert post["security"] == [{"bearer": []}]
        assert {"202", "400", "401", "413", "415", "429", "503"} <= set(post["responses"])


@pytest.mark.slow
async def test_queue_down_is_a_503_with_retry_after(start_ads_api, dedicated_sqs_server):
    """With the SQS endpoint gone, a POST gets 503 with Retry-After within the publish
    timeout, /readyz turns 503, and the API serves again once the endpoint is back."""
    sqs = dedicated_sqs_server("moto")
    async with start_ads_api(sqs=sqs, publish_timeout_seconds="2") as api:
        _, _, token = await api.new_token()
        assert (await api.post_json(creative(), token))[0] == 202
        sqs.stop()
        status, headers, body = await api.post_json(creative(), token)
        assert (status, headers["Content-Type"]) == (503, PROBLEM)
        assert int(headers["Retry-After"]) >= 1
        assert body["type"] == "urn:mango:problem:queue-unavailable"
        async with api.session.get(api.url + "/readyz") as response:
            assert response.status == 503
        async with api.session.get(api.url + "/healthz") as response:
            assert response.status == 200
        sqs.start()  # a restarted emulator has lost its queues: create ours again
        async with SqsBroker(**sqs.broker_options()) as broker:
            await broker.create_queue(api.queue.spec)
        deadline = time.monotonic() + 30
        while (await api.post_json(creative("999999999999999"), token))[0] != 202:
            assert time.monotonic() < deadline, "the API did not recover"
            await asyncio.sleep(0.5)
        # The publisher may still deliver the request that timed out (the consumer then
        # stores it once): look for ours among what arrives.
        ids: list[str] = []
        while "999999999999999" not in ids and time.monotonic() < deadline:
            received = await api.queue.receive(max_messages=10, wait_seconds=1)
            ids += [c.library_id for m in decode_messages(received) for c in m.creatives]
        assert "999999999999999" in ids


async def test_queue_name_is_the_ads_queue(start_ads_api):
    """The service publishes to the prefixed `mango-ads` queue."""
    async with start_ads_api() as api:
        assert api.queue.name.endswith(ADS_QUEUE)


async def test_concurrent_requests_are_coalesced_into_few_messages(start_ads_api):
    """Sixty requests of one creative from two users, sent at once, are each answered 202
    with their own ids, and travel in far fewer messages: one user per message, every
    creative exactly once."""
    async with start_ads_api(rate_limit_burst="100") as api:
        users = [await api.new_token() for _ in range(2)]
        ids = library_ids(60)
        answers = await asyncio.gather(
            *(api.post_json(creative(i), users[n % 2][2]) for n, i in enumerate(ids))
        )
        for library_id, (status, _, body) in zip(ids, answers, strict=True):
            assert (status, body) == (202, {"accepted": [library_id], "duplicates": 0})
        received = []
        deadline = time.monotonic() + 10
        while sum(len(m.creatives) for m in received) < len(ids):
            assert time.monotonic() < deadline, "creatives missing from the queue"
            batch = await api.queue.receive(max_messages=10, wait_seconds=1)
            if batch:
                await api.queue.delete_batch(
                    [DeleteEntry(str(n), m.receipt_handle) for n, m in enumerate(batch)]
                )
            received += decode_messages(batch)
        await api.assert_queue_empty()
        assert len(received) < 20
        for message in received:
            owner = {users[0][0]: 0, users[1][0]: 1}[message.user_id]
            assert all(int(c.library_id) % 2 == owner for c in message.creatives)
        sent = sorted(c.library_id for m in received for c in m.creatives)
        assert sent == ids
