"""The Ads API gateway actor: ``POST /v1/creatives``, ``GET /v1/whoami``, ``/openapi.json``.

Each request is authenticated (bearer API token), rate limited per token, validated with
the msgspec types of :mod:`actors.ads.messages`, handed through the gateway's
:class:`~gateways.ads_api.collector.IntakeCollector` (one ask per batch of requests) to the
:class:`~gateways.ads_api.batcher.IntakeBatcher` (which packs the creatives of concurrent
requests into shared messages), and answered 202 only once the queue has accepted the
message(s) holding its creatives. When the queue cannot take them within
``publish_timeout`` the answer is 503 with ``Retry-After``: the client sends again, and the
consumer stores each creative once even if a message it was told had failed did reach the
queue after all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiohttp import hdrs, web

from gateways.ads_api.auth import Principal, TokenAuthenticator
from gateways.ads_api.collector import IntakeCollector
from gateways.ads_api.cors import cors_middleware
from gateways.ads_api.intake import (
    BoardList,
    BoardSummary,
    CreativesAccepted,
    WhoAmI,
    dedupe,
    new_intake,
    parse_creatives,
)
from gateways.ads_api.operations import ads_api_document
from gateways.ads_api.ratelimit import TokenBucketLimiter
from mango import (
    ActorDeadError,
    ActorRef,
    AskTimeout,
    MessageTooLargeError,
    PublishError,
    QueueUnavailableError,
    cancel_and_wait,
)
from mango.http import HttpGateway, ProblemError, json_response, request_id
from mango.http.openapi import openapi_route

__all__ = ["AdsApi"]

_QUEUE_RETRY_AFTER_SECONDS = "5"
_UNAVAILABLE = (QueueUnavailableError, PublishError, AskTimeout, ActorDeadError)


class AdsApi(HttpGateway):
    """The Ads API.

    Args:
        authenticator: Checks bearer tokens.
        intake: The :class:`~gateways.ads_api.batcher.IntakeBatcher` (asked with an
            ``IntakeBatch``; answers once the queue holds the requests' creatives).
        limiter: Per-token rate limit.
        max_message_bytes: The queue's body limit (a creative larger alone is a 413).
        publish_timeout: Seconds to wait for the queue before answering 503.
        cors_origins: Origins allowed to call from web pages (none by default).
        list_boards: Reads a user's boards (id, name) for ``GET /v1/boards``.
        intake_linger: Seconds a request waits for others to share its batch.
        intake_max_requests: Most requests handed to the batcher in one ask.
        **options: ``HttpGateway`` options (host, port, max_body_size...).
    """

    def __init__(
        self,
        *,
        authenticator: TokenAuthenticator,
        intake: ActorRef[Any],
        limiter: TokenBucketLimiter,
        max_message_bytes: int,
        publish_timeout: float = 10.0,
        cors_origins: Sequence[str] = (),
        list_boards: Callable[[str], Awaitable[list[BoardSummary]]] | None = None,
        intake_linger: float = 0.005,
        intake_max_requests: int = 256,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.authenticator = authenticator
        self.intake = intake
        self.limiter = limiter
        self.max_message_bytes = max_message_bytes
        self.publish_timeout = publish_timeout
        self.cors_origins = tuple(cors_origins)
        self.list_boards = list_boards
        self.collector = IntakeCollector(
            intake, linger=intake_linger, max_requests=intake_max_requests, timeout=publish_timeout
        )
        self._flusher: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        """Serve, and start the intake collector's flusher."""
        await super().on_start()
        self._flusher = self.runtime.start_task(
            self.collector.run(), name=f"{self.ref.name}:intake-flusher"
        )

    async def on_stop(self) -> None:
        """Let in-flight requests finish (their batches still flush), then stop flushing."""
        try:
            await super().on_stop()
        finally:
            await cancel_and_wait(self._flusher)
            self._flusher = None
            self.collector.close()

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        """The API's routes and its OpenAPI document."""
        return [
            web.post("/v1/creatives", self.collect_creatives),
            web.get("/v1/whoami", self.whoami),
            web.get("/v1/boards", self.boards),
            openapi_route(ads_api_document()),
        ]

    def direct_routes(self) -> Iterable[tuple[str, str]]:
        """``POST /v1/creatives`` skips the router: it is nearly every request."""
        return [("POST", "/v1/creatives")]

    def setup_app(self, app: web.Application) -> None:
        """Add CORS answers when origins are configured."""
        if self.cors_origins:
            app.middlewares.append(cors_middleware(self.cors_origins))

    async def collect_creatives(self, request: web.Request) -> web.Response:
        """``POST /v1/creatives``: queue one creative or a batch; 202 with the accepted ids."""
        # The hot path: no coroutine layer for a cached token or for the queue's answer.
        authorization = request.headers.get(hdrs.AUTHORIZATION)
        principal = self.authenticator.authenticate_cached(authorization)
        if principal is None:
            principal = await self.authenticator.authenticate(authorization)
        self._limit(principal)
        declared_type = request.headers.get(hdrs.CONTENT_TYPE)
        # The extension's exact header needs no parsing; anything else is parsed as before.
        if declared_type and declared_type != "application/json":
            content_type = request.content_type
            if not _is_json(content_type):
                raise ProblemError(
                    415,
                    detail=f"expected application/json, got {content_type[:100]!r}",
                    type="urn:mango:problem:unsupported-media-type",
                )
        body = self._arrived_body(request)
        if body is None:
            body = await request.read()
        creatives, duplicates = dedupe(parse_creatives(body))
        intake = new_intake(
            creatives,
            user_id=principal.user_id,
            request_id=request_id(request),
            max_body_bytes=self.max_message_bytes,
        )
        try:
            await self.collector.submit(intake)
        except _UNAVAILABLE as exc:
            raise self._queue_unavailable(exc) from None
        except MessageTooLargeError as exc:
            raise ProblemError(413, detail=str(exc), type="urn:mango:problem:too-large") from None
        accepted = CreativesAccepted(
            accepted=[creative.library_id for creative in creatives], duplicates=duplicates
        )
        return json_response(accepted, status=202)

    async def whoami(self, request: web.Request) -> web.Response:
        """``GET /v1/whoami``: the token's user."""
        principal = await self._admit(request)
        return json_response(WhoAmI(user_id=principal.user_id, email=principal.email))

    async def boards(self, request: web.Request) -> web.Response:
        """``GET /v1/boards``: the token's boards, for the extension's board picker.

        The extension holds only this API's origin, so the picker reads boards here
        rather than from the Backend API.
        """
        principal = await self._admit(request)
        boards = await self.list_boards(principal.user_id) if self.list_boards else []
        return json_response(BoardList(boards=boards))

    async def _admit(self, request: web.Request) -> Principal:
        principal = await self.authenticator.authenticate(request.headers.get("Authorization"))
        self._limit(principal)
        return principal

    def _limit(self, principal: Principal) -> None:
        wait = self.limiter.acquire(principal.token_id)
        if wait > 0:
            raise ProblemError(
                429,
                detail="too many requests with this API token; slow down",
                type="urn:mango:problem:rate-limited",
                headers={"Retry-After": self.limiter.retry_after(wait)},
            )

    def _arrived_body(self, request: web.Request) -> bytes | None:
        """The request body if it has all arrived (else ``None``: ``await request.read()``).

        The extension's bodies are small and come with the headers, so the stream is
        usually at its end already: taking what it holds spares ``request.read``'s loop and
        coroutine. The size limit still holds (for a compressed body too: the stream holds
        it decompressed).
        """
        content = request.content
        if not content.is_eof():
            return None
        body = content.read_nowait()
        if len(body) > self.max_body_size:
            raise web.HTTPRequestEntityTooLarge(max_size=self.max_body_size, actual_size=len(body))
        return body

    def _queue_unavailable(self, exc: Exception) -> ProblemError:
        self.log.warning("creatives.queue_unavailable", error=str(exc))
        return ProblemError(
            503,
            detail="the queue is unavailable; nothing was lost, send again later",
            type="urn:mango:problem:queue-unavailable",
            headers={"Retry-After": _QUEUE_RETRY_AFTER_SECONDS},
        )


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")
