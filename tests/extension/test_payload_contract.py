"""The extension's payload example decodes with the Ads API's own msgspec types
(``actors.ads.messages.CreativeBatch``), losslessly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from actors.ads.messages import Card, Creative, CreativeBatch, MediaRef, Page

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "extension" / "test" / "data" / "payload-example.json"
)


def test_payload_example_decodes_without_loss() -> None:
    """Every key of the example is a field of the contract types and survives a round trip."""
    raw = EXAMPLE.read_bytes()
    decoded = msgspec.json.decode(raw, type=CreativeBatch)
    assert len(decoded.creatives) >= 1
    assert json.loads(msgspec.json.encode(decoded)) == json.loads(raw)


def test_payload_example_sends_every_field() -> None:
    """The extension sends every key of the contract (``null`` when unknown), and none the
    Ads API would ignore: the types' defaults never stand in for a missing value."""
    example: dict[str, Any] = json.loads(EXAMPLE.read_bytes())
    fields = {
        Creative: set(Creative.__struct_fields__),
        Page: set(Page.__struct_fields__),
        Card: set(Card.__struct_fields__),
        MediaRef: set(MediaRef.__struct_fields__),
    }
    for creative in example["creatives"]:
        assert set(creative) == fields[Creative]
        for page in (creative["page"], creative["creator_page"]):
            assert page is None or set(page) == fields[Page]
        assert all(set(card) == fields[Card] for card in creative["cards"])
        assert all(set(media) == fields[MediaRef] for media in creative["media"])
