"""What travels on the ``mango-content`` queue.

The Backend API never publishes these directly: it writes them to the ``outbox`` table in
the transaction that creates the task (:func:`actors.content.tasks.create_task`), and its
relay publishes the outbox rows.
"""

from __future__ import annotations

from mango import Message, MessageCodec

__all__ = ["CONTENT_QUEUE", "ContentTaskRequested", "content_codec"]

CONTENT_QUEUE = "mango-content"


class ContentTaskRequested(Message, frozen=True, tag="content.task_requested"):
    """A user asked for content; the task row (``content_tasks``) holds the request.

    The message only points at the row, so a redelivery, or the relay sending it twice,
    finds the task's current state and does nothing more once it is done.
    """

    task_id: str
    user_id: str


content_codec = MessageCodec([ContentTaskRequested])
