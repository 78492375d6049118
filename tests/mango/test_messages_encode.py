"""The codec's encode fast path gives the same bytes as escaping with the regex."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from mango import Message, MessageCodec
from mango.messages import _ASTRAL_UTF8, _escape_astral


class Note(Message, frozen=True, tag="test.note"):
    text: str
    tags: list[str] = []


codec = MessageCodec([Note])


def reference_encode(message: Note) -> bytes:
    """What encode answered before its fast path: the regex over every body."""
    return _ASTRAL_UTF8.sub(_escape_astral, msgspec.json.encode(message))


@given(st.text(), st.lists(st.text(max_size=5), max_size=3))
def test_encode_matches_the_regex_on_any_text(text: str, tags: list[str]) -> None:
    """ASCII, two-, three- and four-byte characters, controls and lone surrogates alike."""
    message = Note(text=text, tags=tags)
    assert codec.encode(message) == reference_encode(message)


def test_encode_escapes_each_astral_lead_byte() -> None:
    """Characters led by each of F0-F4 are escaped; ASCII-only bodies are untouched."""
    for text in ("\U00010000", "🥭", "\U000c0000", "\U000e0001", "\U00100000", "\U0010ffff"):
        message = Note(text=f"a {text} é")
        wire = codec.encode(message)
        assert wire == reference_encode(message)
        assert max(wire) < 0xF0
        assert codec.decode(wire) == message
    plain = Note(text="only ascii")
    assert codec.encode(plain) == msgspec.json.encode(plain)
