r"""From a ``POST /v1/creatives`` body to queue messages: decode, clean, dedupe, split.

Decisions, each pinned by a test:

- The body is a ``CreativeBatch`` (``{"creatives": [...]}``, 1 to 50) or one ``Creative``
  object; an object with a ``"creatives"`` member is a batch.
- NUL characters (``\u0000``) and the noncharacters U+FFFE and U+FFFF are removed from
  every string before validation: PostgreSQL text cannot hold NUL, SQS refuses the other
  two, none carries meaning in ad copy, and refusing them would make the extension drop
  the whole batch for good (it never retries a 400). URLs and ids are then validated as
  usual.
- Duplicates in one request (same Library ID) count once; the last one wins, at the
  position of the first.
- Creatives travel in ``CreativesCollected`` messages, one user per message. The
  :class:`~gateways.ads_api.batcher.IntakeBatcher` packs the creatives of concurrent
  requests of the same user into one message (in arrival order, a request's creatives
  kept together and in order) up to ``max_creatives`` or the queue's body limit, whichever
  comes first; a request's creatives spill into a next message only beyond them. Sizes
  are computed from each creative's own encoding, so packing never encodes a message
  twice. A creative too large to travel alone is a 413 before anything is queued.
- A message holding the creatives of one request carries its request id (and the
  request id is the message's trace id); one holding several requests' creatives carries
  none, and the batcher logs which requests it holds.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from actors.ads.messages import Creative, CreativeBatch, CreativesCollected, ads_codec
from mango.http import ProblemError, validation_problem

__all__ = [
    "ATTRIBUTES_ALLOWANCE",
    "BoardList",
    "BoardSummary",
    "CreativesAccepted",
    "Intake",
    "Packed",
    "WhoAmI",
    "collected_messages",
    "dedupe",
    "encoded_size",
    "new_intake",
    "pack",
    "parse_creatives",
    "strip_uncarriable",
]

ATTRIBUTES_ALLOWANCE = 1024
"""Bytes of the queue's body limit kept for the message attributes mango adds."""

# A JSON "\u0000", "\ufffe" or "\uffff" escape, unless its backslash is itself escaped
# ("\\u0000" is text), or U+FFFE / U+FFFF written as UTF-8.
_UNCARRIABLE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u(?:0000|[fF]{3}[eEfF])|\xef\xbf[\xbe\xbf]")
# The same escapes, found fast: a pattern that starts with a literal is searched for that
# literal first, whereas _UNCARRIABLE (a lookbehind first) is tried at every byte.
_MAYBE_UNCARRIABLE_ESCAPE = re.compile(rb"\\u(?:0000|[fF]{3}[eEfF])")
_ENCODER = msgspec.json.Encoder()
_ASTRAL_LEAD_BYTES = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
# Bytes of an envelope's variable fields at their largest beyond null and 0.0: a quoted
# request id of 64 characters (the gateway's limit) and a received_at written in full.
_ENVELOPE_SLACK = 66 + 24
_SINGLE_OR_BATCH = msgspec.json.Decoder(dict[str, msgspec.Raw])
_BATCH = msgspec.json.Decoder(CreativeBatch)
_SINGLE = msgspec.json.Decoder(Creative)


class CreativesAccepted(msgspec.Struct, frozen=True, kw_only=True):
    """The 202 answer: the Library IDs now on the queue, and how many repeats were dropped."""

    accepted: list[str]
    duplicates: int


class BoardSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One of the user's boards, for the extension's board picker."""

    id: str
    name: str


class BoardList(msgspec.Struct, frozen=True, kw_only=True):
    """The body of ``GET /v1/boards``."""

    boards: list[BoardSummary]


class WhoAmI(msgspec.Struct, frozen=True, kw_only=True):
    """Who the API token belongs to (the extension's "Test connection")."""

    user_id: str
    email: str


def strip_uncarriable(body: bytes) -> bytes:
    """Remove NUL, U+FFFE and U+FFFF from a JSON document's strings.

    Raw NULs are invalid JSON anyway (decoding refuses them); escapes and the UTF-8 forms
    of the two noncharacters are removed, leaving everything else byte for byte.
    """
    if (body.isascii() or b"\xef\xbf" not in body) and (
        _MAYBE_UNCARRIABLE_ESCAPE.search(body) is None
    ):
        return body  # the usual case: 2 us for 1 kB instead of 90 us
    return _UNCARRIABLE.sub(rb"\1", body)


def parse_creatives(body: bytes) -> list[Creative]:
    """Decode a request body into its creatives.

    Raises:
        ProblemError: 400 for malformed JSON, too deep nesting, or a body that is neither
            a batch nor a creative (naming the field that failed).
    """
    body = strip_uncarriable(body)
    try:
        try:
            # The extension always sends a batch: one decode in the usual case.
            return _BATCH.decode(body).creatives
        except msgspec.ValidationError:
            if "creatives" in _SINGLE_OR_BATCH.decode(body):
                raise  # a batch, invalid: its own error names the field
        return [_SINGLE.decode(body)]
    except msgspec.ValidationError as exc:
        raise validation_problem(exc) from exc
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        detail = "JSON is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ProblemError(
            400, title="Malformed JSON", detail=detail, type="urn:mango:problem:malformed-json"
        ) from exc


def dedupe(creatives: Sequence[Creative]) -> tuple[list[Creative], int]:
    """Keep one creative per Library ID (the last sent); return them and the repeat count."""
    if len(creatives) == 1:  # the extension's usual request: nothing to compare
        return list(creatives), 0
    unique = {creative.library_id: creative for creative in creatives}
    return list(unique.values()), len(creatives) - len(unique)


def encoded_size(creative: Creative) -> int:
    """Bytes ``creative`` takes inside an encoded ``CreativesCollected`` message.

    The message codec writes characters beyond the BMP as two 6-byte escapes (12 bytes for
    their 4 UTF-8 bytes); in UTF-8 the bytes F0-F4 only ever start such a character.
    """
    raw = _ENCODER.encode(creative)
    if raw.isascii():
        return len(raw)
    return len(raw) + 8 * sum(raw.count(lead) for lead in _ASTRAL_LEAD_BYTES)


@functools.lru_cache(maxsize=4096)
def _room(user_id: str, max_body_bytes: int) -> int:
    """Bytes left for the creatives (and their commas) in a message of ``user_id``.

    Counted for the largest envelope: a request id of 64 characters (the gateway's limit)
    and a ``received_at`` written in full, so that any message packed within it fits.
    """
    empty = CreativesCollected(user_id=user_id, creatives=[], request_id=None, received_at=0.0)
    envelope = len(ads_codec.encode(empty)) + _ENVELOPE_SLACK
    return max_body_bytes - ATTRIBUTES_ALLOWANCE - envelope


class Intake(msgspec.Struct, frozen=True, gc=False):
    """One request's creatives on their way to the queue (what the batcher is asked).

    A Struct rather than a frozen dataclass: made for every request, and a Struct is made
    in C (the dataclass sets each field through ``object.__setattr__``). It holds no cycle,
    so the garbage collector need not track it.
    """

    user_id: str
    creatives: Sequence[Creative]
    sizes: Sequence[int]
    """``encoded_size`` of each creative."""
    request_id: str | None
    received_at: float


def new_intake(
    creatives: Sequence[Creative],
    *,
    user_id: str,
    request_id: str | None,
    max_body_bytes: int,
    received_at: float | None = None,
) -> Intake:
    """Measure a request's creatives for packing.

    Raises:
        ProblemError: 413 when one creative alone exceeds the queue's body limit.
    """
    stamp = round(time.time(), 3) if received_at is None else received_at
    room = _room(user_id, max_body_bytes)
    sizes = []
    for creative in creatives:
        size = encoded_size(creative)
        if size > room:
            raise ProblemError(
                413,
                detail=f"creative {creative.library_id} is larger than the queue accepts "
                f"({room} bytes encoded); shorten its texts or cards",
                type="urn:mango:problem:creative-too-large",
            )
        sizes.append(size)
    return Intake(user_id, creatives, sizes, request_id, stamp)


@dataclass(frozen=True, slots=True)
class Packed:
    """A message to publish and the positions (in ``pack``'s input) of its requests."""

    message: CreativesCollected
    intakes: tuple[int, ...]


class _Open:
    """A message being filled for one user."""

    __slots__ = ("creatives", "intakes", "received_at", "request_ids", "size")

    def __init__(self) -> None:
        self.creatives: list[Creative] = []
        self.intakes: list[int] = []
        self.request_ids: list[str | None] = []
        self.received_at = 0.0
        self.size = 0  # sum of the creatives' sizes, commas included

    def add_intake(self, index: int, intake: Intake) -> None:
        if not self.intakes or self.intakes[-1] != index:
            self.intakes.append(index)
            self.request_ids.append(intake.request_id)
            if not self.received_at or intake.received_at < self.received_at:
                self.received_at = intake.received_at

    def message(self, user_id: str) -> Packed:
        request_id = self.request_ids[0] if len(self.request_ids) == 1 else None
        message = CreativesCollected(
            user_id=user_id,
            creatives=self.creatives,
            request_id=request_id,
            received_at=self.received_at,
        )
        return Packed(message, tuple(self.intakes))


def pack(
    intakes: Sequence[Intake], *, max_body_bytes: int, max_creatives: int = 100
) -> list[Packed]:
    """Pack the creatives of several requests into as few messages as possible.

    One message per user while its creatives fit ``max_creatives`` and the body limit;
    requests keep their arrival order and their creatives stay together in order, except
    that a request's creatives continue in the next message once one is full. Every
    creative of every intake is in exactly one message.
    """
    open_messages: dict[str, _Open] = {}
    done: list[tuple[str, _Open]] = []
    for index, intake in enumerate(intakes):
        user_id = intake.user_id
        room = _room(user_id, max_body_bytes)
        current = open_messages.get(user_id)
        for creative, size in zip(intake.creatives, intake.sizes, strict=True):
            if current is not None and (
                len(current.creatives) >= max_creatives or current.size + 1 + size > room
            ):
                done.append((user_id, current))
                current = None
            if current is None:
                current = open_messages[user_id] = _Open()
                current.size = size
            else:
                current.size += 1 + size
            current.creatives.append(creative)
            current.add_intake(index, intake)
    done.extend(open_messages.items())
    return [filled.message(user_id) for user_id, filled in done]


def collected_messages(
    creatives: Sequence[Creative],
    *,
    user_id: str,
    request_id: str | None,
    max_body_bytes: int,
) -> list[CreativesCollected]:
    """Pack one request's creatives into as few messages as the queue's body limit allows.

    Raises:
        ProblemError: 413 when one creative alone exceeds the limit.
    """
    intake = new_intake(
        creatives, user_id=user_id, request_id=request_id, max_body_bytes=max_body_bytes
    )
    packed = pack([intake], max_body_bytes=max_body_bytes, max_creatives=len(creatives))
    return [part.message for part in packed]
