"""GC settings for serving processes: start-up heap frozen, young collections rarer."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mango.http import SERVING_GC_THRESHOLD, tune_gc_for_serving


@pytest.fixture
def restore_gc() -> Iterator[None]:
    """Put the test process's collector back as it was."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tuning_freezes_the_heap_and_raises_the_young_threshold(restore_gc: None) -> None:
    """Objects alive at start-up leave the collector's view; the young threshold rises."""
    gc.set_threshold(700, 10, 10)
    tune_gc_for_serving()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (SERVING_GC_THRESHOLD, 10, 10)


def test_tuning_never_lowers_a_higher_threshold(restore_gc: None) -> None:
    """A host application's higher threshold is kept."""
    gc.set_threshold(50_000, 5, 5)
    tune_gc_for_serving(young_threshold=1_000)
    assert gc.get_threshold() == (50_000, 5, 5)


def test_cyclic_garbage_is_still_collected(restore_gc: None) -> None:
    """Cycles made after tuning are freed by the collector."""
    tune_gc_for_serving()

    class Node:
        other: object = None

    first, second = Node(), Node()
    first.other, second.other = second, first
    del first, second
    assert gc.collect() >= 2


def test_threshold_below_one_is_refused() -> None:
    """A zero threshold would disable collection: refused."""
    with pytest.raises(ValueError, match="at least 1"):
        tune_gc_for_serving(young_threshold=0)
