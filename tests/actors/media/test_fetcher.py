"""MediaFetcher against a local CDN: streaming, checks, retries, expiry, redirects, dedup."""

from __future__ import annotations

import pytest

from actors.media import (
    LocalObjectStore,
    MediaExpired,
    MediaFetcher,
    MediaRefused,
    MediaRetryable,
    object_key,
)
from tests.actors.media.cdn import JPEG, SD_VIDEO, VIDEO, Cdn, run_lying_server, sha256

MiB = 1 << 20


async def test_image_is_stored_under_its_hash(
    cdn: Cdn, fetcher: MediaFetcher, local_store: LocalObjectStore
) -> None:
    """An image is streamed, hashed and stored under media/sha256/ab/cd/<hash>.jpg."""
    media = await fetcher.fetch(cdn.url("/img.jpg"), kind="image")

    assert media.content_hash == sha256(JPEG)
    assert media.size == len(JPEG)
    assert media.content_type == "image/jpeg"
    assert media.object_key == object_key(sha256(JPEG), "image/jpeg")
    assert media.object_key.startswith(f"media/sha256/{media.content_hash[:2]}/")
    assert media.object_key.endswith(".jpg")
    assert media.source_url == cdn.url("/img.jpg")
    assert not media.deduplicated
    assert await local_store.get(media.object_key) == JPEG


async def test_multi_megabyte_video_is_stored_whole(
    cdn: Cdn, fetcher: MediaFetcher, local_store: LocalObjectStore
) -> None:
    """A video larger than the in-memory spool goes through a temporary file intact."""
    media = await fetcher.fetch(cdn.url("/video.mp4"), kind="video")

    assert media.size == len(VIDEO)
    assert media.content_hash == sha256(VIDEO)
    assert media.object_key.endswith(".mp4")
    assert await local_store.get(media.object_key) == VIDEO


async def test_same_bytes_from_another_url_are_deduplicated(
    cdn: Cdn, fetcher: MediaFetcher, local_store: LocalObjectStore
) -> None:
    """The same bytes saved from two URLs are stored once; the second fetch says so."""
    first = await fetcher.fetch(cdn.url("/img.jpg"), kind="image")
    second = await fetcher.fetch(cdn.url("/copy-of-img.jpg"), kind="image")

    assert second.object_key == first.object_key
    assert second.deduplicated
    files = [path for path in local_store.root.rglob("*") if path.is_file()]
    assert len(files) == 1


async def test_octet_stream_is_accepted_when_magic_bytes_are_media(
    cdn: Cdn, fetcher: MediaFetcher
) -> None:
    """application/octet-stream passes when the first bytes are a JPEG, recorded as such."""
    media = await fetcher.fetch(cdn.url("/octet.jpg"), kind="image")

    assert media.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/octet-junk", "image"),
        ("/page.html", "image"),
        ("/logo.svg", "image"),
        ("/video-as-image", "image"),
        ("/img.jpg", "video"),
    ],
)
async def test_wrong_content_type_is_refused(
    cdn: Cdn, fetcher: MediaFetcher, local_store: LocalObjectStore, path: str, kind: str
) -> None:
    """A body that is not the expected kind of media is refused and nothing is stored."""
    with pytest.raises(MediaRefused, match=r"content type|not a known"):
        await fetcher.fetch(cdn.url(path), kind=kind)  # type: ignore[arg-type]

    assert cdn.hits[path] == 1  # refused for good: not retried
    assert not local_store.root.exists() or not any(local_store.root.rglob("*.*"))


async def test_content_encoding_is_refused(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """A compressed body is refused: sizes and hashes must be of the bytes stored."""
    with pytest.raises(MediaRefused, match="Content-Encoding"):
        await fetcher.fetch(cdn.url("/gzip.jpg"), kind="image")


async def test_announced_size_over_cap_is_refused_before_reading(
    cdn: Cdn, local_store: LocalObjectStore
) -> None:
    """A Content-Length over the kind's cap is refused from the headers, not retried."""
    async with MediaFetcher(local_store, allow_loopback=True, max_video_bytes=MiB) as small:
        with pytest.raises(MediaRefused, match=f"video of {len(VIDEO)} bytes is over"):
            await small.fetch(cdn.url("/video.mp4"), kind="video")

    assert cdn.hits["/video.mp4"] == 1


async def test_chunked_body_over_cap_is_cut_off(
    cdn: Cdn, fetcher: MediaFetcher, local_store: LocalObjectStore
) -> None:
    """Without Content-Length the cap is enforced while streaming, and nothing is stored."""
    with pytest.raises(MediaRefused, match="cut off"):
        await fetcher.fetch(cdn.url(f"/chunked/{5 * MiB}"), kind="image")

    assert not any(path.is_file() for path in local_store.root.rglob("*"))


async def test_chunked_body_under_cap_is_stored(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """A chunked body within the cap is stored with its real size."""
    media = await fetcher.fetch(cdn.url("/chunked/300000"), kind="image")

    assert media.size == 300000


async def test_more_bytes_than_announced_are_refused(
    fetcher: MediaFetcher, local_store: LocalObjectStore
) -> None:
    """A server sending past its Content-Length is cut off there and refused for good.

    aiohttp stops the body at Content-Length and fails to parse the surplus as the next
    response; the fetcher reports that as a permanent refusal and stores nothing.
    """
    async with run_lying_server(sent=1500) as lying:
        with pytest.raises(MediaRefused, match="more bytes than announced"):
            await fetcher.fetch(lying.url, kind="image")

    assert lying.connections == 1
    assert not local_store.root.exists()


async def test_fewer_bytes_than_announced_is_retryable(fetcher: MediaFetcher) -> None:
    """A body cut short of its Content-Length is retried, then reported as retryable."""
    async with run_lying_server(sent=500) as lying:
        with pytest.raises(MediaRetryable, match="after 3 attempts"):
            await fetcher.fetch(lying.url, kind="image")

    assert lying.connections == 3


async def test_server_error_is_retried_until_success(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """Two 500s then a 200: the third attempt stores the image."""
    media = await fetcher.fetch(cdn.url("/flaky/a"), kind="image")

    assert media.content_hash == sha256(JPEG)
    assert cdn.hits["/flaky/a"] == 3


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_persistent_server_error_is_retryable(
    cdn: Cdn, fetcher: MediaFetcher, status: int
) -> None:
    """A status that keeps failing is tried max_attempts times, then MediaRetryable."""
    path = f"/status/{status}"
    with pytest.raises(MediaRetryable, match=f"answered {status}"):
        await fetcher.fetch(cdn.url(path), kind="image")

    assert cdn.hits[path] == 3


@pytest.mark.parametrize("path", ["/hang", "/hang-mid-body"])
async def test_hanging_response_times_out_and_is_retryable(
    cdn: Cdn, fetcher: MediaFetcher, path: str
) -> None:
    """A server that stops sending hits the read timeout on every attempt."""
    with pytest.raises(MediaRetryable):
        await fetcher.fetch(cdn.url(path), kind="image")

    assert cdn.hits[path] == 3


@pytest.mark.parametrize("status", [403, 404, 410])
async def test_expired_url_is_not_retried(cdn: Cdn, fetcher: MediaFetcher, status: int) -> None:
    """403/404/410 mean the signed URL expired: MediaExpired after one request."""
    path = f"/status/{status}"
    with pytest.raises(MediaExpired) as caught:
        await fetcher.fetch(cdn.url(path), kind="image")

    assert caught.value.status == status
    assert cdn.hits[path] == 1


async def test_other_client_error_is_refused(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """An unexpected 4xx is permanent: refused after one request."""
    with pytest.raises(MediaRefused, match="unexpected HTTP status 400"):
        await fetcher.fetch(cdn.url("/status/400"), kind="image")

    assert cdn.hits["/status/400"] == 1


async def test_fallback_is_used_when_primary_expired(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """An expired HD URL falls back to the SD URL, which is reported as the source."""
    media = await fetcher.fetch(
        cdn.url("/status/403"), fallback_url=cdn.url("/sd.mp4"), kind="video"
    )

    assert media.content_hash == sha256(SD_VIDEO)
    assert media.source_url == cdn.url("/sd.mp4")


async def test_both_expired_raises_primary_error(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """When both URLs are dead the primary's MediaExpired is raised."""
    with pytest.raises(MediaExpired) as caught:
        await fetcher.fetch(
            cdn.url("/status/410"), fallback_url=cdn.url("/status/404"), kind="video"
        )

    assert caught.value.status == 410


async def test_retryable_wins_over_expired(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """A fallback failing with 5xx makes the whole fetch retryable later."""
    with pytest.raises(MediaRetryable):
        await fetcher.fetch(
            cdn.url("/status/404"), fallback_url=cdn.url("/status/503"), kind="video"
        )


async def test_redirect_chain_is_followed(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """Five redirects (4, 3, 2, 1, 0) are followed; the source URL stays the one asked for."""
    media = await fetcher.fetch(cdn.url("/redirect/4"), kind="image")

    assert media.content_hash == sha256(JPEG)
    assert media.source_url == cdn.url("/redirect/4")


async def test_too_many_redirects_are_refused(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """A sixth redirect (5 ... 0) is refused, and the image at the end is never requested."""
    with pytest.raises(MediaRefused, match="more than 5 redirects"):
        await fetcher.fetch(cdn.url("/redirect/5"), kind="image")

    assert cdn.hits["/img.jpg"] == 0


async def test_redirect_to_other_scheme_is_refused(cdn: Cdn, fetcher: MediaFetcher) -> None:
    """A redirect to file:// is refused."""
    with pytest.raises(MediaRefused, match="scheme 'file'"):
        await fetcher.fetch(cdn.url("/redirect-to?target=file:///etc/passwd"), kind="image")
