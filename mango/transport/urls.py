"""Queue URLs: ``memory://mango-ads`` or ``sqs://mango-ads`` select a broker and a queue."""

from __future__ import annotations

from typing import Any, Literal, cast, get_args

from mango.transport.base import QueueBroker
from mango.transport.checks import check_queue_name

__all__ = ["Scheme", "broker_for", "parse_queue_url"]

Scheme = Literal["memory", "sqs"]
SCHEMES: tuple[str, ...] = get_args(Scheme)


def parse_queue_url(url: str) -> tuple[Scheme, str]:
    """Split a queue URL into its scheme and queue name.

    Example:
        >>> parse_queue_url("sqs://mango-ads")
        ('sqs', 'mango-ads')

    Raises:
        ValueError: The scheme is not ``memory`` or ``sqs``, or the name is not valid.
    """
    scheme, separator, name = url.partition("://")
    if not separator or scheme not in SCHEMES:
        raise ValueError(f"invalid queue URL {url!r}: expected memory://NAME or sqs://NAME")
    return cast(Scheme, scheme), check_queue_name(name.rstrip("/"))


def broker_for(url_or_scheme: str, **options: Any) -> QueueBroker:
    """Return an unopened broker for a queue URL's scheme (``sqs://x``) or a bare scheme.

    The broker is an async context manager; open it with ``async with`` (or register it
    as a runtime resource). ``options`` go to the broker's constructor, e.g.
    ``endpoint_url=`` for :class:`~mango.transport.sqs.SqsBroker` or ``store=`` for
    :class:`~mango.transport.memory.MemoryBroker`.

    Raises:
        ValueError: The scheme is not ``memory`` or ``sqs``.
    """
    scheme = url_or_scheme if url_or_scheme in SCHEMES else parse_queue_url(url_or_scheme)[0]
    if scheme == "sqs":
        from mango.transport.sqs import SqsBroker

        return SqsBroker(**options)
    from mango.transport.memory import MemoryBroker

    return MemoryBroker(**options)
