"""The object-store seam: where archived media bytes live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

__all__ = ["ObjectStore"]


class ObjectStore(Protocol):
    """Stores immutable objects under keys; see :func:`actors.media.keys.validate_key`.

    Implementations: :class:`~actors.media.LocalObjectStore` (a directory) and
    :class:`~actors.media.S3ObjectStore` (S3 through aiobotocore). Writes are atomic: a
    reader sees the whole object or none.
    """

    async def put(
        self,
        key: str,
        data: AsyncIterator[bytes] | bytes,
        *,
        content_type: str,
        size: int | None = None,
    ) -> None:
        """Store ``data`` under ``key``, replacing any object there.

        Args:
            key: The object key.
            data: The bytes, whole or as an async iterator of chunks (consumed once).
            content_type: The media type recorded with the object (where the store can).
            size: The number of bytes, when known; a mismatch raises ``ValueError``.

        Raises:
            ValueError: The key is unsafe, or ``size`` does not match the data.
        """
        ...

    async def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the whole object; for small objects (use :meth:`stream` for videos).

        Raises:
            ObjectNotFoundError: No object under ``key``.
        """
        ...

    def stream(self, key: str, *, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Yield the object in chunks of at most ``chunk_size`` bytes.

        Raises:
            ObjectNotFoundError: No object under ``key`` (on the first iteration).
        """
        ...

    async def presigned_url(self, key: str, *, expires_in: int) -> str | None:
        """Return a URL that serves the object for ``expires_in`` seconds, or ``None``.

        A local store has no such URL and returns ``None``: serve the bytes yourself.
        """
        ...

    async def delete(self, key: str) -> None:
        """Delete the object under ``key``; deleting a missing key is not an error."""
        ...
