"""The ``ContentTaskRunner`` actor: runs each requested task once, whatever the redeliveries.

A delivery claims the task (``queued``, or ``running`` past its lease because the worker
that ran it died) by moving it to ``running`` and counting the attempt, runs its generator
and stores the result (``done``) or the reason (``failed``). A ``done`` or ``failed`` task
is never run again; a task another worker runs right now makes the delivery come back
later (:class:`RetryLater`).

Failures that will not change on retry (unknown kind, creatives no longer saved, invalid
parameters, a generator's :class:`GenerationError`) mark the task failed at once and the
message is acknowledged. Other failures put the task back to ``queued`` with the reason
and raise, so the consumer's backoff redelivers it; on the last delivery the queue allows
(``max_attempts``, the queue's maxReceiveCount) the task is marked failed instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from actors.content.creatives import load_creatives
from actors.content.errors import ContentTaskError, GenerationError
from actors.content.generator import ContentGenerator, TaskInput
from actors.content.messages import ContentTaskRequested
from actors.content.registry import validate_parameters
from mango import Actor, MangoError, RejectMessage, RetryLater, handler

__all__ = ["ContentTaskRunner", "TaskRetryError"]

_MAX_REASON = 2000


class TaskRetryError(MangoError, RuntimeError):
    """Raised when an attempt failed in a way a later delivery may not; it is retried."""


class _Permanent(Exception):  # noqa: N818 - internal control flow
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ContentTaskRunner(Actor):
    """Runs content tasks with the generator of their kind.

    Args:
        pool: The asyncpg pool.
        generators: Generators by kind.
        max_attempts: Deliveries before a retryable failure becomes final; keep it at the
            queue's maxReceiveCount so that no task is left queued when its message goes
            to the dead-letter queue.
        lease_seconds: How long a ``running`` task belongs to the worker that claimed it.
        generation_timeout: Longest one generation may take, in seconds.
    """

    def __init__(
        self,
        *,
        pool: Any,
        generators: Mapping[str, ContentGenerator],
        max_attempts: int = 5,
        lease_seconds: float = 300.0,
        generation_timeout: float = 120.0,
    ) -> None:
        self.pool = pool
        self.generators = dict(generators)
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds
        self.generation_timeout = generation_timeout

    @handler
    async def task_requested(self, message: ContentTaskRequested) -> None:
        """Run the task once; see the module documentation for the states.

        Raises:
            RejectMessage: The message's ids are not UUIDs.
            RetryLater: Another worker is running the task right now.
            TaskRetryError: The attempt failed in a retryable way.
        """
        try:
            task_id, user_id = uuid.UUID(message.task_id), uuid.UUID(message.user_id)
        except ValueError:
            raise RejectMessage(
                f"task_id {message.task_id[:64]!r} or user_id {message.user_id[:64]!r} "
                "is not a UUID"
            ) from None
        claimed = await self._claim(task_id, user_id)
        if claimed is None:
            return
        kind, creative_ids, parameters, attempt = claimed
        try:
            result = await self._run(task_id, user_id, kind, creative_ids, parameters)
        except _Permanent as failure:
            await self._fail(task_id, attempt, failure.reason)
            return
        except Exception as exc:
            reason = _reason(exc)
            if attempt >= self.max_attempts:
                await self._fail(task_id, attempt, f"gave up after {attempt} attempts: {reason}")
                return
            await self._release(task_id, attempt, reason)
            raise TaskRetryError(f"content task {task_id} attempt {attempt}: {reason}") from exc
        await self._finish(task_id, attempt, result)

    async def _claim(
        self, task_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[str, list[uuid.UUID], str, int] | None:
        row = await self.pool.fetchrow(
            """
            UPDATE content_tasks
            SET status = 'running', attempts = attempts + 1, started_at = now(),
                updated_at = now()
            WHERE id = $1 AND user_id = $2
              AND (status = 'queued'
                   OR (status = 'running'
                       AND updated_at < now() - make_interval(secs => $3)))
            RETURNING kind, creative_ids, parameters::text AS parameters, attempts
            """,
            task_id,
            user_id,
            self.lease_seconds,
        )
        if row is not None:
            self.log.info("content_task.started", task_id=str(task_id), attempt=row["attempts"])
            return row["kind"], list(row["creative_ids"]), row["parameters"], row["attempts"]
        current = await self.pool.fetchrow(
            """
            SELECT status, extract(epoch FROM now() - updated_at) AS age
            FROM content_tasks WHERE id = $1 AND user_id = $2
            """,
            task_id,
            user_id,
        )
        if current is None:
            # The user (or the task) was deleted since: nothing left to do.
            self.log.warning("content_task.not_found", task_id=str(task_id))
            return None
        if current["status"] == "running":
            wait = max(1.0, self.lease_seconds - float(current["age"]))
            raise RetryLater(f"content task {task_id} is running elsewhere", delay=wait)
        self.log.info(
            "content_task.already_finished", task_id=str(task_id), status=current["status"]
        )
        return None

    async def _run(
        self,
        task_id: uuid.UUID,
        user_id: uuid.UUID,
        kind: str,
        creative_ids: list[uuid.UUID],
        parameters: str,
    ) -> str:
        generator = self.generators.get(kind)
        if generator is None:
            raise _Permanent(
                f"unknown content kind {kind!r}; this consumer makes {sorted(self.generators)}"
            )
        try:
            params = validate_parameters(generator, msgspec.json.decode(parameters))
        except ContentTaskError as exc:
            raise _Permanent(str(exc)) from None
        creatives, missing = await load_creatives(self.pool, user_id, creative_ids)
        if missing:
            raise _Permanent(
                "creatives no longer saved by the user: " + ", ".join(str(i) for i in missing)
            )
        task = TaskInput(task_id=str(task_id), kind=kind, parameters=params, creatives=creatives)
        try:
            async with asyncio.timeout(self.generation_timeout):
                result = await generator.generate(task)
            # Checked against the declared type: a plugin cannot store arbitrary data.
            checked = msgspec.convert(
                msgspec.to_builtins(result), generator.result_type, strict=False
            )
        except GenerationError as exc:
            raise _Permanent(str(exc)) from None
        except msgspec.ValidationError as exc:
            raise _Permanent(f"the {kind} generator returned an invalid result: {exc}") from None
        return msgspec.json.encode(checked).decode()

    async def _finish(self, task_id: uuid.UUID, attempt: int, result: str) -> None:
        status = await self.pool.execute(
            """
            UPDATE content_tasks
            SET status = 'done', result = $3::jsonb, error = NULL, finished_at = now(),
                updated_at = now()
            WHERE id = $1 AND status = 'running' AND attempts = $2
            """,
            task_id,
            attempt,
            result,
        )
        if status.endswith(" 0"):
            self.log.warning("content_task.superseded", task_id=str(task_id), attempt=attempt)
            return
        self.log.info("content_task.done", task_id=str(task_id), attempt=attempt)

    async def _fail(self, task_id: uuid.UUID, attempt: int, reason: str) -> None:
        await self.pool.execute(
            """
            UPDATE content_tasks
            SET status = 'failed', error = $3, result = NULL, finished_at = now(),
                updated_at = now()
            WHERE id = $1 AND status = 'running' AND attempts = $2
            """,
            task_id,
            attempt,
            reason[:_MAX_REASON],
        )
        self.log.warning("content_task.failed", task_id=str(task_id), reason=reason[:200])

    async def _release(self, task_id: uuid.UUID, attempt: int, reason: str) -> None:
        await self.pool.execute(
            """
            UPDATE content_tasks
            SET status = 'queued', error = $3, updated_at = now()
            WHERE id = $1 AND status = 'running' AND attempts = $2
            """,
            task_id,
            attempt,
            f"attempt {attempt} failed, will retry: {reason}"[:_MAX_REASON],
        )
        self.log.warning("content_task.retry_later", task_id=str(task_id), reason=reason[:200])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return "the generator timed out"
    if isinstance(exc, MangoError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, asyncpg.PostgresError | OSError):
        return f"database or network error ({type(exc).__name__}: {exc})"
    return str(exc) or type(exc).__name__
