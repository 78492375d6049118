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
- All of a request's creatives travel in one ``CreativesCollected`` message, split in
  halves only while the encoded message exceeds the queue's body limit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import msgspec

from actors.ads.messages import Creative, CreativeBatch, CreativesCollected, ads_codec
from mango.http import ProblemError, validation_problem

__all__ = [
    "ATTRIBUTES_ALLOWANCE",
    "CreativesAccepted",
    "WhoAmI",
    "collected_messages",
    "dedupe",
    "parse_creatives",
    "strip_uncarriable",
]

ATTRIBUTES_ALLOWANCE = 1024
"""Bytes of the queue's body limit kept for the message attributes mango adds."""

# A JSON "\u0000", "\ufffe" or "\uffff" escape, unless its backslash is itself escaped
# ("\\u0000" is text), or U+FFFE / U+FFFF written as UTF-8.
_UNCARRIABLE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u(?:0000|[fF]{3}[eEfF])|\xef\xbf[\xbe\xbf]")
_SINGLE_OR_BATCH = msgspec.json.Decoder(dict[str, msgspec.Raw])
_BATCH = msgspec.json.Decoder(CreativeBatch)
_SINGLE = msgspec.json.Decoder(Creative)


class CreativesAccepted(msgspec.Struct, frozen=True, kw_only=True):
    """The 202 answer: the Library IDs now on the queue, and how many repeats were dropped."""

    accepted: list[str]
    duplicates: int


class WhoAmI(msgspec.Struct, frozen=True, kw_only=True):
    """Who the API token belongs to (the extension's "Test connection")."""

    user_id: str
    email: str


def strip_uncarriable(body: bytes) -> bytes:
    """Remove NUL, U+FFFE and U+FFFF from a JSON document's strings.

    Raw NULs are invalid JSON anyway (decoding refuses them); escapes and the UTF-8 forms
    of the two noncharacters are removed, leaving everything else byte for byte.
    """
    return _UNCARRIABLE.sub(rb"\1", body)


def parse_creatives(body: bytes) -> list[Creative]:
    """Decode a request body into its creatives.

    Raises:
        ProblemError: 400 for malformed JSON, too deep nesting, or a body that is neither
            a batch nor a creative (naming the field that failed).
    """
    body = strip_uncarriable(body)
    try:
        members = _SINGLE_OR_BATCH.decode(body)
        if "creatives" in members:
            return _BATCH.decode(body).creatives
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
    unique = {creative.library_id: creative for creative in creatives}
    return list(unique.values()), len(creatives) - len(unique)


def collected_messages(
    creatives: Sequence[Creative],
    *,
    user_id: str,
    request_id: str | None,
    max_body_bytes: int,
) -> list[CreativesCollected]:
    """Pack creatives into as few messages as the queue's body limit allows (usually one).

    Raises:
        ProblemError: 413 when one creative alone exceeds the limit.
    """
    received_at = round(time.time(), 3)
    budget = max_body_bytes - ATTRIBUTES_ALLOWANCE
    pending = [list(creatives)]
    messages: list[CreativesCollected] = []
    while pending:
        part = pending.pop()
        message = CreativesCollected(
            user_id=user_id, creatives=part, request_id=request_id, received_at=received_at
        )
        if len(ads_codec.encode(message)) <= budget:
            messages.append(message)
        elif len(part) > 1:
            middle = len(part) // 2
            pending += [part[middle:], part[:middle]]  # popped first half first: order kept
        else:
            raise ProblemError(
                413,
                detail=f"creative {part[0].library_id} is larger than the queue accepts "
                f"({budget} bytes encoded); shorten its texts or cards",
                type="urn:mango:problem:creative-too-large",
            )
    return messages
