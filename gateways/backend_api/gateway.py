"""The Backend API gateway actor: accounts, tokens, library, boards, content tasks.

Handlers live in one module per group (:mod:`~gateways.backend_api.accounts`,
:mod:`~gateways.backend_api.library`, :mod:`~gateways.backend_api.boards`,
:mod:`~gateways.backend_api.tasks`); this actor wires them to the application, and maps
database failures to problems: text PostgreSQL cannot hold (a NUL character) is the
client's error (400), an unreachable database is 503 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]
from aiohttp import web
from aiohttp.typedefs import Handler

from gateways.backend_api.accounts import AccountHandlers
from gateways.backend_api.boards import BoardHandlers
from gateways.backend_api.common import Deps
from gateways.backend_api.library import LibraryHandlers
from gateways.backend_api.operations import backend_api_document
from gateways.backend_api.tasks import TaskHandlers
from mango.http import HttpGateway, ProblemError
from mango.http.openapi import openapi_route

__all__ = ["BackendApi"]

_UNAVAILABLE = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)


@web.middleware
async def database_problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 400 for text the database refuses and 503 when it cannot be reached."""
    try:
        return await handler(request)
    except asyncpg.DataError as exc:
        raise ProblemError(
            400,
            detail=f"the database cannot store this input: {type(exc).__name__}",
            type="urn:mango:problem:invalid-text",
        ) from None
    except _UNAVAILABLE as exc:
        if isinstance(exc, ConnectionResetError) and request.transport is None:
            raise  # the client went away; nothing to answer
        raise ProblemError(
            503,
            detail="the database is unavailable; retry later",
            headers={"Retry-After": "5"},
        ) from exc


class BackendApi(HttpGateway):
    """The Backend API.

    Args:
        deps: The handlers' dependencies (pool, settings, limiters, media store, relay).
        **options: ``HttpGateway`` options (host, port, max_body_size...).
    """

    def __init__(self, *, deps: Deps, **options: Any) -> None:
        super().__init__(**options)
        self.deps = deps
        self.groups = (
            AccountHandlers(deps),
            LibraryHandlers(deps),
            BoardHandlers(deps),
            TaskHandlers(deps),
        )

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        """Every group's routes and the OpenAPI document."""
        routes: list[web.AbstractRouteDef] = []
        for group in self.groups:
            routes += group.routes()
        routes.append(openapi_route(backend_api_document()))
        return routes

    def setup_app(self, app: web.Application) -> None:
        """Map database failures to problems."""
        app.middlewares.append(database_problems)
