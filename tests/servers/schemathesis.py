"""Runs schemathesis (the `st` command installed with the dev extras) against a live API."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ST = Path(sys.executable).parent / "st"


async def assert_schemathesis_passes(
    openapi_url: str,
    *,
    token: str,
    cwd: Path,
    excluded_checks: str,
    max_examples: str,
    workers: int,
    extra_args: Sequence[str] = (),
    checks: str = "all",
) -> None:
    """Fuzz every operation of ``openapi_url`` as the bearer ``token``; fail on any finding.

    The seed is fixed (``MANGO_SCHEMATHESIS_SEED`` changes it) so a failure reproduces.
    """
    process = await asyncio.create_subprocess_exec(
        str(ST),
        "run",
        openapi_url,
        "--header",
        f"Authorization: Bearer {token}",
        *extra_args,
        "--checks",
        checks,
        "--exclude-checks",
        excluded_checks,
        "--max-examples",
        max_examples,
        "--seed",
        os.environ.get("MANGO_SCHEMATHESIS_SEED", "1"),
        "--workers",
        str(workers),
        "--generation-database",
        "none",
        "--no-color",
        "--output-sanitize",
        "true",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-8000:]
