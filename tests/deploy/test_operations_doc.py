"""docs/operations.md: its settings reference is current, and it covers every metric."""

from __future__ import annotations

import re

from mango.metrics import Metrics
from tests.deploy.deployfiles import DOC, load_script

reference = load_script("settings_reference")


def test_settings_reference_is_current() -> None:
    """Regenerating the reference from the settings types changes nothing in the doc.

    When this fails after adding or changing a setting, run
    `python docker/settings_reference.py --write` and commit docs/operations.md.
    """
    current = DOC.read_text(encoding="utf-8")
    assert reference.updated_doc(current, reference.render_reference()) == current


def test_reference_covers_every_settings_class_the_code_loads() -> None:
    """The runtime's, the database's, media's and each service's settings are all found."""
    classes = {entry.cls.__name__: entry.prefix for entry in reference.find_settings_classes()}
    assert classes["RuntimeSettings"] == "MANGO_"
    assert classes["DatabaseSettings"] == "MANGO_"
    assert classes["MediaSettings"] == "MANGO_"
    assert classes["AdsApiSettings"] == "MANGO_ADS_API_"
    text = DOC.read_text(encoding="utf-8")
    for name in reference.known_variables():
        assert f"`{name}`" in text, name


def test_every_metric_is_explained() -> None:
    """Each mango_* metric the runtime exports appears in the metrics section."""
    names = {
        family.name
        for family in Metrics(process_collectors=False).registry.collect()
        if family.name.startswith("mango_")
    }
    assert len(names) >= 15
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in sorted(names) if not re.search(rf"\b{name}(_total)?\b", section)]
    assert not missing, f"not in docs/operations.md's metrics section: {missing}"
