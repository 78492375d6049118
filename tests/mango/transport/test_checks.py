"""The shared send checks: the fast character check of bodies answers like the regex."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mango.transport.base import OutgoingMessage
from mango.transport.checks import (
    _INVALID_CHAR,
    _acceptable_values,
    check_send_batch,
    decode_body,
    message_size,
)


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


# The attribute checks' fast paths against the plain definitions they replace.
def reference_message_size(body: bytes, attributes: dict[str, str]) -> int:
    return len(body) + sum(
        len(name.encode()) + len("String") + len(value.encode())
        for name, value in attributes.items()
    )


_ATTRIBUTE_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)


@given(st.binary(max_size=64), st.dictionaries(_ATTRIBUTE_TEXT, _ATTRIBUTE_TEXT, max_size=10))
def test_message_size_counts_utf8_bytes_as_before(body: bytes, attributes: dict[str, str]) -> None:
    assert message_size(body, attributes) == reference_message_size(body, attributes)


@given(st.dictionaries(_ATTRIBUTE_TEXT, _ATTRIBUTE_TEXT, max_size=10))
def test_attribute_values_are_judged_as_by_the_regex(attributes: dict[str, str]) -> None:
    expected = not any(_INVALID_CHAR.search(value) for value in attributes.values())
    assert _acceptable_values(attributes) == expected


@pytest.mark.parametrize(
    "value", ["plain", "tab\there", "new\nline", "del\x7f", "nul\x00", "bell\x07", "\ufffe", "ü"]
)
def test_attribute_value_edge_cases(value: str) -> None:
    assert _acceptable_values({"a": value}) == (_INVALID_CHAR.search(value) is None)


def test_attribute_names_are_checked_every_time_until_known_good() -> None:
    """A remembered good name skips the regex; a bad one is refused every time."""
    good = OutgoingMessage(id="1", body=b"x", attributes={"mango.type": "t"})
    bad = OutgoingMessage(id="2", body=b"x", attributes={"aws.secret": "t"})
    for _ in range(2):
        assert check_send_batch([good], max_body_bytes=1024) == {}
        with pytest.raises(ValueError, match="invalid attribute name"):
            check_send_batch([bad], max_body_bytes=1024)
