"""The extension's payload example decodes with msgspec types of the contract, losslessly."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from tests.extension.api_standin import CreativesRequest

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "extension" / "test" / "data" / "payload-example.json"
)


def test_payload_example_decodes_without_loss() -> None:
    """Every key of the example is a field of the contract types and survives a round trip."""
    raw = EXAMPLE.read_bytes()
    decoded = msgspec.json.decode(raw, type=CreativesRequest)
    assert len(decoded.creatives) >= 1
    assert json.loads(msgspec.json.encode(decoded)) == json.loads(raw)
