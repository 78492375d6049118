"""The OpenAI-compatible generator against a local server speaking chat-completions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest
from aiohttp import web

from actors.content import GenerationError, GenerationUnavailableError, get_task
from actors.content.brief import BriefGenerator, BriefParameters, BriefResult
from actors.content.llm import ChatCompletionsGenerator
from actors.content.service import service
from mango.testing import run_service
from tests.actors.content.conftest import add_creative
from tests.actors.content.test_generators import creative, task
from tests.actors.content.test_service import relay, request

KEY = "sk-test-secret-key-123"
VALID = {
    "creatives": [],
    "common_claims": ["discount"],
    "platforms": ["facebook"],
    "longest_running": None,
}


class ChatServer:
    """Answers each POST with the next scripted (status, headers, content) reply."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        self.url = ""

    def completion(self, content: str) -> tuple[int, dict[str, str], Any]:
        body = {
            "id": "c1",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
        return 200, {}, body

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.auth.append(request.headers.get("Authorization"))
        status, headers, body = self.replies.pop(0) if self.replies else (500, {}, "empty")
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(
            status=status, headers=headers, text=text, content_type="application/json"
        )


@pytest.fixture
async def chat() -> AsyncIterator[ChatServer]:
    server = ChatServer()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.handle)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def generator(
    chat: ChatServer,
) -> AsyncIterator[tuple[ChatCompletionsGenerator, list[float]]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield (
            ChatCompletionsGenerator(
                base=BriefGenerator(),
                session=session,
                url=chat.url,
                model="test-model",
                api_key=KEY,
                max_attempts=3,
                backoff=0.5,
                max_retry_after=10,
                sleep=sleep,
            ),
            slept,
        )


def brief_task() -> Any:
    return task("brief", BriefParameters(), creative())


async def test_valid_json_answer_is_the_result(chat: ChatServer, generator: Any) -> None:
    """A 200 with JSON content decodes into the kind's result type; the key is a bearer."""
    llm, slept = generator
    chat.replies.append(chat.completion(json.dumps(VALID)))
    result = await llm.generate(brief_task())
    assert isinstance(result, BriefResult)
    assert result.common_claims == ["discount"]
    sent = chat.requests[0]
    assert sent["model"] == "test-model"
    assert sent["response_format"] == {"type": "json_object"}
    assert "Stride Air" in sent["messages"][1]["content"]
    assert chat.auth == [f"Bearer {KEY}"]
    assert KEY not in repr(llm)
    assert slept == []


async def test_429_with_retry_after_then_200(chat: ChatServer, generator: Any) -> None:
    """Too Many Requests waits the Retry-After seconds, then succeeds."""
    llm, slept = generator
    chat.replies += [
        (429, {"Retry-After": "3"}, {"error": "slow down"}),
        chat.completion("```json\n" + json.dumps(VALID) + "\n```"),
    ]
    assert isinstance(await llm.generate(brief_task()), BriefResult)
    assert slept == [3.0]


async def test_500s_exhaust_the_attempts(chat: ChatServer, generator: Any) -> None:
    """Server errors retry with growing backoff, then fail as retryable, without the key."""
    llm, slept = generator
    chat.replies += [(500, {}, "boom"), (502, {}, "boom"), (503, {}, "boom")]
    with pytest.raises(GenerationUnavailableError, match="failed 3 times") as caught:
        await llm.generate(brief_task())
    assert slept == [0.5, 1.0]
    assert KEY not in str(caught.value)


async def test_long_retry_after_defers_to_the_queue(chat: ChatServer, generator: Any) -> None:
    """A Retry-After beyond the limit gives up this delivery at once."""
    llm, slept = generator
    chat.replies.append((429, {"Retry-After": "3600"}, "{}"))
    with pytest.raises(GenerationUnavailableError, match="asked to wait 3600 s"):
        await llm.generate(brief_task())
    assert slept == []


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        ("Sure! Here is your brief: ...", "not JSON"),
        (json.dumps({"creatives": "none"}), r"not a valid brief result: Expected `array`"),
        (json.dumps({**VALID, "platforms": [1]}), r"\$.platforms\[0\]"),
    ],
)
async def test_invalid_output_is_a_readable_failure(
    chat: ChatServer, generator: Any, reply: str, match: str
) -> None:
    """Prose, wrong shapes and wrong types fail as GenerationError naming the problem."""
    llm, _ = generator
    chat.replies.append(chat.completion(reply))
    with pytest.raises(GenerationError, match=match):
        await llm.generate(brief_task())


async def test_client_errors_are_permanent(chat: ChatServer, generator: Any) -> None:
    """A 400 or 401 is not retried."""
    llm, slept = generator
    chat.replies.append((401, {}, {"error": "bad key"}))
    with pytest.raises(GenerationError, match="HTTP 401"):
        await llm.generate(brief_task())
    assert slept == []


async def test_service_uses_the_model_for_configured_kinds(
    chat: ChatServer, database_url: str, pool: Any, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MANGO_CONTENT_LLM_* set, briefs come from the model; bad output fails the task."""
    monkeypatch.setenv("MANGO_DATABASE_URL", database_url)
    monkeypatch.setenv("MANGO_CONTENT_LLM_URL", chat.url)
    monkeypatch.setenv("MANGO_CONTENT_LLM_API_KEY", KEY)
    monkeypatch.setenv("MANGO_CONTENT_LLM_KINDS", "brief")
    chat.replies += [chat.completion(json.dumps(VALID)), chat.completion("not json")]
    creative_id = await add_creative(pool, owner)
    async with run_service(service) as harness:
        good = await request(pool, owner, "brief", [creative_id])
        await relay(harness, pool, owner)
        bad = await request(pool, owner, "brief", [creative_id])
        offline = await request(pool, owner, "copy_variants", [creative_id])
        await relay(harness, pool, owner)
    done = await get_task(pool, owner, good)
    failed = await get_task(pool, owner, bad)
    variants = await get_task(pool, owner, offline)
    assert done is not None
    assert failed is not None
    assert variants is not None
    assert done.status == "done"
    assert done.result == msgspec.to_builtins(msgspec.convert(VALID, BriefResult))
    assert failed.status == "failed"
    assert failed.error is not None
    assert "not JSON" in failed.error
    assert variants.status == "done"
    assert len(chat.requests) == 2
