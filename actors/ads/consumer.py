"""The ``CreativeStore`` actor: stores each ``CreativesCollected`` message once, then its media.

One message holds several creatives. Its effects are written in ONE transaction that also
records the message's key in ``processed_messages``, so a redelivery (or the same message
published twice) writes nothing again. Media files are archived afterwards, row by row: a
retryable download failure raises, the message comes back after a backoff, the write is
skipped and only the files still pending are tried again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.ads import queries
from actors.ads.messages import Creative, CreativesCollected
from actors.ads.rows import creative_row, media_slots, message_key, unique_creatives
from actors.media import FetchedMedia, MediaError, MediaExpired, MediaKind, MediaRefused
from mango import Actor, MangoError, RejectMessage, handler

__all__ = ["CONSUMER_NAME", "CreativeStore", "MediaArchiveIncompleteError", "MediaDownloader"]

CONSUMER_NAME = "ads-consumer"
"""The consumer's name in ``processed_messages``."""

# Errors that will fail the same way on every delivery: dead-letter the message at once
# rather than retry it until the redrive policy gives up.
_PERMANENT_DATA_ERRORS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


class MediaArchiveIncompleteError(MangoError, ConnectionError):
    """Raised when some media files failed in a retryable way; the message is retried."""


class MediaDownloader(Protocol):
    """What the store needs of :class:`actors.media.MediaFetcher`."""

    async def fetch(
        self, url: str, *, fallback_url: str | None = None, kind: MediaKind
    ) -> FetchedMedia:
        """Download ``url`` (or ``fallback_url``) into the object store."""
        ...


class CreativeStore(Actor):
    """Stores the creatives of ``CreativesCollected`` messages and archives their media.

    Args:
        pool: The asyncpg pool.
        fetcher: Downloads media files into the object store.
        media_concurrency: Files one message downloads at once.
        media_max_attempts: Retryable failures of one file before it is marked ``failed``.
    """

    def __init__(
        self,
        *,
        pool: Any,
        fetcher: MediaDownloader,
        media_concurrency: int = 4,
        media_max_attempts: int = 5,
    ) -> None:
        self.pool = pool
        self.fetcher = fetcher
        self.media_concurrency = media_concurrency
        self.media_max_attempts = media_max_attempts

    @handler
    async def creatives_collected(self, message: CreativesCollected) -> None:
        """Store the message's creatives and the user's saves, then archive the media.

        Raises:
            RejectMessage: The message can never be stored (unknown user, data that
                PostgreSQL refuses); it goes to the dead-letter queue with the reason.
            MediaArchiveIncompleteError: Some files failed in a retryable way.
        """
        creatives = unique_creatives(message.creatives)
        try:
            user_id = uuid.UUID(message.user_id)
        except ValueError:
            raise RejectMessage(f"user_id {message.user_id[:64]!r} is not a UUID") from None
        try:
            written = await self._write(message, creatives, user_id)
        except _PERMANENT_DATA_ERRORS as exc:
            raise RejectMessage(
                f"PostgreSQL refused the creatives ({type(exc).__name__}: {exc})"
            ) from exc
        self.log.info(
            "creatives.stored" if written else "creatives.already_stored",
            creatives=len(creatives),
            user_id=message.user_id,
        )
        await self._archive_media([(c.source, c.library_id) for c in creatives])

    async def _write(
        self, message: CreativesCollected, creatives: list[Creative], user_id: uuid.UUID
    ) -> bool:
        """Write every effect of the message in one transaction; ``False`` if done before."""
        seen_at = (
            datetime.fromtimestamp(message.received_at, tz=UTC)
            if message.received_at > 0
            else datetime.now(tz=UTC)
        )
        async with self.pool.acquire() as connection, connection.transaction():
            if not await queries.claim_message(connection, CONSUMER_NAME, message_key(message)):
                return False
            saves: list[tuple[Any, str | None]] = []
            media: list[tuple[Any, Sequence[Any]]] = []
            for creative in creatives:
                creative_id = await queries.upsert_creative(
                    connection, creative_row(creative, seen_at=seen_at)
                )
                saves.append((creative_id, creative.board_id))
                media.append((creative_id, media_slots(creative.media)))
            await queries.record_saves(connection, user_id, saves, saved_at=seen_at)
            await queries.upsert_media(connection, media)
        return True

    async def _archive_media(self, keys: list[tuple[str, str]]) -> None:
        pending = await queries.pending_media(self.pool, keys)
        if not pending:
            return
        limit = asyncio.Semaphore(self.media_concurrency)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._archive_one(row, limit)) for row in pending]
        retry = sum(1 for task in tasks if task.result())
        if retry:
            raise MediaArchiveIncompleteError(
                f"{retry} of {len(pending)} media files could not be downloaded yet; "
                "the message will be retried"
            )

    async def _archive_one(self, row: queries.PendingMedia, limit: asyncio.Semaphore) -> bool:
        """Archive one file; return whether it should be tried again later."""
        kind: MediaKind = "video" if row.kind == "video" else "image"
        async with limit:
            try:
                fetched = await self.fetcher.fetch(
                    row.source_url, fallback_url=row.fallback_url, kind=kind
                )
            except MediaExpired as exc:
                await self._give_up(row, "expired", exc)
                return False
            except MediaRefused as exc:
                await self._give_up(row, "refused", exc)
                return False
            except (MediaError, OSError, TimeoutError) as exc:
                # Retryable (MediaRetryable), or the object store failing: try later.
                if row.attempts + 1 >= self.media_max_attempts:
                    await self._give_up(row, "failed", exc)
                    return False
                self.log.warning("media.retry_later", media_id=row.id, error=str(exc))
                await queries.mark_media_retry(self.pool, row.id, error=str(exc))
                return True
        await queries.mark_media_stored(
            self.pool,
            row.id,
            content_hash=fetched.content_hash,
            object_key=fetched.object_key,
            size_bytes=fetched.size,
            content_type=fetched.content_type,
        )
        self.log.info(
            "media.stored", media_id=row.id, bytes=fetched.size, deduplicated=fetched.deduplicated
        )
        return False

    async def _give_up(self, row: queries.PendingMedia, status: str, exc: Exception) -> None:
        self.log.warning("media.not_archived", media_id=row.id, status=status, error=str(exc))
        await queries.mark_media_failed(self.pool, row.id, status=status, error=str(exc))
