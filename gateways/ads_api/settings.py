"""Settings of the Ads API (``MANGO_ADS_API_*``).

The database comes from ``MANGO_DATABASE_*`` (:class:`actors.db.DatabaseSettings`) and the
queues from the runtime's settings (``MANGO_QUEUE_*``, ``MANGO_SQS_*``).

CORS: the browser extension calls the API from its service worker, which has host
permissions for the API's origin, so it needs no CORS headers. ``cors_origins`` exists for
a web page that would call the API directly; it is empty by default, and then the API
sends no CORS headers at all.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["SETTINGS_PREFIX", "AdsApiSettings"]

SETTINGS_PREFIX = "MANGO_ADS_API_"


class AdsApiSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the Ads API listens, limits and authenticates."""

    port: Annotated[int, Meta(ge=0, le=65535)] = 8081
    """TCP port of the Ads API (0 picks a free one)."""
    rate_limit_per_minute: Annotated[float, Meta(gt=0, le=1_000_000)] = 600.0
    """Requests per minute one API token may make on average (token bucket refill)."""
    rate_limit_burst: Annotated[int, Meta(ge=1, le=1_000_000)] = 60
    """Requests one API token may make at once before the rate limit applies."""
    auth_cache_seconds: Annotated[float, Meta(ge=0, le=30)] = 5.0
    """Seconds a successful token check is reused; a revoked token stops working after it."""
    publish_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 10.0
    """Seconds to wait for the queue to take a request's creatives before answering 503."""
    intake_linger_seconds: Annotated[float, Meta(ge=0, le=1)] = 0.005
    """Most seconds a batch of requests waits for more to share its messages: under load it
    waits for as many requests as the previous batch held (clients answered together send
    again together); an idle API sends a lone request at once."""
    intake_max_creatives: Annotated[int, Meta(ge=1, le=1000)] = 100
    """Most creatives in one queue message (the body limit may cut a message earlier)."""
    intake_max_requests: Annotated[int, Meta(ge=1, le=10_000)] = 256
    """Most requests the intake batcher packs together."""
    publisher_linger_seconds: Annotated[float, Meta(ge=0, le=1)] = 0.0
    """Seconds the queue publisher waits for a SendMessageBatch to fill (the intake batcher
    has coalesced the creatives already, so by default it does not wait)."""
    intake_batchers: Annotated[int, Meta(ge=1, le=64)] = 1
    """Intake batcher instances. The gateway hands them one batch at a time (requests
    arriving meanwhile form the next batch), so more than one only helps a gateway whose
    previous batch is stuck until the publish timeout."""
    cors_origins: list[str] = msgspec.field(default_factory=list)
    """Origins allowed to call from a web page (comma-separated); the extension needs none."""
