"""Download media from the CDN into an object store: streamed, bounded, checked, deduplicated."""

from __future__ import annotations

import asyncio
import random
from types import TracebackType
from typing import Literal, Self

import aiohttp
import msgspec
import structlog
from aiohttp.abc import AbstractResolver
from yarl import URL

from actors.media.content_types import accepted_media_type
from actors.media.errors import (
    MediaError,
    MediaExpired,
    MediaRefused,
    MediaRetryable,
    display_url,
)
from actors.media.keys import object_key
from actors.media.settings import MediaSettings
from actors.media.spool import Spool
from actors.media.ssrf import (
    AddressGuard,
    AddressRefusedError,
    GuardedResolver,
    is_legacy_ipv4_literal,
)
from actors.media.store import ObjectStore

__all__ = ["FetchedMedia", "MediaFetcher", "MediaKind"]

log = structlog.get_logger("actors.media")

MiB = 1 << 20
MediaKind = Literal["image", "video"]

_EXPIRED = frozenset({403, 404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SNIFF_BYTES = 16
_CHUNK = 64 * 1024


class FetchedMedia(msgspec.Struct, frozen=True, kw_only=True):
    """A media file archived in the object store."""

    content_hash: str
    """Lower-case hex SHA-256 of the bytes."""
    size: int
    """Number of bytes."""
    content_type: str
    """Media type, e.g. ``image/jpeg`` (without parameters)."""
    object_key: str
    """Key in the object store: ``media/sha256/ab/cd/<hash><ext>``."""
    source_url: str
    """The URL the bytes came from: the primary URL or the fallback (before redirects)."""
    deduplicated: bool
    """Whether the store already held these bytes, so nothing was uploaded."""


class _TransientError(Exception):
    """A failure worth another attempt: 5xx, 408/429, timeout, connection error."""


class MediaFetcher:
    """Downloads media files into an object store; open it with ``async with``.

    One ``aiohttp.ClientSession`` serves every download. Each download is streamed into a
    :class:`~actors.media.spool.Spool` while its SHA-256 and size are computed, then stored
    under :func:`~actors.media.keys.object_key` unless the store already has that key.

    Checks, in order: the URL (http or https, no numeric tricks such as ``0x7f.1``), the
    address at connect time (public only, see :mod:`actors.media.ssrf`; also for each
    redirect hop, at most ``max_redirects``), the status (403/404/410 raise
    :class:`MediaExpired`; 408, 429, 5xx are retried), ``Content-Encoding`` (identity
    only, so sizes mean what they say), the content type (``image/*`` or ``video/*`` as
    ``kind`` says, not SVG; a generic ``application/octet-stream`` is accepted only when
    the first bytes are a known image or video format, whose type is then recorded), and
    the size cap of the kind, against ``Content-Length`` before reading and against the
    bytes while reading (aiohttp itself never reads past ``Content-Length``).

    Timeouts, connection errors, 408, 429 and 5xx are retried up to ``max_attempts`` times
    with exponential backoff and full jitter, then raise :class:`MediaRetryable`.

    Args:
        store: Where the bytes go.
        max_image_bytes: Size cap of images.
        max_video_bytes: Size cap of videos.
        connect_timeout: Seconds to connect.
        read_timeout: Seconds to wait for any read.
        total_timeout: Seconds one attempt may take in all (a slow drip is cut off).
        max_attempts: Attempts per URL, the first included.
        retry_base_delay: Upper bound of the first backoff, in seconds (then doubled).
        retry_max_delay: Upper bound of any backoff, in seconds.
        max_redirects: Redirects followed per attempt.
        allow_loopback: Allow loopback addresses: for tests against a local CDN only.
        resolver: The DNS resolver to guard (aiohttp's default if ``None``).
        user_agent: The ``User-Agent`` header sent.
        spool_memory_bytes: Bytes of a download kept in memory before it spills to a
            temporary file (bounds memory per concurrent download).

    Attributes:
        guard: The connect-time address check, with counts of sockets opened and
            addresses refused (for metrics and tests).
    """

    def __init__(
        self,
        store: ObjectStore,
        *,
        max_image_bytes: int = 20 * MiB,
        max_video_bytes: int = 500 * MiB,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        total_timeout: float = 900.0,
        max_attempts: int = 4,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 10.0,
        max_redirects: int = 5,
        allow_loopback: bool = False,
        resolver: AbstractResolver | None = None,
        user_agent: str = "MagicMango-MediaArchiver/1.0",
        spool_memory_bytes: int = 8 * MiB,
    ) -> None:
        self.store = store
        self.max_bytes: dict[MediaKind, int] = {"image": max_image_bytes, "video": max_video_bytes}
        self.total_timeout = total_timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.max_redirects = max_redirects
        self.guard = AddressGuard(allow_loopback=allow_loopback)
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        self._resolver = resolver
        self._headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
        self._spool_memory_bytes = spool_memory_bytes
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, store: ObjectStore, settings: MediaSettings) -> Self:
        """Return a fetcher configured by ``MANGO_MEDIA_*`` settings."""
        return cls(
            store,
            max_image_bytes=settings.media_max_image_bytes,
            max_video_bytes=settings.media_max_video_bytes,
            connect_timeout=settings.media_connect_timeout,
            read_timeout=settings.media_read_timeout,
            total_timeout=settings.media_total_timeout,
            max_attempts=settings.media_max_attempts,
            allow_loopback=settings.media_allow_loopback,
        )

    async def __aenter__(self) -> Self:
        resolver = GuardedResolver(self._resolver or aiohttp.DefaultResolver(), self.guard)
        connector = aiohttp.TCPConnector(
            resolver=resolver, socket_factory=self.guard.socket_factory, limit_per_host=8
        )
        # trust_env=False: an HTTP(S)_PROXY would connect for us, past the address check.
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            headers=self._headers,
            auto_decompress=False,
            trust_env=False,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open HTTP session.

        Raises:
            RuntimeError: The fetcher is not open (use ``async with``).
        """
        if self._session is None:
            raise RuntimeError("MediaFetcher is not open; use `async with MediaFetcher(...)`")
        return self._session

    async def fetch(
        self, url: str, *, fallback_url: str | None = None, kind: MediaKind
    ) -> FetchedMedia:
        """Download ``url`` (else ``fallback_url``) and store it under its content hash.

        Args:
            url: The media URL (an HD video, an original image).
            fallback_url: Tried when ``url`` fails in any way (an SD video).
            kind: ``"image"`` or ``"video"``: picks the size cap and the accepted types.

        Returns:
            What was stored, and whether it was stored already.

        Raises:
            MediaExpired: 403/404/410 (for both URLs, when there is a fallback).
            MediaRefused: Refused for good (SSRF, scheme, type, size, redirects).
            MediaRetryable: Still failing after every attempt; when either URL failed
                this way it wins over the other's error, since a later try may succeed.
        """
        try:
            return await self._fetch_url(url, kind)
        except MediaError as primary:
            if fallback_url is None:
                raise
            log.info("media.fallback", url=display_url(url), reason=str(primary))
            try:
                return await self._fetch_url(fallback_url, kind)
            except MediaError as fallback:
                chosen = fallback if isinstance(fallback, MediaRetryable) else primary
                other = primary if chosen is fallback else fallback
                chosen.add_note(f"the other URL failed too: {other}")
                raise chosen from None

    async def _fetch_url(self, url: str, kind: MediaKind) -> FetchedMedia:
        spool, content_type = await self._download_with_retries(url, kind)
        try:
            content_hash = spool.hexdigest
            key = object_key(content_hash, content_type)
            deduplicated = await self.store.exists(key)
            if not deduplicated:
                data = spool.in_memory()
                await self.store.put(
                    key,
                    spool.chunks() if data is None else data,
                    content_type=content_type,
                    size=spool.size,
                )
        finally:
            await spool.close()
        log.info(
            "media.fetched",
            url=display_url(url),
            key=key,
            size=spool.size,
            deduplicated=deduplicated,
        )
        return FetchedMedia(
            content_hash=content_hash,
            size=spool.size,
            content_type=content_type,
            object_key=key,
            source_url=url,
            deduplicated=deduplicated,
        )

    async def _download_with_retries(self, url: str, kind: MediaKind) -> tuple[Spool, str]:
        for attempt in range(1, self.max_attempts + 1):
            spool = Spool(memory_limit=self._spool_memory_bytes)
            try:
                content_type = await self._download(url, kind, spool)
            except _TransientError as exc:
                await spool.close()
                if attempt == self.max_attempts:
                    raise MediaRetryable(
                        f"media download still failing after {attempt} attempts: {exc}", url=url
                    ) from exc
                cap = min(self.retry_max_delay, self.retry_base_delay * 2 ** (attempt - 1))
                delay = random.uniform(0, cap)  # full jitter spreads retries of many workers
                log.info(
                    "media.retry",
                    url=display_url(url),
                    attempt=attempt,
                    reason=str(exc),
                    delay=round(delay, 3),
                )
                await asyncio.sleep(delay)
            except BaseException:
                await spool.close()
                raise
            else:
                return spool, content_type
        raise AssertionError("unreachable")  # pragma: no cover

    async def _download(self, url: str, kind: MediaKind, spool: Spool) -> str:
        """One attempt: follow redirects, check, and stream the body into ``spool``."""
        current = self._checked_url(url, url)
        try:
            async with asyncio.timeout(self.total_timeout):
                for _hop in range(self.max_redirects + 1):
                    async with self.session.get(current, allow_redirects=False) as response:
                        if response.status not in _REDIRECTS:
                            return await self._receive(url, response, kind, spool)
                        location = response.headers.get("Location")
                        if not location:
                            raise MediaRefused("redirect without a Location header", url=url)
                        current = self._checked_url(url, str(response.url.join(URL(location))))
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, AddressRefusedError):
                raise MediaRefused(f"{exc.os_error} (SSRF protection)", url=url) from None
            raise _TransientError(f"cannot connect: {exc}") from exc
        except aiohttp.ClientResponseError as exc:
            # Raised by aiohttp's parser (we never call raise_for_status): the server broke
            # HTTP, e.g. sent bytes past its Content-Length. Permanent, not a blip.
            first_line = exc.message.splitlines()[0] if exc.message else ""
            raise MediaRefused(
                f"malformed HTTP response ({first_line}); more bytes than announced?", url=url
            ) from None
        except aiohttp.InvalidURL as exc:
            raise MediaRefused(f"invalid URL: {exc}", url=url) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _TransientError(f"{type(exc).__name__}: {exc}") from exc
        raise MediaRefused(f"more than {self.max_redirects} redirects", url=url)

    def _checked_url(self, url: str, target: str) -> URL:
        """Return ``target`` parsed, or refuse it: the checks that need no connection.

        Addresses are checked at connect time only (:mod:`actors.media.ssrf`), IP literals
        included, so that there is one check and it sees the address actually used.
        """
        try:
            parsed = URL(target)
        except ValueError as exc:
            raise MediaRefused(f"invalid URL: {exc}", url=url) from None
        if parsed.scheme not in ("http", "https"):
            raise MediaRefused(f"scheme {parsed.scheme!r} refused: only http(s)", url=url)
        host = parsed.host
        if not host:
            raise MediaRefused("URL without a host", url=url)
        if parsed.user is not None:
            raise MediaRefused("URL with credentials refused", url=url)
        if is_legacy_ipv4_literal(host):
            raise MediaRefused(f"numeric host {host!r} refused: use a dotted quad", url=url)
        return parsed

    async def _receive(
        self, url: str, response: aiohttp.ClientResponse, kind: MediaKind, spool: Spool
    ) -> str:
        """Check the response and stream its body into ``spool``; return the media type."""
        status = response.status
        if status in _EXPIRED:
            raise MediaExpired(
                f"the CDN answered {status}: URL expired or gone", url=url, status=status
            )
        if status in (408, 429) or status >= 500:
            raise _TransientError(f"the CDN answered {status}")
        if status != 200:
            raise MediaRefused(f"unexpected HTTP status {status}", url=url)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise MediaRefused(f"Content-Encoding {encoding!r} refused: identity only", url=url)
        content_type = accepted_media_type(url, response.content_type.lower(), kind, None)
        cap = self.max_bytes[kind]
        declared = response.content_length
        if declared is not None and declared > cap:
            raise MediaRefused(f"{kind} of {declared} bytes is over the {cap}-byte cap", url=url)
        head = b""
        async for chunk in response.content.iter_chunked(_CHUNK):
            if spool.size + len(chunk) > cap:
                raise MediaRefused(f"{kind} is over the {cap}-byte cap; cut off", url=url)
            if declared is not None and spool.size + len(chunk) > declared:
                raise MediaRefused(f"more bytes than the announced {declared}; cut off", url=url)
            if len(head) < _SNIFF_BYTES:
                head += chunk[: _SNIFF_BYTES - len(head)]
            await spool.write(chunk)
        if spool.size == 0:
            raise MediaRefused("empty body", url=url)
        return accepted_media_type(url, content_type, kind, head)
