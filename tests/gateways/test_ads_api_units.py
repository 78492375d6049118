"""The Ads API's building blocks: body intake, the token bucket and the token cache (the
latter against real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import asyncpg
import msgspec
import pytest

from actors.accounts import authenticate_token, create_api_token, create_user, revoke_api_token
from actors.ads.messages import Creative, CreativeBatch, ads_codec
from gateways.ads_api.auth import TokenAuthenticator
from gateways.ads_api.intake import (
    collected_messages,
    dedupe,
    parse_creatives,
    strip_uncarriable,
)
from gateways.ads_api.ratelimit import TokenBucketLimiter
from mango.http import ProblemError, validation_problem


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (rb'"a\u0000b"', rb'"ab"'),
        (rb'"a\\u0000b"', rb'"a\\u0000b"'),
        (rb'"a\\\u0000b"', rb'"a\\b"'),
        (rb'"\uFFFF\ufffe\uFFFD"', rb'"\uFFFD"'),
        ('"a\ufffeb\uffff"'.encode(), b'"ab"'),
        ('"é 🔥"'.encode(), '"é 🔥"'.encode()),
    ],
)
def test_strip_uncarriable_removes_only_real_nul_and_noncharacters(raw, clean):
    """Escapes of NUL/U+FFFE/U+FFFF and their UTF-8 forms go; escaped backslashes stay."""
    assert strip_uncarriable(raw) == clean
    assert json.loads(strip_uncarriable(raw)) == json.loads(clean)


def test_parse_accepts_a_batch_or_a_single_creative():
    """`{"creatives": [...]}` is a batch; any other object is one creative."""
    batch = parse_creatives(b'{"creatives": [{"library_id": "123456789012345"}]}')
    single = parse_creatives(b'{"library_id": "123456789012345"}')
    assert batch == single == [Creative(library_id="123456789012345")]


def test_parse_reports_the_failing_field():
    """A validation error names the JSONPath of the field."""
    with pytest.raises(ProblemError) as caught:
        parse_creatives(b'{"creatives": [{"library_id": "1"}]}')
    assert caught.value.status == 400
    assert caught.value.errors[0].path == "$.creatives[0].library_id"


def _two_pass_parse(body: bytes) -> list[Creative]:
    """parse_creatives as it was: look for a "creatives" member first, then decode."""
    body = strip_uncarriable(body)
    try:
        members = msgspec.json.decode(body, type=dict[str, msgspec.Raw])
        if "creatives" in members:
            return msgspec.json.decode(body, type=CreativeBatch).creatives
        return [msgspec.json.decode(body, type=Creative)]
    except msgspec.ValidationError as exc:
        raise validation_problem(exc) from exc
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ProblemError(400, title="Malformed JSON", detail=str(exc)) from exc


def _outcome(parse: Callable[[bytes], list[Creative]], body: bytes) -> object:
    try:
        return parse(body)
    except ProblemError as problem:
        return (problem.status, problem.title, [(e.path, e.message) for e in problem.errors])


@pytest.mark.parametrize(
    "body",
    [
        b'{"creatives": [{"library_id": "123456789012345"}]}',
        b'{"library_id": "123456789012345"}',
        b'{"library_id": "123456789012345", "page": {"name": "n"}}',
        b'{"creatives": [{"library_id": "1"}]}',
        b'{"creatives": []}',
        b'{"creatives": 5}',
        b'{"creatives": 5, "x": ',
        b'{"library_id": "1"}',
        b'{"library_id": 123456789012345}',
        b'{"library_id": "123456789012345", "link_url": "ftp://x"}',
        b"{}",
        b"[]",
        b"[1, 2]",
        b'"creatives"',
        b"null",
        b"",
        b"{",
        b'{"creatives": [{"library_id": "123456789012345"}], "creatives": []}',
        b'{"creatives": null, "library_id": "123456789012345"}',
        b'{"creatives": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        rb'{"library_id": "123456789012345", "body": "a\u0000b"}',
        b'{"creatives": [{"library_id": "123456789012345", "title": "\xff"}]}',
        b'{"creatives": [{"library_id": "123456789012345"}]}\xff',
    ],
)
def test_parse_answers_like_the_two_pass_parse(body):
    """Decoding the batch first changes no outcome: same creatives, same 400s and paths."""
    assert _outcome(parse_creatives, body) == _outcome(_two_pass_parse, body)


def test_dedupe_keeps_the_last_copy_at_the_first_position():
    """Later copies replace earlier ones; the count of dropped copies is returned."""
    a1, b, a2 = (
        Creative(library_id="111111111111111", body="1"),
        Creative(library_id="222222222222222"),
        Creative(library_id="111111111111111", body="2"),
    )
    assert dedupe([a1, b, a2]) == ([a2, b], 1)


def test_collected_messages_split_only_beyond_the_limit():
    """One message while it fits; halves (order kept) beyond; 413 for one too big alone."""
    creatives = [Creative(library_id=str(10**14 + n), body="x" * 2500) for n in range(8)]
    [one] = collected_messages(creatives, user_id="u", request_id="r", max_body_bytes=262_144)
    assert one.creatives == creatives
    parts = collected_messages(creatives, user_id="u", request_id="r", max_body_bytes=8_000)
    assert [c for part in parts for c in part.creatives] == creatives
    assert all(len(ads_codec.encode(part)) <= 8_000 - 1024 for part in parts)
    assert len(parts) == 4
    with pytest.raises(ProblemError) as caught:
        collected_messages(creatives[:1], user_id="u", request_id="r", max_body_bytes=2_000)
    assert caught.value.status == 413


def test_token_bucket_allows_the_burst_then_refills():
    """`burst` at once, then one per 60/rate seconds; keys are independent."""
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_minute=60, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("a")
    assert wait == pytest.approx(1.0)
    assert limiter.retry_after(wait) == "1"
    assert limiter.acquire("b") == 0.0
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0
    clock.now += 3600
    assert [limiter.acquire("a") for _ in range(4)][-1] > 0  # never more than the burst


def test_token_bucket_forgets_least_recently_used_keys():
    """At most `max_keys` buckets are kept."""
    limiter = TokenBucketLimiter(rate_per_minute=1, burst=1, max_keys=2)
    for key in "abc":
        limiter.acquire(key)
    assert list(limiter._buckets) == ["b", "c"]


@pytest.fixture
async def pool(ads_database):
    pool = await asyncpg.create_pool(ads_database, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_token_cache_shares_lookups_and_expires(pool):
    """Concurrent checks of one token make one lookup; a revoked token keeps working only
    until the cache's ttl runs out; unknown tokens are remembered for `failure_ttl` only."""
    user_id = await create_user(pool, "cache@example.com")
    token_id, token = await create_api_token(pool, user_id, "cache")
    lookups: list[str] = []

    async def lookup(candidate: str):
        lookups.append(candidate)
        return await authenticate_token(pool, candidate)

    clock = FakeClock()
    auth = TokenAuthenticator(lookup, ttl=2.0, failure_ttl=1.0, clock=clock)
    header = f"Bearer {token}"
    principals = await asyncio.gather(*(auth.authenticate(header) for _ in range(20)))
    assert {p.token_id for p in principals} == {token_id}
    assert len(lookups) == 1
    await revoke_api_token(pool, user_id, token_id)
    assert (await auth.authenticate(header)).user_id == user_id  # cached
    clock.now += 2.1
    with pytest.raises(ProblemError) as caught:
        await auth.authenticate(header)
    assert caught.value.status == 401
    with pytest.raises(ProblemError):
        await auth.authenticate(header)
    assert len(lookups) == 2  # the failure is remembered...
    clock.now += 1.1
    with pytest.raises(ProblemError):
        await auth.authenticate(header)
    assert len(lookups) == 3  # ...for a second only


async def test_cached_check_agrees_with_the_full_check(pool):
    """The synchronous fast path answers only from the cache: None before a lookup and
    after the ttl (revocation still takes effect within it), the cached principal
    meanwhile, a 401 for a malformed header or a token recently found unknown."""
    user_id = await create_user(pool, "fastpath@example.com")
    token_id, token = await create_api_token(pool, user_id, "fastpath")
    clock = FakeClock()
    auth = TokenAuthenticator(
        lambda candidate: authenticate_token(pool, candidate), ttl=2.0, clock=clock
    )
    header = f"Bearer {token}"
    assert auth.authenticate_cached(header) is None  # never looked up
    await auth.authenticate(header)
    cached = auth.authenticate_cached(header)
    assert cached is not None
    assert cached.token_id == token_id
    await revoke_api_token(pool, user_id, token_id)
    clock.now += 2.1
    assert auth.authenticate_cached(header) is None  # expired: the full check decides
    with pytest.raises(ProblemError):
        await auth.authenticate(header)
    for bad in (header, None, "Basic abc", "Bearer not-a-token"):
        with pytest.raises(ProblemError) as caught:
            auth.authenticate_cached(bad)
        assert caught.value.status == 401


async def test_unreachable_token_store_is_a_503(postgres_server):
    """When the database cannot be reached the answer is 503 with Retry-After, not 500."""
    dead = postgres_server.dsn("no_such_database_" + "x" * 8)

    async def lookup(candidate: str):
        connection = await asyncpg.connect(dead, timeout=2)
        await connection.close()

    auth = TokenAuthenticator(lookup)
    with pytest.raises(ProblemError) as caught:
        await auth.authenticate("Bearer mm_" + "A" * 43)
    assert caught.value.status == 503
    assert caught.value.headers["Retry-After"] == "5"
