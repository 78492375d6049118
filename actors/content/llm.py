"""A generator backed by any OpenAI-compatible chat-completions endpoint.

It serves a kind in place of the built-in generator of that kind, with the same parameter
and result types: the model is sent the result's JSON Schema, asked for JSON only, and its
answer is decoded and validated with msgspec before it is stored. 429 and 5xx answers and
network errors are retried with exponential backoff, honouring ``Retry-After``; when the
attempts run out the delivery fails with :class:`GenerationUnavailableError` and the
queue's backoff retries it later. Answers that can never be right (4xx, output that does
not fit the type) raise :class:`GenerationError`: the task fails with the reason.

The API key is sent as a bearer token and never appears in logs, errors or ``repr``.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec

from actors.content.errors import GenerationError, GenerationUnavailableError
from actors.content.generator import ContentGenerator, TaskInput
from actors.content.settings import ContentSettings

__all__ = ["ChatCompletionsGenerator", "llm_generators", "llm_session"]

_RETRY_STATUSES = frozenset({408, 409, 425, 429})
_FENCE = re.compile(r"^\s*```(?:json)?\s*(?P<body>.*?)\s*```\s*$", re.DOTALL)
_MAX_ERROR_TEXT = 300
_encoder = msgspec.json.Encoder()


class _Message(msgspec.Struct, frozen=True):
    content: str | None = None


class _Choice(msgspec.Struct, frozen=True):
    message: _Message


class _Completion(msgspec.Struct, frozen=True):
    choices: list[_Choice]


_completion = msgspec.json.Decoder(_Completion)


@asynccontextmanager
async def llm_session(settings: ContentSettings) -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session for the language model, with the settings' timeout."""
    timeout = aiohttp.ClientTimeout(
        total=settings.content_llm_timeout_seconds,
        connect=min(10.0, settings.content_llm_timeout_seconds),
    )
    async with aiohttp.ClientSession(timeout=timeout, raise_for_status=False) as session:
        yield session


class ChatCompletionsGenerator:
    """Makes ``base.kind`` content with a chat-completions model.

    Args:
        base: The generator whose kind, parameter type and result type are served.
        session: The HTTP session (its timeout bounds each request).
        url: Base URL of the API; requests go to ``{url}/chat/completions``.
        model: The model name.
        api_key: Bearer key, or None for endpoints without one.
        max_attempts: Requests per generation on 429, 5xx and network errors.
        backoff: First delay between attempts, doubled each time.
        max_retry_after: Longest ``Retry-After`` waited within one generation.
        sleep: Waits between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        *,
        base: ContentGenerator,
        session: aiohttp.ClientSession,
        url: str,
        model: str,
        api_key: str | None = None,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.kind = base.kind
        self.parameters_type = base.parameters_type
        self.result_type = base.result_type
        self._session = session
        self._endpoint = url.rstrip("/") + "/chat/completions"
        self._host = urlsplit(url).netloc
        self._model = model
        self._api_key = api_key
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    def __repr__(self) -> str:
        return (
            f"ChatCompletionsGenerator(kind={self.kind!r}, host={self._host!r}, "
            f"model={self._model!r})"
        )

    async def generate(self, task: TaskInput) -> msgspec.Struct:
        """Ask the model for the result of ``task`` and validate it."""
        request = {
            "model": self._model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": self._instructions()},
                {"role": "user", "content": _encoder.encode(task).decode()},
            ],
        }
        content = await self._complete(_encoder.encode(request))
        match = _FENCE.match(content)
        if match:
            content = match["body"]
        try:
            result: msgspec.Struct = msgspec.json.decode(content, type=self.result_type)
        except msgspec.ValidationError as exc:
            raise GenerationError(
                f"the language model's answer is not a valid {self.kind} result: {exc}"
            ) from None
        except msgspec.DecodeError:
            raise GenerationError(
                f"the language model answered with text that is not JSON "
                f"(starting {content[:80]!r}); expected a {self.kind} result"
            ) from None
        return result

    def _instructions(self) -> str:
        schema = msgspec.json.schema(self.result_type)
        return (
            f"You write '{self.kind}' content for advertisers from saved Facebook ads. "
            "The user message is a JSON task: its parameters and the ads' texts, cards, "
            "platforms, format, days running, versions and media. Use only facts from it. "
            "Answer with one JSON object, no prose and no code fence, valid against this "
            f"JSON Schema:\n{_encoder.encode(schema).decode()}"
        )

    async def _complete(self, body: bytes) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        problem = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            delay = self._backoff * 2 ** (attempt - 1)
            try:
                async with self._session.post(self._endpoint, data=body, headers=headers) as reply:
                    text = await reply.text(errors="replace")
                    if reply.status == 200:
                        return _content(text)
                    problem = f"HTTP {reply.status}: {text[:_MAX_ERROR_TEXT]}"
                    if reply.status not in _RETRY_STATUSES and reply.status < 500:
                        raise GenerationError(
                            f"the language model at {self._host} refused the request ({problem})"
                        )
                    delay = max(delay, _retry_after(reply.headers.get("Retry-After")) or 0.0)
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_TEXT]
            if attempt == self._max_attempts:
                break
            if delay > self._max_retry_after:
                raise GenerationUnavailableError(
                    f"the language model at {self._host} asked to wait {delay:.0f} s "
                    f"({problem}); the task will be retried later"
                )
            await self._sleep(delay)
        raise GenerationUnavailableError(
            f"the language model at {self._host} failed {self._max_attempts} times; last: {problem}"
        )


def _content(text: str) -> str:
    try:
        completion = _completion.decode(text)
    except msgspec.DecodeError as exc:
        raise GenerationError(
            f"the language model's reply is not a chat completion ({exc})"
        ) from None
    if not completion.choices or not completion.choices[0].message.content:
        raise GenerationError("the language model's reply has no message content")
    return completion.choices[0].message.content


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def llm_generators(
    settings: ContentSettings, session: aiohttp.ClientSession, generators: dict[str, Any]
) -> dict[str, ContentGenerator]:
    """Wrap the configured kinds of ``generators`` with the language model.

    Raises:
        ValueError: A kind in ``MANGO_CONTENT_LLM_KINDS`` has no generator.
    """
    if settings.content_llm_url is None:
        return {}
    unknown = sorted(set(settings.content_llm_kinds) - set(generators))
    if unknown:
        raise ValueError(
            f"MANGO_CONTENT_LLM_KINDS names unknown kinds {unknown}; known: {sorted(generators)}"
        )
    return {
        kind: ChatCompletionsGenerator(
            base=generators[kind],
            session=session,
            url=settings.content_llm_url,
            model=settings.content_llm_model,
            api_key=settings.content_llm_api_key,
            max_attempts=settings.content_llm_max_attempts,
            backoff=settings.content_llm_backoff_seconds,
            max_retry_after=settings.content_llm_max_retry_after_seconds,
        )
        for kind in settings.content_llm_kinds
    }
