"""Make the repository's ``benchmarks`` package importable from these tests.

``benchmarks`` is not an installed package, and ``.venv/bin/pytest`` (unlike
``python -m pytest``) does not put the working directory on ``sys.path``. This directory
has no ``__init__.py`` on purpose: with one, pytest would import it as ``benchmarks`` and
shadow the real package.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
