"""An object store in a local directory: the default, for development and one-box setups."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from actors.media.errors import ObjectNotFoundError
from actors.media.keys import validate_key

__all__ = ["LocalObjectStore"]


class LocalObjectStore:
    """Objects as files under ``root``, one file per key.

    A put writes a hidden temporary file beside the target and renames it into place, so a
    reader sees the whole file or none, and concurrent puts of one key do not mix. Blocking
    file calls run in worker threads, chunk by chunk, to keep the event loop free. The
    content type is not recorded: the key's extension carries it.

    Args:
        root: The directory (created on the first put).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def path_for(self, key: str) -> Path:
        """Return the file of ``key`` (which need not exist), for serving it directly.

        Raises:
            ValueError: The key is unsafe or would leave ``root`` (through a symlink).
        """
        path = self.root / validate_key(key)
        # validate_key rules out "..", but a symlink inside root could still lead out.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"invalid object key {key!r}: leads outside the store")
        return path

    async def put(
        self,
        key: str,
        data: AsyncIterator[bytes] | bytes,
        *,
        content_type: str,
        size: int | None = None,
    ) -> None:
        """Write ``data`` to ``key`` atomically; see :meth:`ObjectStore.put`."""
        path = self.path_for(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        file = await asyncio.to_thread(temp.open, "xb")
        try:
            written = 0
            if isinstance(data, bytes):
                written = await asyncio.to_thread(file.write, data)
            else:
                async for chunk in data:
                    written += await asyncio.to_thread(file.write, chunk)
            if size is not None and written != size:
                raise ValueError(f"object {key!r}: expected {size} bytes, got {written}")
            await asyncio.to_thread(_flush_and_close, file)
            await asyncio.to_thread(os.replace, temp, path)
        except BaseException:
            await asyncio.to_thread(_discard, file, temp)
            raise

    async def exists(self, key: str) -> bool:
        """Return whether ``key`` has a file."""
        return await asyncio.to_thread(self.path_for(key).is_file)

    async def get(self, key: str) -> bytes:
        """Return the whole file of ``key``; see :meth:`ObjectStore.get`."""
        path = self.path_for(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ObjectNotFoundError(f"no object under key {key!r}") from None

    async def stream(self, key: str, *, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Yield the file of ``key`` in chunks; see :meth:`ObjectStore.stream`."""
        path = self.path_for(key)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectNotFoundError(f"no object under key {key!r}") from None
        try:
            while chunk := await asyncio.to_thread(file.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(file.close)

    async def presigned_url(self, key: str, *, expires_in: int) -> str | None:
        """Return ``None``: a directory has no URLs; serve :meth:`path_for` yourself."""
        validate_key(key)
        return None

    async def delete(self, key: str) -> None:
        """Delete the file of ``key``, if any."""
        await asyncio.to_thread(self.path_for(key).unlink, missing_ok=True)


def _flush_and_close(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())  # the rename must not land before the bytes (crash safety)
    file.close()


def _discard(file: BinaryIO, temp: Path) -> None:
    file.close()
    temp.unlink(missing_ok=True)
