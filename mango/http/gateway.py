"""The HTTP gateway actor: an aiohttp application, its runner and its listening site.

Subclass :class:`HttpGateway` and return route definitions from :meth:`~HttpGateway.routes`::

    class AdsApi(HttpGateway):
        def routes(self) -> list[web.AbstractRouteDef]:
            return [web.post("/v1/creatives", self.collect)]

        async def on_start(self) -> None:
            await super().on_start()
            self.readiness.add_check("queue:mango-ads", self.ping_queue, timeout=2.0)

        async def collect(self, request: web.Request) -> web.Response:
            batch = await decode_body(request, CreativeBatch)
            ...
            return json_response(accepted, status=202)

    ref = await runtime.spawn(lambda: AdsApi(port=8080), name="ads-api")

Every gateway also serves ``/healthz``, ``/readyz`` and ``/metrics`` (see
:mod:`mango.http.health` and :mod:`mango.metrics`), and wraps every request with the
request pipeline of :mod:`mango.http.middleware`.

Direct routes: a gateway may name a few hot routes in :meth:`HttpGateway.direct_routes`.
The aiohttp server then hands a request for one of them straight to the pipeline and the
route's handler, without resolving the URL, building the middleware chain or the
application's per-request bookkeeping: the same answers, logs and metrics, a few
microseconds less per request. Anything else (another path or method, a query string, an
``Expect`` header) goes through the application as usual.

Shutdown: the runtime's ``on_stopping`` hook makes ``/readyz`` answer 503 first (and waits
``drain_delay`` so a load balancer notices); then, when the runtime stops the actor,
``on_stop`` closes the listening socket and lets in-flight requests finish within
``shutdown_timeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import NamedTuple, cast

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from mango.actor import Actor
from mango.http.health import Liveness, Readiness
from mango.http.health import liveness as process_liveness
from mango.http.health import readiness as process_readiness
from mango.http.middleware import RequestPipeline
from mango.http.problems import json_response
from mango.metrics import CONTENT_TYPE, Metrics
from mango.metrics import metrics as process_metrics
from mango.runtime import cancel_and_wait

__all__ = ["DEFAULT_MAX_BODY_SIZE", "HttpGateway"]

DEFAULT_MAX_BODY_SIZE = 1024 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


class HttpGateway(Actor):
    """Base class of HTTP gateway actors.

    Args:
        host: Interface to listen on; all interfaces by default (a container must accept
            the load balancer's connections).
        port: TCP port; 0 picks a free one (read it from :attr:`port` after start).
        max_body_size: Largest accepted request body in bytes; larger ones get 413.
        shutdown_timeout: Seconds in-flight requests get to finish at shutdown.
        drain_delay: Seconds to keep serving (with ``/readyz`` at 503) once shutdown has
            begun, so a load balancer stops routing here before the socket closes.
        loop_max_silence: Seconds the event loop may go without running the gateway's
            heartbeat task before ``/healthz`` reports it stuck.
        metrics: Metrics to record and serve; the process-wide ones by default.
        liveness: Probes checked by ``/healthz``; the process-wide registry by default.
        readiness: Checks run by ``/readyz``; the process-wide registry by default.
    """

    def __init__(
        self,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - see the docstring
        port: int = 8080,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        shutdown_timeout: float = 10.0,
        drain_delay: float = 0.0,
        loop_max_silence: float = 10.0,
        metrics: Metrics | None = None,
        liveness: Liveness | None = None,
        readiness: Readiness | None = None,
    ) -> None:
        if max_body_size < 1:
            raise ValueError("max_body_size must be at least 1 byte")
        self.host = host
        self.requested_port = port
        self.max_body_size = max_body_size
        self.shutdown_timeout = shutdown_timeout
        self.drain_delay = drain_delay
        self.loop_max_silence = loop_max_silence
        self.metrics = metrics if metrics is not None else process_metrics
        self.liveness = liveness if liveness is not None else process_liveness
        self.readiness = readiness if readiness is not None else process_readiness
        self._app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._draining = False
        self._stopped = False

    # -- hooks for subclasses -------------------------------------------------------------

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        """Return the gateway's own routes (``web.get(...)``, ``web.post(...)``...)."""
        return []

    def setup_app(self, app: web.Application) -> None:
        """Adjust the application before it starts (sub-applications, signals...)."""

    def direct_routes(self) -> Iterable[tuple[str, str]]:
        """Return the ``(method, path)`` of hot routes to serve without the router.

        Each must be a plain (parameterless) route of :meth:`routes`; its handler gets the
        request without ``match_info`` (so without ``request.app``). They are served the
        usual way when :meth:`setup_app` added middleware or ``on_response_prepare``
        signals, which must see every request.
        """
        return ()

    # -- state ----------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application (available from ``on_start`` on)."""
        if self._app is None:
            raise RuntimeError("gateway is not started yet")
        return self._app

    @property
    def port(self) -> int:
        """The bound TCP port (the real one when started with ``port=0``)."""
        if self._port is None:
            raise RuntimeError("gateway is not listening yet")
        return self._port

    @property
    def url(self) -> str:
        """Base URL to reach the gateway from this host, e.g. ``http://127.0.0.1:8080``."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def ready(self) -> bool:
        """Whether the gateway accepts traffic, before running readiness checks."""
        return not (self._draining or self._stopped or self.runtime.stopping)

    @property
    def _loop_probe(self) -> str:
        return f"event-loop:{self.ref.name}"

    # -- lifecycle ------------------------------------------------------------------------

    async def on_start(self) -> None:
        """Build the application, bind the socket and start serving."""
        self.metrics.watch_runtime(self.runtime)
        pipeline = RequestPipeline(max_body_size=self.max_body_size, metrics=self.metrics)
        app = web.Application(client_max_size=self.max_body_size, middlewares=[pipeline.middleware])
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        app.add_routes(self.routes())
        self.setup_app(app)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self.shutdown_timeout
        )
        await runner.setup()
        try:
            self._serve_direct_routes(runner, app, pipeline)
            site = web.TCPSite(runner, self.host, self.requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._app, self._runner = app, runner
        self._port = int(runner.addresses[0][1])
        self.liveness.register(self._loop_probe, max_silence=self.loop_max_silence)
        self._heartbeat = self.runtime.start_task(
            self._beat_while_running(), name=f"{self.ref.name}:loop-heartbeat"
        )
        self.runtime.on_stopping(self._start_draining)
        self.log.info("gateway.started", host=self.host, port=self._port)

    async def on_stop(self) -> None:
        """Close the socket, let in-flight requests finish, then free the application."""
        self._stopped = True
        self._draining = True
        await cancel_and_wait(self._heartbeat)
        self._heartbeat = None
        if self._ref is not None:
            self.liveness.unregister(self._loop_probe)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            self.log.info("gateway.stopped", port=self._port)

    def _serve_direct_routes(
        self, runner: web.AppRunner, app: web.Application, pipeline: RequestPipeline
    ) -> None:
        """Have the server hand :meth:`direct_routes` to the pipeline (before it listens).

        Raises:
            ValueError: A direct route is not a plain route of the application.
        """
        wanted = {(method.upper(), path) for method, path in self.direct_routes()}
        server = runner.server
        if not wanted or server is None:
            return
        if len(app.middlewares) != 1 or len(app.on_response_prepare) != 0:
            self.log.info("gateway.direct_routes_off", reason="setup_app added middleware")
            return
        routes: dict[str, dict[str, _DirectRoute]] = {}
        for route in app.router.routes():
            resource = route.resource
            key = (route.method, resource.canonical if resource is not None else "")
            if key in wanted and isinstance(resource, web.PlainResource):
                routes.setdefault(key[1], {})[key[0]] = _DirectRoute(route.handler, key[1])
                wanted.discard(key)
        if wanted:
            raise ValueError(f"direct routes {sorted(wanted)} are not plain routes of the app")
        server.request_handler = _direct_dispatch(routes, pipeline, server.request_handler)

    async def _start_draining(self) -> None:
        if self._stopped or self._draining:
            return  # an instance replaced by a restart, or already draining
        self._draining = True
        self.log.info("gateway.draining", drain_delay=self.drain_delay)
        if self.drain_delay > 0:
            await asyncio.sleep(self.drain_delay)

    async def _beat_while_running(self) -> None:
        interval = self.loop_max_silence / 5
        while True:
            self.liveness.beat(self._loop_probe)
            await asyncio.sleep(interval)

    # -- built-in endpoints ---------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        statuses = self.liveness.statuses()
        stuck = [status.name for status in statuses if not status.alive]
        if stuck:
            self.log.warning("health.stuck", probes=stuck)
        body: dict[str, object] = {
            "status": "stuck" if stuck else "alive",
            "stuck": stuck,
            "probes": statuses,
        }
        return json_response(body, status=503 if stuck else 200, headers=_NO_STORE)

    async def _readyz(self, request: web.Request) -> web.Response:
        if not self.ready:
            stopping = {"status": "stopping", "checks": []}
            return json_response(stopping, status=503, headers=_NO_STORE)
        results = await self.readiness.run_checks()
        ok = all(result.ok for result in results)
        body: dict[str, object] = {"status": "ready" if ok else "not ready", "checks": results}
        return json_response(body, status=200 if ok else 503, headers=_NO_STORE)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.render().encode("utf-8"),
            headers={"Content-Type": CONTENT_TYPE, **_NO_STORE},
        )


class _DirectRoute(NamedTuple):
    handler: Handler
    template: str


def _direct_dispatch(
    routes: Mapping[str, Mapping[str, _DirectRoute]],
    pipeline: RequestPipeline,
    application: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
) -> Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]:
    """Return the server's request handler: direct routes to the pipeline, others to the app.

    A plain function returning the awaitable, not a coroutine: one frame less per request.
    The raw path must equal the route's (no query string, no percent-encoding), and a
    request with ``Expect`` needs the application's expect handler.
    """
    serve = pipeline.serve

    def dispatch(request: web.BaseRequest) -> Awaitable[web.StreamResponse]:
        methods = routes.get(request.raw_path)
        if methods is not None:
            route = methods.get(request.method)
            if route is not None and hdrs.EXPECT not in request.headers:
                # The application's request factory makes web.Request objects.
                return serve(cast(web.Request, request), route.handler, route.template)
        return application(request)

    return dispatch
