"""Request ids the gateway makes: 32 hex characters, unique, a new series per process."""

from __future__ import annotations

import multiprocessing
import re

from mango.http import middleware


def _child_id(queue: multiprocessing.Queue[str]) -> None:
    queue.put(middleware._accept_request_id(None))


def test_made_ids_are_hex_and_unique() -> None:
    """Ids look like `uuid4().hex` and never repeat; an insane incoming id is replaced."""
    made = [middleware._accept_request_id(None) for _ in range(1000)]
    made.append(middleware._accept_request_id("not sane: spaces and / slashes"))
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in made)
    assert len(set(made)) == len(made)
    assert middleware._accept_request_id("req-1.2_3") == "req-1.2_3"


def test_a_forked_process_starts_its_own_series() -> None:
    """A worker forked from the parent does not repeat the parent's next ids."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_child_id, args=(queue,))
    child.start()
    from_child = queue.get(timeout=10)
    child.join(timeout=10)
    parent = middleware._accept_request_id(None)
    assert from_child[:16] != parent[:16]
