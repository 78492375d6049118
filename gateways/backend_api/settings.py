"""Settings of the Backend API (``MANGO_BACKEND_API_*``).

The database comes from ``MANGO_DATABASE_*``, the media store from ``MANGO_MEDIA_*`` and
the queues from the runtime's settings.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["SETTINGS_PREFIX", "BackendApiSettings"]

SETTINGS_PREFIX = "MANGO_BACKEND_API_"


class BackendApiSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the Backend API listens, keeps sessions and limits log-ins."""

    port: Annotated[int, Meta(ge=0, le=65535)] = 8082
    """TCP port of the Backend API (0 picks a free one)."""
    cookie_secure: bool = True
    """Mark the session cookies ``Secure`` (set false only for plain-HTTP development)."""
    session_days: Annotated[float, Meta(gt=0, le=365)] = 30.0
    """Days a session lasts after log-in."""
    login_max_failures: Annotated[int, Meta(ge=1, le=1000)] = 5
    """Failed log-ins per email within the window before 429."""
    login_max_failures_per_ip: Annotated[int, Meta(ge=1, le=100_000)] = 20
    """Failed log-ins per client address within the window before 429."""
    login_window_seconds: Annotated[float, Meta(gt=0, le=86_400)] = 900.0
    """The window of the log-in limits, in seconds."""
    trust_forwarded_for: bool = False
    """Take the client address from ``X-Forwarded-For`` (behind a trusted proxy only)."""
    media_url_seconds: Annotated[int, Meta(ge=10, le=86_400)] = 300
    """Lifetime of presigned media URLs when media is on S3."""
    outbox_poll_seconds: Annotated[float, Meta(gt=0, le=60)] = 1.0
    """Seconds between outbox relay rounds when idle."""
    publish_timeout_seconds: Annotated[float, Meta(gt=0, le=600)] = 120.0
    """Seconds the outbox relay waits for the publisher's verdict on one message; keep it
    longer than the publisher's own retries, or a message still in flight is sent again."""
    housekeeping_interval_seconds: Annotated[float, Meta(ge=1, le=604_800)] = 3600.0
    """Seconds between housekeeping sweeps (expired sessions, old redelivery keys, sent
    outbox rows); replicas share the work through an advisory lock."""
    expired_sessions_grace_days: Annotated[float, Meta(ge=0, le=365)] = 1.0
    """Days an expired session's row is kept before housekeeping deletes it."""
    processed_messages_retention_days: Annotated[float, Meta(ge=14, le=3650)] = 15.0
    """Days a message's redelivery key is kept; at least the queues' retention (SQS: at
    most 14 days), or a late redelivery would be processed twice."""
    sent_outbox_retention_days: Annotated[float, Meta(ge=0, le=3650)] = 7.0
    """Days a sent outbox row is kept before housekeeping deletes it."""
