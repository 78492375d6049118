"""Errors of content tasks: invalid requests, and generators failing."""

from __future__ import annotations

from mango import MangoError

__all__ = [
    "ContentTaskError",
    "CreativesNotFoundError",
    "GenerationError",
    "GenerationUnavailableError",
    "InvalidParametersError",
    "UnknownKindError",
]


class ContentTaskError(MangoError, ValueError):
    """Raised when a content task request is invalid; ``field`` names what was wrong.

    Args:
        message: What was wrong and what to do, for the user.
        field: The request field at fault (``"kind"``, ``"creative_ids"``,
            ``"parameters.count"``...), for a problem+json answer.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownKindError(ContentTaskError):
    """Raised when no generator is registered for a task's kind."""


class InvalidParametersError(ContentTaskError):
    """Raised when a task's parameters do not fit its kind's parameter type."""


class CreativesNotFoundError(ContentTaskError, LookupError):
    """Raised when a task names creatives that do not exist or the user did not save."""


class GenerationError(MangoError, RuntimeError):
    """Raised when a generator fails in a way that will not change on retry."""


class GenerationUnavailableError(MangoError, ConnectionError):
    """Raised when a generator's backend is unreachable or overloaded; try again later."""
