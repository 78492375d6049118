"""A download buffer: in memory while small, in a temporary file once large.

The object key is the SHA-256 of the bytes, so a download must be complete before it can
be stored; the spool holds it meanwhile without keeping a 500 MiB video in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator
from typing import IO

__all__ = ["Spool"]

MiB = 1 << 20


class Spool:
    """Collects chunks, hashing them, and replays them once for the upload.

    Args:
        memory_limit: Bytes kept in memory before spilling to a temporary file.
    """

    def __init__(self, *, memory_limit: int = 8 * MiB) -> None:
        self.memory_limit = memory_limit
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._memory = bytearray()
        self._file: IO[bytes] | None = None

    @property
    def hexdigest(self) -> str:
        """The SHA-256 of the bytes written so far, as lower-case hex."""
        return self._sha256.hexdigest()

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk``; file writes run in a worker thread, a buffer at a time."""
        self._sha256.update(chunk)
        self.size += len(chunk)
        self._memory += chunk
        if len(self._memory) >= self.memory_limit:
            await self._spill()

    async def _spill(self) -> None:
        if self._file is None:
            self._file = await asyncio.to_thread(tempfile.TemporaryFile, "w+b")
        data, self._memory = bytes(self._memory), bytearray()
        await asyncio.to_thread(self._file.write, data)

    def in_memory(self) -> bytes | None:
        """Return all the bytes if they never left memory, else ``None``."""
        return bytes(self._memory) if self._file is None else None

    async def chunks(self, chunk_size: int = MiB) -> AsyncIterator[bytes]:
        """Yield the bytes written, in order, in chunks of at most ``chunk_size``."""
        if self._file is None:
            for start in range(0, len(self._memory), chunk_size):
                yield bytes(self._memory[start : start + chunk_size])
            return
        if self._memory:
            await self._spill()
        file = self._file
        await asyncio.to_thread(file.seek, 0)
        while chunk := await asyncio.to_thread(file.read, chunk_size):
            yield chunk

    async def close(self) -> None:
        """Drop the bytes and delete the temporary file, if any."""
        self._memory = bytearray()
        file, self._file = self._file, None
        if file is not None:
            await asyncio.to_thread(file.close)
