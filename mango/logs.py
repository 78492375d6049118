"""Logging set-up for entry points: structlog in front, one format for every line.

The library never configures logging; ``mango run`` (or a test) calls
:func:`configure_logging` once. Everything ends up in one stdlib handler whose
``structlog.stdlib.ProcessorFormatter`` renders both structlog events and the records of
stdlib loggers (aiohttp, botocore, asyncpg), so every line has the same shape: JSON lines
in containers, a readable console format on a terminal.

Every line carries ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event``, the
``service`` given here, whatever code bound in structlog's contextvars (the gateway's
``request_id``, say), and the context of the message being handled (actor, queue,
message_id, trace_id, receive_count).

The message context is one ``ContextVar`` holding the mapping the consumer built for the
message (:data:`message_log_context`), set once around each handler call: binding five
keys through ``structlog.contextvars`` and resetting them took about 2 µs per message,
a tenth of the consumer's own cost. :func:`merge_message_context` adds it to each event
(after structlog's contextvars, which win on a clash); :func:`log_context` reads both.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from typing import IO, Any, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "NOISY_LOGGERS",
    "LogFormat",
    "configure_logging",
    "log_context",
    "merge_message_context",
    "message_log_context",
    "unconfigure_logging",
]

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

message_log_context: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "mango_message_log_context", default=None
)
"""The log context of the message being handled (set by the actor cell around a handler)."""


def merge_message_context(logger: WrappedLogger, method_name: str, event: EventDict) -> EventDict:
    """A structlog processor adding the handled message's context to ``event``.

    Keys the event or structlog's contextvars already hold are kept.
    """
    context = message_log_context.get()
    if context:
        for key, value in context.items():
            event.setdefault(key, value)
    return event


def log_context() -> dict[str, Any]:
    """The context a log line would carry here: the message's, then structlog's contextvars."""
    merged = dict(message_log_context.get() or {})
    merged.update(structlog.contextvars.get_contextvars())
    return merged


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
        merge_message_context,
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
    _remove_handler(root)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric_level, logging.WARNING))


def unconfigure_logging(root_level: int = logging.WARNING) -> None:
    """Undo :func:`configure_logging`: its handler, the third-party levels, structlog's setup.

    For tests (and anything else that configures logging for a while).

    Args:
        root_level: The root logger's level to restore.
    """
    root = logging.getLogger()
    _remove_handler(root)
    root.setLevel(root_level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    structlog.reset_defaults()


def _remove_handler(root: logging.Logger) -> None:
    """Remove (and close) the handler :func:`configure_logging` added, if any."""
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()


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
