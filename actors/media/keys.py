"""Object keys by content: ``media/sha256/ab/cd/<hash><ext>``, and their validation."""

from __future__ import annotations

import re

__all__ = [
    "extension_for",
    "object_key",
    "validate_key",
]

# Extensions for the types the Ads Library serves; any other type gets no extension (the
# content type is recorded beside the key, the extension is only a convenience).
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/heic": ".heic",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
}
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
MAX_KEY_LENGTH = 1024


def extension_for(content_type: str) -> str:
    """Return the file extension (with its dot) for a content type, or ``""``."""
    return _EXTENSIONS.get(content_type.split(";", 1)[0].strip().lower(), "")


def object_key(content_hash: str, content_type: str) -> str:
    """Return the key of a media file by content: ``media/sha256/ab/cd/<hash><ext>``.

    The two directory levels keep any one directory of a local store small.

    Args:
        content_hash: The lower-case hex SHA-256 of the bytes.
        content_type: The media type, which picks the extension.

    Raises:
        ValueError: ``content_hash`` is not a lower-case hex SHA-256.
    """
    if not _SHA256_HEX.fullmatch(content_hash):
        raise ValueError(f"not a lower-case hex SHA-256: {content_hash!r}")
    ext = extension_for(content_type)
    return f"media/sha256/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}{ext}"


def validate_key(key: str) -> str:
    """Check that ``key`` is a safe relative object key and return it.

    A key is ``/``-separated segments of letters, digits, ``.``, ``_`` and ``-``, each
    starting with a letter or digit: so no absolute paths, no ``..``, no empty segments, no
    backslashes and no hidden files (the local store's temporary files start with a dot).

    Raises:
        ValueError: The key is unsafe or longer than 1024 characters.
    """
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError(
            f"invalid object key {key!r}: use '/'-separated segments of letters, digits, "
            "'.', '_' and '-', each starting with a letter or digit"
        )
    return key
