"""The object-store contract, run against the local store and against moto's S3.

Then what only one store does: atomic renames and traversal checks for the directory,
multipart uploads and presigned URLs for S3.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from actors.media import LocalObjectStore, ObjectNotFoundError, ObjectStore, S3ObjectStore
from tests.servers.sqs import DUMMY_CREDENTIALS, REGION, SqsServer

MiB = 1 << 20


async def chunks_of(data: bytes, size: int = MiB) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.fixture
async def s3_store(moto_server: SqsServer) -> AsyncIterator[S3ObjectStore]:
    """An S3 store on a fresh bucket of the session's moto server (5 MiB parts)."""
    async with S3ObjectStore(
        f"media-{uuid.uuid4().hex[:12]}",
        endpoint_url=moto_server.endpoint_url,
        region=REGION,
        part_size=5 * MiB,
        aws_access_key_id=DUMMY_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=DUMMY_CREDENTIALS["aws_secret_access_key"],
        aws_session_token=DUMMY_CREDENTIALS["aws_session_token"],
    ) as store:
        await store.create_bucket()
        yield store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    """Each object store in turn, for the contract tests."""
    if request.param == "local":
        yield LocalObjectStore(tmp_path / "store")
    else:
        yield request.getfixturevalue("s3_store")


async def test_put_get_exists_delete(store: ObjectStore) -> None:
    """An object put is there, reads back whole, and is gone once deleted."""
    key = "media/sha256/ab/cd/abcd.jpg"
    assert not await store.exists(key)

    await store.put(key, b"jpeg bytes", content_type="image/jpeg", size=10)

    assert await store.exists(key)
    assert await store.get(key) == b"jpeg bytes"
    assert await collect(store.stream(key, chunk_size=3)) == b"jpeg bytes"
    await store.delete(key)
    assert not await store.exists(key)
    await store.delete(key)  # deleting again is fine


async def test_missing_object_raises_not_found(store: ObjectStore) -> None:
    """Reading a key that holds nothing raises ObjectNotFoundError."""
    with pytest.raises(ObjectNotFoundError):
        await store.get("media/none.jpg")
    with pytest.raises(ObjectNotFoundError):
        await collect(store.stream("media/none.jpg"))


async def test_multi_megabyte_stream_round_trips(store: ObjectStore) -> None:
    """A 12 MiB object put as a stream of chunks reads back identical (multipart on S3)."""
    data = os.urandom(12 * MiB + 123)
    key = "media/sha256/big/video.mp4"

    await store.put(key, chunks_of(data), content_type="video/mp4", size=len(data))

    streamed = await collect(store.stream(key))
    assert hashlib.sha256(streamed).digest() == hashlib.sha256(data).digest()
    assert await store.get(key) == data


async def test_wrong_size_is_refused_and_not_stored(store: ObjectStore) -> None:
    """A put whose data does not match ``size`` raises and leaves nothing behind."""
    with pytest.raises(ValueError, match="expected 99 bytes"):
        await store.put("media/short.jpg", chunks_of(b"x" * 10), content_type="image/jpeg", size=99)

    assert not await store.exists("media/short.jpg")


@pytest.mark.parametrize(
    "key",
    ["../escape", "/etc/passwd", "media/../../x", "media//x", ".hidden", "a\\b", "", "media/./x"],
)
async def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    """Keys that could leave the store or hide a file are refused by every method."""
    with pytest.raises(ValueError, match="invalid object key"):
        await store.put(key, b"x", content_type="image/jpeg")
    with pytest.raises(ValueError, match="invalid object key"):
        await store.exists(key)
    with pytest.raises(ValueError, match="invalid object key"):
        await store.get(key)


async def test_local_put_is_atomic(tmp_path: Path) -> None:
    """A put failing midway leaves the previous object intact and no temporary file."""
    store = LocalObjectStore(tmp_path)
    await store.put("media/a.jpg", b"old", content_type="image/jpeg")

    async def failing() -> AsyncIterator[bytes]:
        yield b"new partial"
        raise ConnectionResetError("download broke")

    with pytest.raises(ConnectionResetError):
        await store.put("media/a.jpg", failing(), content_type="image/jpeg")

    assert await store.get("media/a.jpg") == b"old"
    assert sorted(path.name for path in (tmp_path / "media").iterdir()) == ["a.jpg"]


async def test_local_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    """A symlink inside the store cannot be used to write outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    store = LocalObjectStore(tmp_path / "store")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "link").symlink_to(outside)

    with pytest.raises(ValueError, match="outside the store"):
        await store.put("link/x.jpg", b"x", content_type="image/jpeg")

    assert list(outside.iterdir()) == []


async def test_local_store_has_no_presigned_url(tmp_path: Path) -> None:
    """A directory has no URLs: presigned_url is None."""
    assert await LocalObjectStore(tmp_path).presigned_url("media/a.jpg", expires_in=60) is None


async def test_s3_presigned_url_serves_the_object(s3_store: S3ObjectStore) -> None:
    """A presigned GET URL serves the object's bytes without credentials."""
    await s3_store.put("media/p.jpg", b"presigned bytes", content_type="image/jpeg")

    url = await s3_store.presigned_url("media/p.jpg", expires_in=300)

    assert url is not None
    assert "Signature" in url or "X-Amz-Signature" in url
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "image/jpeg"
        assert await response.read() == b"presigned bytes"


async def test_s3_failed_multipart_upload_is_aborted(s3_store: S3ObjectStore) -> None:
    """A stream failing after the first part aborts the upload: no object, no upload left."""

    async def failing() -> AsyncIterator[bytes]:
        yield os.urandom(6 * MiB)
        raise ConnectionResetError("download broke")

    with pytest.raises(ConnectionResetError):
        await s3_store.put("media/broken.mp4", failing(), content_type="video/mp4")

    assert not await s3_store.exists("media/broken.mp4")
    uploads = await s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket)
    assert uploads.get("Uploads", []) == []


async def test_s3_create_bucket_is_idempotent(s3_store: S3ObjectStore) -> None:
    """Creating an existing bucket again is a no-op."""
    await s3_store.create_bucket()
