"""One port for a laptop, routed like the production load balancer (and compose's proxy).

``/`` serves the landing page (``web/landing/out``), ``/downloads/`` the extension's zip,
``/app/`` the web app
(``web/app/dist``, unknown paths fall back to its ``index.html`` for client-side routing),
``/api/...`` is forwarded to the Backend API and ``/ads/...`` to the Ads API, each with the
prefix stripped. The web app then talks to its API on the same origin, so session cookies
and CSRF checks work exactly as in production.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import aiohttp
import msgspec
from aiohttp import web
from msgspec import Meta

from mango.http import HttpGateway

__all__ = ["WebFront", "WebSettings"]

# Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class WebSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the dev web front door (``MANGO_WEB_*``)."""

    port: Annotated[int, Meta(ge=0, le=65535)] = 8080
    """Port of the front door (``make run`` prints it)."""
    app_dir: str = "web/app/dist"
    """Built web app served under /app/."""
    landing_dir: str = "web/landing/out"
    """Built landing page served at /."""
    backend_api_url: str = "http://127.0.0.1:8082"
    """Where /api/... is forwarded."""
    ads_api_url: str = "http://127.0.0.1:8081"
    """Where /ads/... is forwarded."""
    extension_zip: str = "extension/magic-mango-extension.zip"
    """The extension's store zip, served at /downloads/magic-mango-extension.zip."""


class WebFront(HttpGateway):
    """Serves the front ends and forwards API calls, for ``mango dev``.

    Args:
        settings: Directories and upstream URLs.
        **options: Passed to :class:`~mango.http.HttpGateway` (host, limits, registries).
    """

    def __init__(self, *, settings: WebSettings, **options: object) -> None:
        super().__init__(port=settings.port, **options)  # type: ignore[arg-type]
        self.settings = settings
        self.app_root = Path(settings.app_dir).resolve()
        self.landing_root = Path(settings.landing_dir).resolve()
        self._client: aiohttp.ClientSession | None = None

    async def on_start(self) -> None:
        """Open the upstream client, then start serving."""
        self._client = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=120, connect=5), auto_decompress=False
        )
        await super().on_start()

    async def on_stop(self) -> None:
        """Stop serving, then close the upstream client."""
        await super().on_stop()
        if self._client is not None:
            await self._client.close()

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        """Proxies first, then the app, then the landing page as the catch-all."""
        return [
            web.route("*", "/api/{tail:.*}", self._to_backend),
            web.route("*", "/ads/{tail:.*}", self._to_ads),
            web.get("/downloads/magic-mango-extension.zip", self._extension_zip),
            web.get("/app", self._app_redirect),
            web.get("/app/{tail:.*}", self._web_app),
            web.get("/{tail:.*}", self._landing),
        ]

    async def _to_backend(self, request: web.Request) -> web.StreamResponse:
        return await self._forward(request, self.settings.backend_api_url)

    async def _to_ads(self, request: web.Request) -> web.StreamResponse:
        return await self._forward(request, self.settings.ads_api_url)

    async def _forward(self, request: web.Request, upstream: str) -> web.StreamResponse:
        assert self._client is not None
        url = f"{upstream.rstrip('/')}/{request.match_info['tail']}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["X-Forwarded-Prefix"] = "/" + request.path.split("/")[1]
        body = await request.read() if request.can_read_body else None
        try:
            upstream_response = await self._client.request(
                request.method,
                url,
                params=request.query,
                headers=headers,
                data=body,
                allow_redirects=False,
            )
        except aiohttp.ClientError as exc:
            raise web.HTTPBadGateway(text=f"upstream {upstream} unreachable: {exc}") from None
        async with upstream_response:
            response = web.StreamResponse(status=upstream_response.status)
            for key, value in upstream_response.headers.items():
                if key.lower() not in _HOP_BY_HOP:
                    response.headers.add(key, value)
            await response.prepare(request)
            async for chunk in upstream_response.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response

    async def _extension_zip(self, request: web.Request) -> web.StreamResponse:
        found = _existing(Path(self.settings.extension_zip))
        if found is None:
            raise web.HTTPNotFound(text="extension not built: run `make extension`")
        return web.FileResponse(
            found,
            headers={"Content-Disposition": 'attachment; filename="magic-mango-extension.zip"'},
        )

    async def _app_redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/app/")

    async def _web_app(self, request: web.Request) -> web.StreamResponse:
        found = _static_file(self.app_root, request.match_info["tail"])
        if found is None:  # client-side route: the app's shell handles it
            found = _static_file(self.app_root, "index.html")
        if found is None:
            raise web.HTTPNotFound(text="web app not built: run `make web`")
        return web.FileResponse(found)

    async def _landing(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        found = _static_file(self.landing_root, tail) or _static_file(
            self.landing_root, f"{tail}.html"
        )
        if found is None:
            raise web.HTTPNotFound(text="not found (is the landing page built? `make web`)")
        return web.FileResponse(found)


def _existing(path: Path) -> Path | None:
    """``path`` when it is a file (a quick stat; the event loop can afford it)."""
    return path if path.is_file() else None


def _static_file(root: Path, relative: str) -> Path | None:
    """The file ``relative`` under ``root`` (an index.html for folders), never outside it."""
    candidate = (root / relative.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None  # path traversal
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None
