"""The gateway's request pipeline: request ids, body limit, problem answers, access log.

One :class:`RequestPipeline` wraps every request, including aiohttp's own 404/405/413
answers (as middleware) and the gateway's direct routes (called by the gateway's dispatch,
see :class:`~mango.http.gateway.HttpGateway`):

1. takes a sane incoming ``X-Request-Id`` or makes one, binds it in structlog's
   contextvars for the request, and echoes it in the response;
2. refuses a declared ``Content-Length`` over the limit with 413 before reading anything
   (chunked bodies are cut by aiohttp's ``client_max_size`` while reading);
3. turns :class:`ProblemError`, aiohttp's HTTP errors and unexpected exceptions into
   ``application/problem+json`` (500s are logged with their traceback, never sent);
4. logs one ``http.request`` line and records the HTTP metrics by route template.

It runs for every request, so it keeps its own cost down (a few microseconds): request ids
are 32 hex characters (a random per-process prefix and a counter: unique, no system call),
the request id is bound and reset through contextvars tokens, the metric children are
looked up once per (route, method, status), and a ``http.request`` line below the
configured level costs one level check.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mango.http.problems import ProblemError, problem_response
from mango.ids import IdSeries
from mango.metrics import Metrics

__all__ = ["REQUEST_ID_HEADER", "RequestPipeline", "make_gateway_middleware", "request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_KEY = web.RequestKey("mango_request_id", str)
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes arrive every few seconds: keep them out of the INFO log.
_KEPT_HEADERS = ("Allow", "Retry-After")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

log = structlog.get_logger("mango.http")
_stdlib_log = logging.getLogger("mango.http")


def request_id(request: web.Request) -> str:
    """Return the request id the gateway assigned to ``request``."""
    return request.get(_REQUEST_ID_KEY) or ""


def make_gateway_middleware(*, max_body_size: int, metrics: Metrics) -> Middleware:
    """Build the gateway's middleware.

    Args:
        max_body_size: Largest accepted request body in bytes.
        metrics: Where HTTP request counts and durations are recorded.
    """
    return RequestPipeline(max_body_size=max_body_size, metrics=metrics).middleware


class RequestPipeline:
    """What every request of a gateway goes through (see the module docstring).

    Used as aiohttp middleware (:attr:`middleware`) for routes the router resolves, and
    called directly (:meth:`serve`) for the gateway's direct routes, which skip the router
    and aiohttp's middleware chain: both answer, log and count a request alike.

    Args:
        max_body_size: Largest accepted request body in bytes.
        metrics: Where HTTP request counts and durations are recorded.
    """

    def __init__(self, *, max_body_size: int, metrics: Metrics) -> None:
        self.max_body_size = max_body_size
        self._record = _metric_recorder(metrics)

    @property
    def middleware(self) -> Middleware:
        """The pipeline as aiohttp middleware (the route template comes from the router)."""
        serve = self.serve

        @web.middleware
        def gateway_middleware(
            request: web.Request, handler: Handler
        ) -> Awaitable[web.StreamResponse]:
            # A plain function returning serve's coroutine: one frame less per request.
            return serve(request, handler, _route_template(request))

        return gateway_middleware

    async def serve(self, request: web.Request, handler: Handler, route: str) -> web.StreamResponse:
        """Answer ``request`` with ``handler``, as the pipeline does for every request.

        Args:
            request: The request.
            handler: The route's handler.
            route: The route template, for the metrics and the access log.
        """
        rid = _accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        request[_REQUEST_ID_KEY] = rid
        started = time.perf_counter()
        tokens = structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            # Inlined rather than a helper coroutine: one frame less on every request.
            try:
                declared = request.content_length
                if declared is not None and declared > self.max_body_size:
                    raise _too_large(self.max_body_size)
                response = await handler(request)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                response = _error_response(request, exc, self.max_body_size, rid)
            if not response.prepared:
                response.headers[REQUEST_ID_HEADER] = rid
            self._finish(request, route, response.status, time.perf_counter() - started)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        return response

    def _finish(self, request: web.Request, route: str, status: int, elapsed: float) -> None:
        """Count the request and write its ``http.request`` line."""
        method = request.method if request.method in _KNOWN_METHODS else "OTHER"
        self._record(route, method, status, elapsed)
        # The route, not the path: no URL parsing for the usual answer.
        quiet = status < 400 and route in _QUIET_PATHS
        level = logging.DEBUG if quiet else logging.INFO
        if _log_enabled(level):
            log.log(
                level,
                "http.request",
                method=method,
                path=request.path[:256],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 3),
            )


def _error_response(
    request: web.Request, exc: Exception, max_body_size: int, rid: str
) -> web.StreamResponse:
    """The answer to a handler's exception; called from the ``except`` clause."""
    if isinstance(exc, ProblemError):
        return problem_response(exc, request_id=rid)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return problem_response(_too_large(max_body_size), request_id=rid)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            return exc  # redirects and the like keep aiohttp's answer
        return problem_response(_from_http_exception(exc), request_id=rid)
    log.exception("http.handler_failed", method=request.method, path=request.path[:256])
    internal = ProblemError(
        500,
        detail="An unexpected error occurred; quote the request id when reporting it.",
    )
    return problem_response(internal, request_id=rid)


def _accept_request_id(incoming: str | None) -> str:
    if incoming is not None and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return _request_ids.next()


# Unique, not secret (clients may send their own): see mango.ids.
_request_ids = IdSeries()


def _metric_recorder(metrics: Metrics) -> Callable[[str, str, int, float], None]:
    """Return a function recording one request, with the metric children cached.

    The labels are bounded (route templates, known methods, status codes), so is the cache.
    """
    children: dict[tuple[str, str, int], tuple[Callable[[], None], Callable[[float], None]]]
    children = {}

    def record(route: str, method: str, status: int, elapsed: float) -> None:
        key = (route, method, status)
        found = children.get(key)
        if found is None:
            count = metrics.http_requests.labels(route, method, str(status))
            duration = metrics.http_request_duration.labels(route, method)
            found = children[key] = (count.inc, duration.observe)
        found[0]()
        found[1](elapsed)

    return record


def _log_enabled(level: int) -> bool:
    """Whether an event at ``level`` would be logged, checked before building it.

    ``mango.logs.configure_logging`` filters by the stdlib level first; any other
    configuration (``structlog.testing.capture_logs``, a host application's) sees every
    event, as without this check.
    """
    processors = structlog.get_config()["processors"]
    if processors and processors[0] is structlog.stdlib.filter_by_level:
        return _stdlib_log.isEnabledFor(level)
    return True


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        detail=f"the request body exceeds the limit of {limit} bytes",
        type="urn:mango:problem:body-too-large",
    )


def _from_http_exception(exc: web.HTTPException) -> ProblemError:
    default_text = f"{exc.status}: {exc.reason}"
    text = exc.text or ""
    detail = text if text and text != default_text else None
    headers = {
        name: value for name, value in exc.headers.items() if name in ("Allow", "Retry-After")
    }
    return ProblemError(exc.status, title=exc.reason, detail=detail, headers=headers)


def _route_template(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"
