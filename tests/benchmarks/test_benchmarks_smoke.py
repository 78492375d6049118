"""Smoke test of the benchmark framework: suites run and write well-formed sections.

No timing is asserted: machines are shared and noisy.
"""

import re
from pathlib import Path

from benchmarks.__main__ import SUITES, main
from benchmarks.report import Section, Table, write_sections

OTHER_SECTION = "<!-- suite:other -->\n## other\n\nkept as it was\n<!-- /suite:other -->"


def _section(text: str, suite: str) -> str:
    sections: list[str] = re.findall(
        rf"<!-- suite:{suite} -->.*?<!-- /suite:{suite} -->", text, re.DOTALL
    )
    assert len(sections) == 1, f"expected one {suite} section, found {len(sections)}"
    return sections[0]


def _table_rows(section: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def test_actors_suite_writes_a_well_formed_section(tmp_path: Path) -> None:
    """`python -m benchmarks actors --quick` fills its section and keeps other suites'."""
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# Benchmark results\n\n{OTHER_SECTION}\n")

    assert main(["actors", "--quick", "--output", str(results)]) == 0

    text = results.read_text()
    assert OTHER_SECTION in text
    section = _section(text, "actors")
    command = r"^- Command: `\S*python\S* -m benchmarks actors --quick --output \S+RESULTS\.md`$"
    assert re.search(command, section, re.MULTILINE)
    assert re.search(r"^- Date: \d{4}-\d\d-\d\dT", section, re.MULTILINE)
    assert re.search(r"^- Machine: \d+ CPUs \(nproc\), .+; CPython 3\.", section, re.MULTILINE)
    assert "pykka 4." in section
    rows = _table_rows(section)
    labels = {row[0] for row in rows}
    for expected in (
        "mango tell / bare queue",
        "mango tell / Pykka tell",
        "mango `tell`",
        "bare `asyncio.Queue(1000)`",
        "Pykka `tell` (threads)",
        "mango `ask(timeout=5)`",
        "Pykka `ask`",
        "Pykka proxy `ping().get()`",
        "bare Future through `asyncio.Queue`",
        "mango (tasks)",
    ):
        assert expected in labels, f"no table row for {expected}"
    assert any(label.startswith("Pykka (threads)") for label in labels)
    assert {row[1] for row in rows if row[0] == "mango `tell`"} >= {"asyncio"}
    for row in rows:
        assert all(cell for cell in row), f"empty cell in {row}"


def test_rerun_replaces_the_section_in_place(tmp_path: Path) -> None:
    """Writing a suite's section twice leaves one copy, where the first one was."""
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# intro\n\n{OTHER_SECTION}\n\ntrailing text\n")
    for value in ("first", "second"):
        table = Table(columns=["figure"], rows=[[value]])
        write_sections(results, [Section(suite="new", title="new", command="cmd", tables=[table])])
    write_sections(results, [Section(suite="other", title="other again", command="cmd")])

    text = results.read_text()
    assert text.startswith("# intro\n")
    assert "trailing text" in text
    assert "second" in _section(text, "new")
    assert "first" not in text
    assert "other again" in _section(text, "other")
    assert text.index("<!-- suite:other -->") < text.index("<!-- suite:new -->")


def test_every_registered_suite_has_a_run_function() -> None:
    """Each entry of SUITES names an importable module with a `run` callable."""
    import importlib

    for name, module in SUITES.items():
        assert callable(getattr(importlib.import_module(module), "run", None)), name
