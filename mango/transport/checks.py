"""Input checks shared by every queue transport, so all of them refuse the same input.

SQS rejects some input for the whole call (more than 10 entries, duplicate entry ids, a
batch over the size limit) and some per entry (characters XML 1.0 does not allow). The
transports check both before sending: whole-call faults raise (they are programming
errors or, for size, :class:`~mango.errors.MessageTooLargeError`), per-entry faults are
reported in the :class:`~mango.transport.base.BatchResult` like SQS would report them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mango.errors import MessageTooLargeError
from mango.transport.base import ATTR_DEAD_LETTER_REASON, OutgoingMessage

__all__ = [
    "INVALID_CONTENTS",
    "MAX_BATCH_ENTRIES",
    "MAX_DELAY_SECONDS",
    "MAX_VISIBILITY_TIMEOUT",
    "MAX_WAIT_SECONDS",
    "check_batch_ids",
    "check_queue_name",
    "check_receive",
    "check_send_batch",
    "checked_send_sizes",
    "dead_letter_attributes",
    "decode_body",
    "message_size",
]

MAX_BATCH_ENTRIES = 10
MAX_DELAY_SECONDS = 900
MAX_WAIT_SECONDS = 20
MAX_VISIBILITY_TIMEOUT = 43_200
MAX_MESSAGE_ATTRIBUTES = 10
MAX_REASON_CHARS = 1000
INVALID_CONTENTS = "InvalidMessageContents"

_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# The ids mango's own batches use (positions), valid without the regex.
_POSITION_IDS = frozenset(str(index) for index in range(MAX_BATCH_ENTRIES))
_ATTRIBUTE_NAME = re.compile(r"(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]{1,256}(?<!\.)")
# SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
_INVALID_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# After a strict UTF-8 decode (which refuses surrogates), the refused characters are the
# C0 controls other than tab, newline and carriage return (one byte each in UTF-8), and
# U+FFFE / U+FFFF, whose UTF-8 forms start with EF like every character U+F000-U+FFFF.
# Every byte but those controls: deleting them from a body leaves only refused controls.
_KEEP = bytes(b for b in range(256) if b >= 0x20 or b in (9, 10, 13))
_STRING_TYPE = "String"


def check_queue_name(name: str, *, room_for_suffix: bool = True) -> str:
    """Return ``name`` if SQS accepts it.

    Args:
        name: The queue name.
        room_for_suffix: Keep 4 characters free for the ``-dlq`` suffix of the queue's
            dead-letter queue (76 at most instead of 80).

    Raises:
        ValueError: The name is empty, too long or has characters other than letters,
            digits, ``-`` and ``_``.
    """
    longest = 76 if room_for_suffix else 80
    if len(name) > longest or not _QUEUE_NAME.fullmatch(name):
        raise ValueError(
            f"invalid queue name {name!r}: use 1-{longest} letters, digits, '-' or '_'"
            + (" (leaving room for the '-dlq' suffix)" if room_for_suffix else "")
        )
    return name


def check_batch_ids(ids: Sequence[str], *, operation: str) -> None:
    """Check a batch's entry ids the way SQS does, before anything is sent.

    Raises:
        ValueError: More than 10 entries, an invalid id, or two entries with one id.
    """
    if len(ids) > MAX_BATCH_ENTRIES:
        raise ValueError(
            f"{operation}: {len(ids)} entries, but a batch holds at most {MAX_BATCH_ENTRIES}"
        )
    for entry_id in ids:
        if entry_id not in _POSITION_IDS and not _ENTRY_ID.fullmatch(entry_id):
            raise ValueError(
                f"{operation}: invalid entry id {entry_id!r} (1-80 of letters, digits, '-', '_')"
            )
    if len(set(ids)) != len(ids):
        raise ValueError(f"{operation}: entry ids must be distinct within a batch")


def check_receive(max_messages: int, wait_seconds: float, visibility_timeout: int) -> None:
    """Check receive arguments against the SQS limits.

    Raises:
        ValueError: ``max_messages`` outside 1-10, ``wait_seconds`` outside 0-20 or
            ``visibility_timeout`` outside 0-43200.
    """
    if not 1 <= max_messages <= MAX_BATCH_ENTRIES:
        raise ValueError(f"receive: max_messages must be 1-10, not {max_messages}")
    if not 0 <= wait_seconds <= MAX_WAIT_SECONDS:
        raise ValueError(f"receive: wait_seconds must be 0-20, not {wait_seconds}")
    if not 0 <= visibility_timeout <= MAX_VISIBILITY_TIMEOUT:
        raise ValueError(f"receive: visibility_timeout must be 0-43200, not {visibility_timeout}")


def message_size(body: bytes, attributes: Mapping[str, str]) -> int:
    """Return a message's size as SQS counts it: body plus attribute names, types, values."""
    size = len(body) + len(_STRING_TYPE) * len(attributes)
    for name, value in attributes.items():  # ASCII text: as many bytes as characters
        size += len(name) if name.isascii() else len(name.encode())
        size += len(value) if value.isascii() else len(value.encode())
    return size


def _acceptable_values(attributes: Mapping[str, str]) -> bool:
    """Whether SQS accepts every character of the values (printable ASCII needs no regex)."""
    for value in attributes.values():
        if not (value.isascii() and value.isprintable()) and _INVALID_CHAR.search(value):
            return False
    return True


def decode_body(body: bytes) -> str | None:
    """Return ``body`` as text if SQS accepts it, else ``None`` (invalid UTF-8 or characters)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # The answer of _INVALID_CHAR.search(text) without the regex where no character
    # U+F000-U+FFFF can be: deleting every allowed byte leaves the refused controls, if
    # any (0.5 us for a small body, ~20 us for 50 kB; the regex takes 170).
    if b"\xef" in body:
        return None if _INVALID_CHAR.search(text) else text
    return None if body.translate(None, _KEEP) else text


def check_send_batch(
    entries: Sequence[OutgoingMessage], *, max_body_bytes: int
) -> dict[str, tuple[str, str, bool]]:
    """Check a send batch before anything is sent.

    Args:
        entries: The batch.
        max_body_bytes: The largest message accepted (body plus attributes).

    Returns:
        The entries SQS would refuse one by one (characters it does not accept), as
        ``entry id -> (code, reason, sender_fault)``; the caller sends the others.

    Raises:
        ValueError: Too many entries, bad or repeated entry ids, more than 10 attributes,
            a bad attribute name or empty value, or ``delay_seconds`` outside 0-900.
        MessageTooLargeError: A message exceeds ``max_body_bytes``; nothing may be sent.
    """
    return checked_send_sizes(entries, max_body_bytes=max_body_bytes)[0]


def checked_send_sizes(
    entries: Sequence[OutgoingMessage], *, max_body_bytes: int
) -> tuple[dict[str, tuple[str, str, bool]], list[int]]:
    """:func:`check_send_batch`, also returning each entry's :func:`message_size`.

    Raises:
        ValueError: See :func:`check_send_batch`.
        MessageTooLargeError: See :func:`check_send_batch`.
    """
    check_batch_ids([entry.id for entry in entries], operation="send_batch")
    refused: dict[str, tuple[str, str, bool]] = {}
    sizes: list[int] = []
    for entry in entries:
        size = message_size(entry.body, entry.attributes)
        if size > max_body_bytes:
            raise MessageTooLargeError(
                f"message {entry.id!r} is {size} bytes (body and attributes), over the "
                f"queue's limit of {max_body_bytes} bytes; nothing in the batch was sent. "
                "Store large payloads elsewhere and send a reference, or raise the limit."
            )
        sizes.append(size)
        if not 0 <= entry.delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(
                f"message {entry.id!r}: delay_seconds must be 0-{MAX_DELAY_SECONDS}, "
                f"not {entry.delay_seconds}"
            )
        _check_attributes(entry)
        if decode_body(entry.body) is None or not _acceptable_values(entry.attributes):
            refused[entry.id] = (
                INVALID_CONTENTS,
                "body or attribute is not UTF-8 or has characters SQS refuses "
                "(allowed: tab, newline, carriage return, U+0020-U+D7FF, U+E000-U+FFFD, "
                "U+10000-U+10FFFF)",
                True,
            )
    return refused, sizes


def _check_attributes(entry: OutgoingMessage) -> None:
    if len(entry.attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise ValueError(
            f"message {entry.id!r} has {len(entry.attributes)} attributes; "
            f"SQS allows at most {MAX_MESSAGE_ATTRIBUTES}"
        )
    for name, value in entry.attributes.items():
        if name not in _VALID_ATTRIBUTE_NAMES:
            if not _ATTRIBUTE_NAME.fullmatch(name) or name.lower().startswith(("aws.", "amazon.")):
                raise ValueError(f"message {entry.id!r}: invalid attribute name {name!r}")
            if len(_VALID_ATTRIBUTE_NAMES) < _MAX_REMEMBERED_NAMES:
                _VALID_ATTRIBUTE_NAMES.add(name)  # the same few names come with every message
        if not value:
            raise ValueError(f"message {entry.id!r}: attribute {name!r} has an empty value")


_VALID_ATTRIBUTE_NAMES: set[str] = set()
_MAX_REMEMBERED_NAMES = 1000


def dead_letter_attributes(attributes: Mapping[str, str], reason: str) -> dict[str, str]:
    """Return ``attributes`` plus the dead-letter reason, made safe to send.

    The reason often quotes the bad input, so characters SQS refuses are replaced and it
    is cut to 1000 characters.
    """
    cleaned = _INVALID_CHAR.sub("\ufffd", reason)[:MAX_REASON_CHARS] or "unspecified"
    return {**attributes, ATTR_DEAD_LETTER_REASON: cleaned}
