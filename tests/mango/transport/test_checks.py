"""The shared send checks: the fast character check of bodies answers like the regex."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mango.transport.checks import _INVALID_CHAR, decode_body


def reference_decode_body(body: bytes) -> str | None:
    """What decode_body answered before its fast path: a strict decode, then the regex."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _INVALID_CHAR.search(text) else text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"a":"plain ascii"}',
        b"tab\tnewline\ncarriage\rreturn",
        b"\x7f delete is allowed",
        *(bytes([code]) + b"x" for code in range(0x20)),
        "é ü 中文 \ufffd \ue000 \uf8ff \uff01".encode(),
        "\ufffe".encode(),
        "\uffff".encode(),
        "ok \ufffd then \uffff".encode(),
        "emoji 🥭 \U0010ffff".encode(),
        b"\xed\xa0\x80",  # a surrogate, UTF-8 encoded: invalid UTF-8
        b"\xef\xbf",  # truncated
        b"\xff\xfe",
        b"x" * 50_000 + b"\x00",
        "中".encode() * 20_000 + b"\x1f",
    ],
)
def test_decode_body_matches_the_regex_on_edge_cases(body: bytes) -> None:
    """Controls, noncharacters, private use, astral and invalid UTF-8 get the old answer."""
    assert decode_body(body) == reference_decode_body(body)


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_decode_body_matches_the_regex_on_any_text(text: str) -> None:
    """Any UTF-8 text, control characters and noncharacters included."""
    body = text.encode("utf-8")
    assert decode_body(body) == reference_decode_body(body)


@given(st.binary())
def test_decode_body_matches_the_regex_on_any_bytes(body: bytes) -> None:
    """Arbitrary bytes, invalid UTF-8 included."""
    assert decode_body(body) == reference_decode_body(body)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Co", "Cn"])))
def test_decode_body_matches_the_regex_on_hostile_characters(text: str) -> None:
    """Controls, private-use and unassigned code points (U+FFFE/U+FFFF among them)."""
    body = ("ascii " + text + " 中").encode("utf-8")
    assert decode_body(body) == reference_decode_body(body)
