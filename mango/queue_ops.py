"""Operations on queues for the command line: create, stats, and dead-letter peek/redrive.

Everything here goes through the :class:`~mango.transport.base.QueueBroker` protocol, so
it works the same on SQS, any SQS-compatible server and the memory transport. Redrive
never uses StartMessageMoveTask (emulators lack it): it receives from the dead-letter
queue, sends to the source queue, and deletes a dead letter only after its send
succeeded. Interrupting it loses nothing; a message sent but not yet deleted comes back
to the dead-letter queue after the visibility timeout and is moved again by the next
run (at-least-once, as everywhere else: consumers are idempotent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from mango.transport.base import (
    ATTR_DEAD_LETTER_REASON,
    ATTR_TYPE,
    DeleteEntry,
    OutgoingMessage,
    QueueBroker,
    QueueSpec,
    QueueStats,
    QueueTransport,
    ReceivedMessage,
    VisibilityEntry,
)

__all__ = [
    "DeadLetter",
    "RedriveResult",
    "create_queues",
    "dlq_peek",
    "dlq_redrive",
    "queue_stats",
    "render_stats_json",
    "render_stats_table",
]

PEEK_VISIBILITY_SECONDS = 30
"""How long peeked messages stay hidden at most if a peek is interrupted before releasing."""

REDRIVE_VISIBILITY_SECONDS = 60
"""How long a dead letter being moved stays hidden; a failed move retries after this."""

BODY_EXCERPT_CHARS = 120


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What ``dlq peek`` shows of one dead letter.

    Attributes:
        message_id: The dead-letter queue's message id.
        receive_count: How often it was received (from the dead-letter queue, this peek
            included).
        message_type: The ``mango.type`` attribute, or ``None``.
        reason: The ``mango.dead_letter_reason`` attribute, or ``None`` when the queue's
            redrive policy moved it (too many receives).
        body_excerpt: The start of the body, with control characters escaped.
    """

    message_id: str
    receive_count: int
    message_type: str | None
    reason: str | None
    body_excerpt: str


@dataclass(frozen=True, slots=True)
class RedriveResult:
    """What a redrive did.

    Attributes:
        moved: Dead letters sent back to the source queue and deleted from the
            dead-letter queue.
        failed: Dead letters whose send failed; they stay in the dead-letter queue.
    """

    moved: int
    failed: int


def dead_letter_spec(spec: QueueSpec) -> QueueSpec:
    """Return the spec under which ``spec``'s dead-letter queue is opened."""
    return replace(spec, name=spec.dead_letter)


async def create_queues(broker: QueueBroker, specs: Sequence[QueueSpec]) -> None:
    """Create every queue with its dead-letter queue and redrive policy (idempotent)."""
    for spec in specs:
        await broker.create_queue(spec)


async def queue_stats(broker: QueueBroker, specs: Sequence[QueueSpec]) -> list[QueueStats]:
    """Return the approximate counts of every queue, in the order of ``specs``."""
    return [await (await broker.open_queue(spec)).stats() for spec in specs]


def render_stats_table(stats: Sequence[QueueStats]) -> str:
    """Render stats as an aligned text table with a header row."""
    header = ("queue", "visible", "in flight", "delayed", "dead letters")
    rows = [header] + [
        (
            item.name,
            str(item.visible),
            str(item.in_flight),
            str(item.delayed),
            "-" if item.dead_letters is None else str(item.dead_letters),
        )
        for item in stats
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def render_stats_json(stats: Sequence[QueueStats]) -> str:
    """Render stats as a JSON array of objects (one per queue)."""
    return json.dumps([asdict(item) for item in stats], indent=2)


def _excerpt(body: bytes) -> str:
    text = body[: BODY_EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = text[:BODY_EXCERPT_CHARS]
    escaped = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return escaped + ("…" if len(body) > len(text.encode()) else "")


async def dlq_peek(broker: QueueBroker, spec: QueueSpec, *, limit: int = 10) -> list[DeadLetter]:
    """Show up to ``limit`` dead letters of ``spec``'s queue without removing any.

    The messages are received (hidden for at most 30 s) and released again at once, so
    consumers of the dead-letter queue, if any, barely notice.
    """
    dead_letters = await broker.open_queue(dead_letter_spec(spec))
    seen: dict[str, ReceivedMessage] = {}
    try:
        while len(seen) < limit:
            batch = await dead_letters.receive(
                max_messages=min(10, limit - len(seen)),
                wait_seconds=1,
                visibility_timeout=PEEK_VISIBILITY_SECONDS,
            )
            fresh = [message for message in batch if message.message_id not in seen]
            if not fresh:
                break
            seen.update((message.message_id, message) for message in fresh)
    finally:
        await _release(dead_letters, list(seen.values()))
    return [
        DeadLetter(
            message_id=message.message_id,
            receive_count=message.receive_count,
            message_type=message.attributes.get(ATTR_TYPE),
            reason=message.attributes.get(ATTR_DEAD_LETTER_REASON),
            body_excerpt=_excerpt(message.body),
        )
        for message in seen.values()
    ]


async def _release(queue: QueueTransport, messages: Sequence[ReceivedMessage]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        await queue.change_visibility_batch(
            [VisibilityEntry(f"r{i}", m.receipt_handle, 0) for i, m in enumerate(chunk)]
        )


async def dlq_redrive(
    broker: QueueBroker,
    spec: QueueSpec,
    *,
    progress: Callable[[int, int], None] | None = None,
    visibility_timeout: int = REDRIVE_VISIBILITY_SECONDS,
) -> RedriveResult:
    """Move every dead letter of ``spec``'s queue back to the queue.

    Attributes are kept except the dead-letter reason. A dead letter is deleted only
    after the source queue accepted it, so an interrupted run loses nothing and a rerun
    moves what is left.

    Args:
        broker: An open broker.
        spec: The source queue (its dead-letter queue is ``spec.dead_letter``).
        progress: Called after each batch with ``(moved so far, dead letters at the
            start)``; the total is approximate, as SQS counts are.
        visibility_timeout: How long a dead letter being moved stays hidden; one whose
            move was interrupted reappears in the dead-letter queue after this.
    """
    source = await broker.open_queue(spec)
    dead_letters = await broker.open_queue(dead_letter_spec(spec))
    start = await dead_letters.stats()
    total = start.visible + start.delayed
    moved = failed = 0
    while True:
        batch = await dead_letters.receive(
            max_messages=10, wait_seconds=1, visibility_timeout=visibility_timeout
        )
        if not batch:
            break
        entries = {f"m{index}": message for index, message in enumerate(batch)}
        sent = await source.send_batch(
            [
                OutgoingMessage(
                    id=entry_id,
                    body=message.body,
                    attributes={
                        name: value
                        for name, value in message.attributes.items()
                        if name != ATTR_DEAD_LETTER_REASON
                    },
                )
                for entry_id, message in entries.items()
            ]
        )
        failed += len(sent.failed)
        done = [
            DeleteEntry(entry_id, entries[entry_id].receipt_handle) for entry_id in sent.successful
        ]
        if done:
            await dead_letters.delete_batch(done)
        moved += len(done)
        if progress is not None:
            progress(moved, max(total, moved))
    return RedriveResult(moved=moved, failed=failed)
