"""Messages: frozen, tagged msgspec Structs, and a codec for a union of them.

A message class names its wire type with ``tag=``::

    class CreativeCollected(Message, frozen=True, tag="creative.collected"):
        library_id: str
        page_name: str | None = None

Schema evolution: new fields get defaults; a field never changes type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Generic, TypeVar, Union

import msgspec

from mango.errors import MessageDecodeError

__all__ = ["Message", "MessageCodec", "message_type_name"]


class Message(msgspec.Struct, frozen=True, tag=True, tag_field="type", kw_only=True):
    """Base class of every message: immutable, tagged with its wire type name."""


M = TypeVar("M", bound=Message)


class _TypeOnly(msgspec.Struct):
    """Reads only the tag of a message body, to name the type in decode errors."""

    type: str | None = None


_type_only_decoder = msgspec.json.Decoder(_TypeOnly)


def message_type_name(cls: type[Message]) -> str:
    """Return the wire type name (the tag) of a message class."""
    tag = cls.__struct_config__.tag
    return str(tag)


class MessageCodec(Generic[M]):
    """Encodes and decodes a union of message types in one validating pass.

    Args:
        types: The message classes this channel accepts. Their tags must be unique.
    """

    def __init__(self, types: Iterable[type[M]]) -> None:
        self.types: tuple[type[M], ...] = tuple(types)
        if not self.types:
            raise ValueError("a MessageCodec needs at least one message type")
        names = [message_type_name(t) for t in self.types]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate message type names in codec: {sorted(names)}")
        self.type_names: frozenset[str] = frozenset(names)
        union: Any = self.types[0] if len(self.types) == 1 else Union[self.types]  # noqa: UP007
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(union)
        self._encoder = msgspec.json.Encoder()

    def encode(self, message: M) -> bytes:
        """Return the JSON wire form of ``message``.

        Characters beyond the Basic Multilingual Plane (emoji) are written as JSON
        surrogate-pair escapes: the same text once decoded, and accepted by every SQS
        emulator (fauxqs refuses them raw).
        """
        body = self._encoder.encode(message)
        # Fast path: only the lead bytes F0-F4 start an astral character in UTF-8, and a
        # substring test is a memchr where the regex steps through every byte.
        if body.isascii() or not any(lead in body for lead in _ASTRAL_LEAD_BYTES):
            return body
        return _ASTRAL_UTF8.sub(_escape_astral, body)

    def decode(self, data: bytes | str) -> M:
        """Decode and validate one message.

        Raises:
            MessageDecodeError: naming the message type (when readable) and the field path
                that failed.
        """
        try:
            message: M = self._decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise MessageDecodeError(str(exc), message_type=_read_type(data)) from None
        return message


# The four-byte UTF-8 sequences: code points U+10000 and above.
_ASTRAL_UTF8 = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")
_ASTRAL_LEAD_BYTES = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def _escape_astral(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode("utf-8")) - 0x10000
    high, low = 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)
    return f"\\u{high:04x}\\u{low:04x}".encode("ascii")


def _read_type(data: bytes | str) -> str | None:
    try:
        return _type_only_decoder.decode(data).type
    except msgspec.DecodeError:
        return None
