"""The README's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python block after {heading!r}"
    return match.group(1)


def test_adding_an_actor_example_runs_and_prints_the_total(tmp_path: Path) -> None:
    """The 'Adding an actor' example is complete: it runs and prints what the README says."""
    script = tmp_path / "example.py"
    script.write_text(_python_block_after("## Adding an actor"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "total cents: 2000" in result.stdout


def test_first_screen_names_the_two_commands() -> None:
    """The first screen of the README shows `make run` and `make test`."""
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:40])
    assert "make run" in first_screen
    assert "make test" in first_screen
