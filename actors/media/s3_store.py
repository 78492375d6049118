"""An object store in an S3 bucket through one aiobotocore client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Self

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from actors.media.errors import ObjectNotFoundError
from actors.media.keys import validate_key

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

__all__ = ["S3ObjectStore"]

MiB = 1 << 20
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3ObjectStore:
    """Objects in one S3 bucket; open it with ``async with``.

    Objects up to ``part_size`` go up in one ``PutObject``; larger streams go up as a
    multipart upload of ``part_size`` parts (aborted if anything fails), so memory stays
    bounded by one part whatever the size of the video. S3 makes each upload visible
    whole or not at all.

    Args:
        bucket: The bucket name.
        endpoint_url: An S3-compatible endpoint (moto, MinIO); ``None`` means AWS.
        region: The bucket's region.
        aws_access_key_id: Explicit credentials (tests); ``None`` uses the AWS chain.
        aws_secret_access_key: See ``aws_access_key_id``.
        aws_session_token: See ``aws_access_key_id``.
        part_size: Bytes per multipart part (S3 requires at least 5 MiB).
        connect_timeout: Seconds to open a connection.
        read_timeout: Seconds to wait for a response.
        max_attempts: Attempts per call (botocore standard retries).
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        part_size: int = 8 * MiB,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_attempts: int = 5,
    ) -> None:
        if part_size < 5 * MiB:
            raise ValueError("part_size must be at least 5 MiB (an S3 limit)")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.part_size = part_size
        self._access_key_id = aws_access_key_id
        self._secret_access_key = aws_secret_access_key
        self._session_token = aws_session_token
        self._config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._stack: AsyncExitStack | None = None
        self._client: S3Client | None = None

    async def __aenter__(self) -> Self:
        async with AsyncExitStack() as stack:
            self._client = await stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                    aws_access_key_id=self._access_key_id,
                    aws_secret_access_key=self._secret_access_key,
                    aws_session_token=self._session_token,
                )
            )
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    @property
    def client(self) -> S3Client:
        """The open aiobotocore client.

        Raises:
            RuntimeError: The store is not open (use ``async with``).
        """
        if self._client is None:
            raise RuntimeError("S3ObjectStore is not open; use `async with S3ObjectStore(...)`")
        return self._client

    async def create_bucket(self) -> None:
        """Create the bucket if it does not exist yet: for development and tests."""
        try:
            await self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in _MISSING | {"NoSuchBucket"}:
                raise
        if self.region == "us-east-1":
            await self.client.create_bucket(Bucket=self.bucket)
        else:
            await self.client.create_bucket(
                Bucket=self.bucket,
                CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
            )

    async def put(
        self,
        key: str,
        data: AsyncIterator[bytes] | bytes,
        *,
        content_type: str,
        size: int | None = None,
    ) -> None:
        """Upload ``data`` to ``key``; see :meth:`ObjectStore.put`."""
        validate_key(key)
        if isinstance(data, bytes):
            _check_size(key, size, len(data))
            await self._put_object(key, data, content_type)
            return
        buffer = bytearray()
        iterator = aiter(data)
        async for chunk in iterator:
            buffer += chunk
            if len(buffer) >= self.part_size:
                break
        else:  # the whole stream fits in one part
            _check_size(key, size, len(buffer))
            await self._put_object(key, bytes(buffer), content_type)
            return
        await self._put_multipart(key, buffer, iterator, content_type, size)

    async def _put_object(self, key: str, body: bytes, content_type: str) -> None:
        await self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type
        )

    async def _put_multipart(
        self,
        key: str,
        buffer: bytearray,
        rest: AsyncIterator[bytes],
        content_type: str,
        size: int | None,
    ) -> None:
        upload = await self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )
        upload_id = upload["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        total = 0

        async def send(body: bytes) -> None:
            number = len(parts) + 1
            answer = await self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            )
            parts.append({"ETag": answer["ETag"], "PartNumber": number})

        try:
            async for chunk in rest:
                buffer += chunk
                while len(buffer) >= self.part_size:
                    body = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    total += len(body)
                    await send(body)
            if buffer or not parts:
                total += len(buffer)
                await send(bytes(buffer))
            _check_size(key, size, total)
            await self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            await self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            raise

    async def exists(self, key: str) -> bool:
        """Return whether ``key`` holds an object (a ``HeadObject``)."""
        validate_key(key)
        try:
            await self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                return False
            raise
        return True

    async def get(self, key: str) -> bytes:
        """Return the whole object; see :meth:`ObjectStore.get`."""
        validate_key(key)
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                raise ObjectNotFoundError(f"no object under key {key!r}") from None
            raise
        async with answer["Body"] as body:
            return await body.read()

    async def stream(self, key: str, *, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Yield the object in chunks; see :meth:`ObjectStore.stream`."""
        validate_key(key)
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                raise ObjectNotFoundError(f"no object under key {key!r}") from None
            raise
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(chunk_size):
                yield chunk

    async def presigned_url(self, key: str, *, expires_in: int) -> str | None:
        """Return a presigned ``GET`` URL of ``key`` valid for ``expires_in`` seconds."""
        validate_key(key)
        return await self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_in,
        )

    async def delete(self, key: str) -> None:
        """Delete ``key`` (S3 does not mind a missing key)."""
        validate_key(key)
        await self.client.delete_object(Bucket=self.bucket, Key=key)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _check_size(key: str, expected: int | None, actual: int) -> None:
    if expected is not None and actual != expected:
        raise ValueError(f"object {key!r}: expected {expected} bytes, got {actual}")
