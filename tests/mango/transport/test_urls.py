"""Queue URLs select a broker and a queue name."""

from __future__ import annotations

import pytest

from mango.transport.memory import MemoryBroker, MemoryStore
from mango.transport.sqs import SqsBroker
from mango.transport.urls import broker_for, parse_queue_url


def test_parse_queue_url() -> None:
    """memory:// and sqs:// URLs split into scheme and name."""
    assert parse_queue_url("sqs://mango-ads") == ("sqs", "mango-ads")
    assert parse_queue_url("memory://mango-content/") == ("memory", "mango-content")


@pytest.mark.parametrize("url", ["mango-ads", "http://mango-ads", "sqs://", "sqs://bad name"])
def test_invalid_queue_urls(url: str) -> None:
    """Unknown schemes and invalid names are refused with a clear error."""
    with pytest.raises(ValueError, match="invalid queue"):
        parse_queue_url(url)


def test_broker_for_scheme_or_url() -> None:
    """A URL or a bare scheme gives the right broker, with the options passed through."""
    store = MemoryStore()
    memory = broker_for("memory://mango-ads", store=store)
    assert isinstance(memory, MemoryBroker)
    assert memory.store is store
    sqs = broker_for("sqs", endpoint_url="http://127.0.0.1:1")
    assert isinstance(sqs, SqsBroker)
    assert sqs.endpoint_url == "http://127.0.0.1:1"
