"""Logging set-up for entry points: structlog in front, one format for every line.

The library never configures logging; ``mango run`` (or a test) calls
:func:`configure_logging` once. Everything ends up in one stdlib handler whose
``structlog.stdlib.ProcessorFormatter`` renders both structlog events and the records of
stdlib loggers (aiohttp, botocore, asyncpg), so every line has the same shape: JSON lines
in containers, a readable console format on a terminal.

Every line carries ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event``, the
``service`` given here, and whatever the runtime bound in structlog's contextvars (actor,
queue, message_id, trace_id, request_id).
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["NOISY_LOGGERS", "LogFormat", "configure_logging"]

LogFormat = Literal["auto", "json", "console"]

NOISY_LOGGERS: tuple[str, ...] = (
    "aiohttp",
    "aiobotocore",
    "botocore",
    "asyncio",
    "asyncpg",
    "urllib3",
)
"""Third-party loggers kept at WARNING or above whatever the configured level."""

_HANDLER_NAME = "mango"


def configure_logging(
    *,
    fmt: LogFormat = "auto",
    level: str = "INFO",
    service: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Configure structlog and stdlib logging for the whole process.

    Calling it again replaces the previous configuration (useful in tests).

    Args:
        fmt: ``"json"`` for JSON lines, ``"console"`` for a human-readable format, or
            ``"auto"``: console when ``stream`` is a terminal, JSON otherwise.
        level: Minimum level name (``"DEBUG"``, ``"INFO"``, ...) for structlog events and
            the root logger. Third-party loggers in :data:`NOISY_LOGGERS` stay at WARNING+.
        service: Added to every line as ``service``.
        stream: Where lines go; defaults to ``sys.stderr`` so stdout stays free for
            command output.

    Raises:
        ValueError: ``level`` is not a logging level name.
    """
    stream = sys.stderr if stream is None else stream
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}; use DEBUG, INFO, WARNING or ERROR")
    as_json = fmt == "json" or (fmt == "auto" and not _is_tty(stream))

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if service is not None:
        shared.insert(1, _ServiceAdder(service))

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a reconfiguration (tests, `mango dev`) must reach loggers that
        # modules created at import time.
        cache_logger_on_first_use=False,
    )

    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if as_json:
        final += [
            structlog.processors.format_exc_info,
            structlog.processors.UnicodeDecoder(),
            structlog.processors.JSONRenderer(default=repr),
        ]
    else:
        final.append(structlog.dev.ConsoleRenderer(colors=_is_tty(stream)))

    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
            processors=final,
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric_level, logging.WARNING))


class _ServiceAdder:
    """A processor adding ``service`` unless the event already names one."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, logger: WrappedLogger, method_name: str, event: EventDict) -> EventDict:
        event.setdefault("service", self.service)
        return event


def _is_tty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False
