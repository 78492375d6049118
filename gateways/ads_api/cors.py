"""Minimal CORS for configured origins: preflight answers and ``Access-Control-*`` headers.

Only installed when ``MANGO_ADS_API_CORS_ORIGINS`` lists origins; the browser extension
does not need it (its service worker holds host permissions for the API).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mango.http import ProblemError

__all__ = ["cors_middleware"]

_ALLOWED_METHODS = "GET, POST, OPTIONS"
_ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id"
_EXPOSED_HEADERS = "Retry-After, X-Request-Id"
_PREFLIGHT_MAX_AGE = "600"


def cors_middleware(origins: Iterable[str]) -> Middleware:
    """Build a middleware allowing exactly ``origins`` (``"*"`` allows any origin)."""
    allowed = frozenset(origin.rstrip("/") for origin in origins)

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or not ("*" in allowed or origin in allowed):
            return await handler(request)
        headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            headers.update(
                {
                    "Access-Control-Allow-Methods": _ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": _ALLOWED_HEADERS,
                    "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE,
                }
            )
            return web.Response(status=204, headers=headers)
        headers["Access-Control-Expose-Headers"] = _EXPOSED_HEADERS
        try:
            response = await handler(request)
        except ProblemError as problem:  # rendered by the gateway's outer middleware
            problem.headers.update(headers)
            raise
        except web.HTTPException as exc:
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    return cors
