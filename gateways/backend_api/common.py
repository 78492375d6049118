"""What every handler group of the Backend API shares: dependencies and small helpers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from actors.media import ObjectStore
from gateways.backend_api.auth import Authenticator, Caller
from gateways.backend_api.ratelimit import LoginLimiter
from gateways.backend_api.settings import BackendApiSettings
from mango import ActorRef
from mango.http import FieldError, ProblemError, validation_problem

__all__ = ["Deps", "bad_field", "not_found", "path_int", "path_uuid", "query_params"]

T = TypeVar("T")


@dataclass
class Deps:
    """The dependencies of the handlers.

    Attributes:
        pool: The database pool.
        settings: The Backend API's settings.
        auth: Resolves credentials.
        login_limiter: Failed log-ins per email and per client address (shared by replicas).
        store: The media object store.
        relay: The outbox relay, told after a commit that wrote outbox rows (optional).
    """

    pool: Any
    settings: BackendApiSettings
    auth: Authenticator
    login_limiter: LoginLimiter
    store: ObjectStore | None = None
    relay: ActorRef[Any] | None = None

    async def caller(self, request: web.Request, *, api_token: bool = False) -> Caller:
        """Authenticate ``request`` (``api_token``: whether an API token may be used)."""
        return await self.auth.authenticate(request, allow_api_token=api_token)


def not_found(what: str = "resource") -> ProblemError:
    """A 404 problem (also for another user's ids)."""
    return ProblemError(404, detail=f"no such {what}", type="urn:mango:problem:not-found")


def bad_field(path: str, message: str) -> ProblemError:
    """A 400 validation problem naming ``path``."""
    return ProblemError(
        400,
        title="Invalid request",
        detail=f"{message} at {path}",
        type="urn:mango:problem:validation",
        errors=[FieldError(path=path, message=message)],
    )


def path_uuid(request: web.Request, name: str, what: str) -> uuid.UUID:
    """The path parameter ``name`` as a UUID; anything else names nothing: 404."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise not_found(what) from None


def path_int(request: web.Request, name: str, what: str) -> int:
    """The path parameter ``name`` as a positive 63-bit integer, else 404."""
    text = request.match_info[name]
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise not_found(what)
    return int(text)


def query_params(request: web.Request, model: type[T]) -> T:
    """Decode the query string into ``model`` (strings converted to its field types).

    Raises:
        ProblemError: 400 naming the parameter, for a repeated or invalid parameter.
    """
    params: dict[str, str] = {}
    for key, value in request.query.items():
        if key in params:
            raise bad_field(f"$.{key}", "repeated query parameter")
        params[key] = value
    try:
        converted = msgspec.convert(params, model, strict=False)
    except msgspec.ValidationError as exc:
        raise validation_problem(exc) from exc
    for key in params:
        # Lax conversion reads "null" as None; a parameter given must carry a value.
        if getattr(converted, key, "") is None:
            raise bad_field(f"$.{key}", "not a valid value; leave the parameter out instead")
    return converted
