"""Benchmarks of Magic Mango, run with ``python -m benchmarks [SUITE ...]``.

Each suite writes its own section of ``benchmarks/RESULTS.md``; see ``benchmarks/README.md``
for how to run them and how to add a suite.
"""
