"""Which content types are archived, and recognising media by its first bytes."""

from __future__ import annotations

from typing import Literal

from actors.media.errors import MediaRefused

__all__ = ["accepted_media_type", "sniff_media_type"]

# Types that say nothing about the bytes: accepted only when the magic bytes are media.
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
# SVG is an image/* type that carries scripts: never archive it to serve it later.
_REFUSED_TYPES = frozenset({"image/svg+xml"})


def accepted_media_type(
    url: str, content_type: str, kind: Literal["image", "video"], head: bytes | None
) -> str:
    """Return the media type to record for a response, or refuse it.

    ``image/*`` or ``video/*`` as ``kind`` says is accepted as declared (except SVG, which
    carries scripts); a generic ``application/octet-stream`` is accepted only when the
    first bytes are a known format of that kind, and the sniffed type is recorded.

    Args:
        url: The media URL, for the error.
        content_type: The declared type, lower-case, without parameters.
        kind: ``"image"`` or ``"video"``.
        head: The first bytes of the body; ``None`` when only the headers are in (a
            generic type then passes, to be sniffed once the bytes arrive).

    Raises:
        MediaRefused: The type is not media of ``kind``.
    """
    if content_type in _GENERIC_TYPES:
        if head is None:
            return content_type
        sniffed = sniff_media_type(head)
        if sniffed is not None and sniffed.startswith(f"{kind}/"):
            return sniffed
        raise MediaRefused(
            f"{content_type} body is not a known {kind} format (by its first bytes)", url=url
        )
    if content_type.startswith(f"{kind}/") and content_type not in _REFUSED_TYPES:
        return content_type
    raise MediaRefused(f"content type {content_type!r} refused: expected {kind}/*", url=url)


def sniff_media_type(head: bytes) -> str | None:
    """Recognise an image or video from its first bytes (at least 12 are needed).

    Only the formats the Ads Library serves are known: JPEG, PNG, GIF, WebP, MP4/QuickTime
    (an ``ftyp`` box) and WebM/Matroska (an EBML header).

    Returns:
        The media type, or ``None`` when the bytes are none of these.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None
