"""A recording stand-in for the Ads API, for the extension's end-to-end tests.

It is a real aiohttp server on a free loopback port implementing the contract the
extension speaks (``GET /v1/whoami``, ``POST /v1/creatives``, ``GET /v1/boards``), and
decodes each request with msgspec types mirroring ``extension/src/payload.ts``, so a
payload the real API could not decode fails here too. It is replaced by the real Ads API
(``gateways/``) once that lands; the tests then keep only their assertions.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Literal

import msgspec
from aiohttp import web

TOKEN = "test-token"


class PageRef(msgspec.Struct, forbid_unknown_fields=True):
    """A Facebook page as the extension sends it."""

    id: str | None
    name: str | None
    profile_uri: str | None
    profile_picture_url: str | None
    like_count: int | None


class Card(msgspec.Struct, forbid_unknown_fields=True):
    """One card of a carousel, DCO or DPA ad."""

    body: str | None
    title: str | None
    caption: str | None
    link_url: str | None
    link_description: str | None
    cta_text: str | None
    cta_type: str | None
    image_url: str | None
    video_hd_url: str | None
    video_sd_url: str | None
    video_preview_url: str | None


class Media(msgspec.Struct, forbid_unknown_fields=True):
    """One asset to archive."""

    kind: Literal["image", "video"]
    url: str
    fallback_url: str | None
    poster_url: str | None
    card_index: int | None


class Creative(msgspec.Struct, forbid_unknown_fields=True):
    """One saved ad; every field is required, as the contract says every key is present."""

    source: Literal["facebook_ads_library"]
    library_id: str
    collation_id: str | None
    collation_count: int | None
    is_active: bool | None
    page: PageRef
    creator_page: PageRef | None
    branded_content: bool
    display_format: str | None
    platforms: list[str]
    start_date: int | None
    end_date: int | None
    total_active_time: int | None
    body: str | None
    title: str | None
    caption: str | None
    link_url: str | None
    link_description: str | None
    cta_text: str | None
    cta_type: str | None
    has_templates: bool
    cards: list[Card]
    media: list[Media]
    page_url: str | None
    captured_at: int
    board_id: str | None


class CreativesRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Body of ``POST /v1/creatives``."""

    creatives: list[Creative]


def problem(status: int, title: str, detail: str) -> web.Response:
    """An ``application/problem+json`` error, as the real API sends them."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/problem+json"
    )


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ApiStandIn:
    """The recording server; ``stop`` and ``start`` keep the same port."""

    boards: list[dict[str, str]] | None = None
    port: int = field(default_factory=free_port)
    received: list[Creative] = field(default_factory=list)
    batches: list[list[str]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received_ids(self) -> list[str]:
        return [c.library_id for c in self.received]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/whoami", self._whoami)
        app.router.add_post("/v1/creatives", self._creatives)
        app.router.add_get("/v1/boards", self._boards)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def _whoami(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "missing or unknown API token")
        return web.json_response({"user_id": "u-1", "email": "dev@example.com"})

    async def _boards(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "missing or unknown API token")
        if self.boards is None:
            return problem(404, "Not Found", "boards are served by the Backend API")
        return web.json_response({"boards": self.boards})

    async def _creatives(self, request: web.Request) -> web.Response:
        self.auth_headers.append(request.headers.get("Authorization"))
        if not self._authorized(request):
            return problem(401, "Unauthorized", "missing or unknown API token")
        try:
            body = msgspec.json.decode(await request.read(), type=CreativesRequest)
        except msgspec.ValidationError as error:
            return problem(400, "Bad Request", str(error))
        if not 1 <= len(body.creatives) <= 50:
            return problem(400, "Bad Request", "creatives: 1 to 50 items")
        self.received.extend(body.creatives)
        self.batches.append([c.library_id for c in body.creatives])
        accepted = [c.library_id for c in body.creatives]
        return web.json_response({"accepted": accepted}, status=202)
