"""Messages and the codec: tagged wire format, one-pass union decoding, clear errors."""

from __future__ import annotations

import msgspec
import pytest

from mango import Message, MessageCodec, MessageDecodeError, message_type_name


class CreativeSeen(Message, frozen=True, tag="test.creative_seen"):
    library_id: str
    platforms: list[str] = []


class CreativeGone(Message, frozen=True, tag="test.creative_gone"):
    library_id: str
    reason: str | None = None


codec = MessageCodec([CreativeSeen, CreativeGone])


def test_round_trip_keeps_type_and_fields() -> None:
    """encode then decode returns an equal message of the same class."""
    message = CreativeSeen(library_id="123456789012345", platforms=["FACEBOOK"])
    wire = codec.encode(message)
    assert b'"type":"test.creative_seen"' in wire
    assert codec.decode(wire) == message
    assert codec.decode(codec.encode(CreativeGone(library_id="1"))) == CreativeGone(library_id="1")


def test_messages_are_frozen() -> None:
    """Messages are immutable."""
    message = CreativeGone(library_id="1")
    with pytest.raises(AttributeError):
        message.library_id = "2"  # type: ignore[misc]


def test_decode_error_names_the_type_and_the_field() -> None:
    """A wrong field type names the message type and the field path."""
    with pytest.raises(MessageDecodeError) as info:
        codec.decode(b'{"type":"test.creative_seen","library_id":"1","platforms":[1]}')
    assert info.value.message_type == "test.creative_seen"
    assert "$.platforms[0]" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"type":"test.unknown","library_id":"1"}',
        b'{"library_id":"1"}',
        b'{"type":"test.creative_gone"}',
        b'{"type":"test.creative_gone","library_id":"1"' + b"}" * 0,
        b'{"type":"test.creative_gone","library_id":"\\u0000"}x',
        b"[" * 10_000 + b"]" * 10_000,
        b"\xff\xfe",
    ],
)
def test_hostile_bodies_raise_message_decode_error(body: bytes) -> None:
    """Malformed, truncated, unknown-type, deeply nested or non-UTF-8 input raises clearly."""
    with pytest.raises(MessageDecodeError):
        codec.decode(body)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    """A newer sender's extra fields do not break an older reader (schema evolution)."""
    decoded = codec.decode(b'{"type":"test.creative_gone","library_id":"1","new_field":2}')
    assert decoded == CreativeGone(library_id="1")


def test_codec_rejects_duplicate_or_missing_types() -> None:
    """A codec needs at least one type and unique tags."""
    with pytest.raises(ValueError, match="at least one"):
        MessageCodec([])

    class Clash(Message, frozen=True, tag="test.creative_gone"):
        pass

    with pytest.raises(ValueError, match="duplicate"):
        MessageCodec([CreativeGone, Clash])


def test_type_name_is_the_tag() -> None:
    """message_type_name returns the wire tag."""
    assert message_type_name(CreativeSeen) == "test.creative_seen"
    assert msgspec.json.decode(codec.encode(CreativeSeen(library_id="1")))["type"] == (
        "test.creative_seen"
    )


def test_characters_beyond_the_bmp_are_escaped_and_round_trip() -> None:
    """Emoji are sent as surrogate-pair escapes (fauxqs refuses them raw) and decode back."""
    message = CreativeGone(library_id="1", reason="mango 🥭 and 🎉, ü and 中文")
    wire = codec.encode(message)
    assert max(wire) < 0xF0  # no four-byte UTF-8 sequence left
    assert b"\\ud83e\\udd6d" in wire
    assert "ü".encode() in wire  # two- and three-byte characters stay as they are
    assert codec.decode(wire) == message
