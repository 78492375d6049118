"""The media archive's errors, rooted at :class:`MediaError` (a :class:`mango.MangoError`).

The Ads Consumer decides from the class alone what to do with a media file: store it
(success), mark it expired (:class:`MediaExpired`), give up for good
(:class:`MediaRefused`), or try again later (:class:`MediaRetryable`).
"""

from __future__ import annotations

from mango import MangoError

__all__ = [
    "MediaError",
    "MediaExpired",
    "MediaRefused",
    "MediaRetryable",
    "ObjectNotFoundError",
]


def display_url(url: str) -> str:
    """Return ``url`` without its query string and fragment, for messages and logs.

    Signed CDN URLs carry long signatures in the query: noise in a log, and of no use once
    they expire.
    """
    return url.split("?", 1)[0].split("#", 1)[0]


class MediaError(MangoError):
    """Raised for every error the media archive reports itself.

    Args:
        message: What went wrong and, where it helps, what to do.
        url: The media URL concerned, if any (kept whole; shown without its query).
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{message} ({display_url(url)})" if url else message)


class MediaExpired(MediaError, LookupError):  # noqa: N818 - the name the Ads Consumer uses
    """Raised when the CDN answers 403, 404 or 410: the signed URL expired or the file is gone.

    Not retried: the same URL will not come back. Ask the extension for a fresh URL.

    Args:
        message: What went wrong.
        url: The media URL.
        status: The HTTP status the CDN answered.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int) -> None:
        self.status = status
        super().__init__(message, url=url)


class MediaRefused(MediaError, ValueError):  # noqa: N818 - the name the Ads Consumer uses
    """Raised when a media URL or response is refused for good; retrying cannot help.

    Causes: a scheme other than http(s), an address that is not public (SSRF), too many
    redirects, a content type that is not the expected kind, a body over the size cap.
    """


class MediaRetryable(MediaError, ConnectionError):  # noqa: N818 - the name the Ads Consumer uses
    """Raised when the CDN kept failing (5xx, timeouts, connection errors) after every retry.

    The caller may try again later, e.g. by redelivering its message with a delay.
    """


class ObjectNotFoundError(MediaError, LookupError):
    """Raised when an object store holds no object under the requested key."""
