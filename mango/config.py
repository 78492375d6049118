"""The runtime's own settings (``MANGO_*``), shared by every service.

Domain services read their own settings classes with :func:`mango.settings.load_settings`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["RuntimeSettings"]


class RuntimeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the runtime: queues, consumers, shutdown, HTTP limits and logs."""

    queue_backend: Literal["memory", "sqs"] = "memory"
    """Queue service: ``memory`` (in-process, for tests and a laptop) or ``sqs``."""
    sqs_endpoint_url: str | None = None
    """SQS endpoint (an emulator's URL); None uses AWS's endpoint for the region."""
    sqs_region: str = "us-east-1"
    """AWS region of the queues."""
    sqs_use_localstack: bool = False
    """Resolve the SQS endpoint through localstack-client (for people who run LocalStack)."""
    queue_prefix: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{0,40}$")] = ""
    """Prepended to every queue name, to keep environments apart on one account."""
    queue_visibility_timeout: Annotated[int, Meta(ge=1, le=43200)] = 30
    """Seconds a received message stays invisible; the heartbeat extends it."""
    queue_max_receive_count: Annotated[int, Meta(ge=1, le=1000)] = 5
    """Receives after which a failing message moves to the dead-letter queue."""
    queue_max_body_bytes: Annotated[int, Meta(ge=1024, le=1048576)] = 262144
    """Largest message body sent; 256 KiB is what every emulator and older region accepts."""
    consumer_concurrency: Annotated[int, Meta(ge=1, le=1000)] = 16
    """Messages each consumer handles at once."""
    consumer_pollers: Annotated[int, Meta(ge=1, le=16)] = 1
    """Receive loops per consumer."""
    consumer_wait_seconds: Annotated[float, Meta(ge=0, le=20)] = 20.0
    """Long-poll wait of each receive call."""
    retry_backoff_min: Annotated[float, Meta(ge=0, le=43200)] = 2.0
    """Seconds before the first redelivery of a failed message."""
    retry_backoff_max: Annotated[float, Meta(ge=0, le=43200)] = 300.0
    """Upper bound of the redelivery delay of a failing message."""
    shutdown_grace_seconds: Annotated[float, Meta(ge=0, le=3600)] = 25.0
    """Seconds in-flight messages get to finish on SIGTERM (keep below stop_grace_period)."""
    shutdown_delay_seconds: Annotated[float, Meta(ge=0, le=300)] = 0.0
    """Seconds readiness reports false before listeners close (lets the load balancer see it)."""
    http_host: str = "127.0.0.1"
    """Address HTTP gateways listen on (0.0.0.0 in containers)."""
    http_max_body_bytes: Annotated[int, Meta(ge=1024, le=104857600)] = 1048576
    """Largest request body accepted (413 above)."""
    health_port: Annotated[int, Meta(ge=0, le=65535)] | None = None
    """Port of the health and metrics endpoint of services without their own HTTP gateway."""
    log_format: Literal["auto", "json", "console"] = "auto"
    """Log lines as JSON (containers), console (terminals), or chosen by the output."""
    log_level: Annotated[str, Meta(pattern=r"(?i)^(debug|info|warning|error)$")] = "INFO"
    """Lowest level logged: debug, info, warning or error (any case)."""
