"""Settings of the Content Creator (``MANGO_CONTENT_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["ContentSettings"]


class ContentSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How content tasks run, and the optional language model behind some kinds."""

    content_generation_timeout_seconds: Annotated[float, Meta(gt=0, le=900)] = 120.0
    """Longest one generation may take; past it the attempt fails and is retried."""
    content_task_lease_seconds: Annotated[float, Meta(gt=0, le=3600)] = 300.0
    """A task ``running`` for longer than this is taken as abandoned (its worker died)
    and run again by the next delivery; a fresher one makes the delivery wait."""
    content_llm_url: Annotated[str, Meta(pattern=r"^https?://\S+$")] | None = None
    """Base URL of an OpenAI-compatible API, e.g. ``https://api.openai.com/v1``; the
    generator posts to ``{url}/chat/completions``. Unset: offline generators only."""
    content_llm_model: str = "gpt-4o-mini"
    """Model name sent with each request."""
    content_llm_api_key: str | None = None
    """Bearer key of the API (never logged)."""
    content_llm_kinds: list[str] = msgspec.field(default_factory=list)
    """Kinds the language model makes when configured, e.g. ``brief,copy_variants``."""
    content_llm_timeout_seconds: Annotated[float, Meta(gt=0, le=600)] = 60.0
    """Timeout of one request."""
    content_llm_max_attempts: Annotated[int, Meta(ge=1, le=10)] = 4
    """Requests per generation on 429, 5xx and network errors."""
    content_llm_backoff_seconds: Annotated[float, Meta(ge=0, le=60)] = 1.0
    """First delay between attempts (doubled each time) unless Retry-After says more."""
    content_llm_max_retry_after_seconds: Annotated[float, Meta(ge=0, le=600)] = 30.0
    """Longest Retry-After honoured within one delivery; longer ones give up this
    delivery and let the queue's backoff retry it."""
