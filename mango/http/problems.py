"""``application/problem+json`` answers (RFC 9457) and msgspec request/response helpers.

Handlers raise :class:`ProblemError` (or let :func:`decode_body` raise it); the gateway's
middleware turns it, aiohttp's own HTTP errors and unexpected exceptions into problem
documents::

    {"type": "urn:mango:problem:validation", "title": "Invalid request body", "status": 400,
     "detail": "Expected `int`, got `str`", "field": "$.items[0].x",
     "errors": [{"path": "$.items[0].x", "message": "Expected `int`, got `str`"}],
     "request_id": "3f2a..."}
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, TypeVar, cast

import msgspec
from aiohttp import web

from mango.errors import MangoError

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "FieldError",
    "ProblemError",
    "decode_body",
    "json_response",
    "problem_response",
    "validation_problem",
]

T = TypeVar("T")

PROBLEM_CONTENT_TYPE = "application/problem+json"

# msgspec ends validation messages with " - at `$.path[0].x`".
_AT_PATH = re.compile(r"^(?P<message>.*?) - at `(?P<path>[^`]*)`$", re.DOTALL)
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<field>[^`]*)`")


class FieldError(msgspec.Struct, frozen=True):
    """One invalid field of a request body.

    Attributes:
        path: Where in the document, as a JSONPath like ``$.items[0].x`` (``$`` is the root).
        message: What was wrong.
    """

    path: str
    message: str


class ProblemError(MangoError):
    """Raised by handlers to answer with an ``application/problem+json`` error.

    Args:
        status: HTTP status code.
        title: Short summary of the kind of problem; defaults to the status's phrase.
        detail: What went wrong for this request (shown to the client: no secrets).
        type: A URI naming the kind of problem; ``about:blank`` by default.
        errors: Field-level errors, for validation problems.
        headers: Extra response headers, e.g. ``{"Retry-After": "5"}``.
    """

    def __init__(
        self,
        status: int,
        *,
        title: str | None = None,
        detail: str | None = None,
        type: str = "about:blank",  # the RFC 9457 member name
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail
        self.type = type
        self.errors = errors or []
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.title}" + (f": {detail}" if detail else ""))


def problem_response(
    problem: ProblemError, *, request_id: str | None = None, instance: str | None = None
) -> web.Response:
    """Render ``problem`` as an ``application/problem+json`` response."""
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if instance is not None:
        body["instance"] = instance
    if problem.errors:
        body["field"] = problem.errors[0].path
        body["errors"] = problem.errors
    if request_id is not None:
        body["request_id"] = request_id
    return web.Response(
        status=problem.status,
        body=msgspec.json.encode(body),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=problem.headers,
    )


def validation_problem(error: msgspec.ValidationError) -> ProblemError:
    """Turn a msgspec validation error into a 400 problem naming the failing field."""
    text = str(error)
    match = _AT_PATH.match(text)
    message, path = (match["message"], match["path"]) if match else (text, "$")
    missing = _MISSING_FIELD.match(message)
    if missing:
        path = f"{path}.{missing['field']}"
    return ProblemError(
        400,
        title="Invalid request body",
        detail=f"{message} at {path}",
        type="urn:mango:problem:validation",
        errors=[FieldError(path=path, message=message)],
    )


async def decode_body(request: web.Request, model: type[T]) -> T:
    """Read the request's JSON body and decode it into ``model`` in one pass.

    The body size is bounded by the application's ``client_max_size`` (413 beyond it).

    Raises:
        ProblemError: 415 for a non-JSON content type, 400 for malformed JSON (including
            invalid UTF-8 and excessive nesting) or for a body that does not match
            ``model`` (with the failing field's path).
    """
    content_type = request.content_type
    if request.headers.get("Content-Type") and not _is_json(content_type):
        raise ProblemError(
            415,
            detail=f"expected application/json, got {content_type[:100]!r}",
            type="urn:mango:problem:unsupported-media-type",
        )
    body = await request.read()
    try:
        return cast(T, _decoder(cast(Any, model)).decode(body))
    except msgspec.ValidationError as exc:
        raise validation_problem(exc) from exc
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        detail = "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
        if isinstance(exc, RecursionError):
            detail = "JSON is nested too deeply"
        raise ProblemError(
            400, title="Malformed JSON", detail=detail, type="urn:mango:problem:malformed-json"
        ) from exc


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Encode ``data`` (Structs, dicts, lists...) with msgspec into a JSON response."""
    return web.Response(
        status=status,
        body=msgspec.json.encode(data),
        content_type="application/json",
        headers=headers,
    )


@functools.lru_cache(maxsize=256)
def _decoder(model: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(model)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
