"""Unique ids: format, uniqueness within a process, a fresh series in a forked child."""

from __future__ import annotations

import os
import re

from mango import new_trace_id
from mango.ids import IdSeries

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_ids_are_32_hex_characters_and_never_repeat():
    """A series gives distinct 32-hex-character ids; two series share no prefix."""
    series = IdSeries()
    ids = [series.next() for _ in range(10_000)]
    assert all(HEX32.fullmatch(value) for value in ids)
    assert len(set(ids)) == len(ids)
    assert IdSeries().next()[:16] != series.next()[:16]


def test_trace_ids_come_from_one_series():
    """new_trace_id() ids are well formed and distinct."""
    ids = {new_trace_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(HEX32.fullmatch(value) for value in ids)


def test_a_forked_child_starts_its_own_series():
    """After fork, the child's ids do not repeat the parent's next ones."""
    series = IdSeries()
    series.next()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next id and leave at once
        os.close(read)
        os.write(write, series.next().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = series.next()
    assert HEX32.fullmatch(child)
    assert child[:16] != parent[:16]
