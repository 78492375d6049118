"""Errors of the library queries (boards, tags, notes, accounts)."""

from __future__ import annotations

from mango import MangoError

__all__ = ["ConflictError", "LibraryError", "NotFoundError"]


class LibraryError(MangoError):
    """Raised when a library operation cannot be carried out as asked."""


class NotFoundError(LibraryError, LookupError):
    """Raised when an id does not exist or belongs to another user (the same to callers)."""


class ConflictError(LibraryError, ValueError):
    """Raised when a write collides with existing data (an email or board name taken)."""
