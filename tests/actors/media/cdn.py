"""A local aiohttp server playing the media CDN, and a raw one that breaks HTTP on purpose."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.typedefs import Handler

MiB = 1 << 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(50_000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)
# A multi-megabyte "video": an ftyp box, then noise.
VIDEO = b"\x00\x00\x00\x18ftypmp42" + os.urandom(3 * MiB + 12345)
SD_VIDEO = b"\x00\x00\x00\x18ftypisom" + os.urandom(MiB)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cdn:
    """The CDN's routes; ``hits`` counts the requests each path received."""

    def __init__(self) -> None:
        self.hits: collections.Counter[str] = collections.Counter()
        self.stop = asyncio.Event()
        self.base_url = ""

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def app(self) -> web.Application:
        app = web.Application()
        app.middlewares.append(self._count)
        app.router.add_get("/img.jpg", self._bytes(JPEG, "image/jpeg"))
        app.router.add_get("/copy-of-img.jpg", self._bytes(JPEG, "image/jpeg"))
        app.router.add_get("/img.png", self._bytes(PNG, "image/png"))
        app.router.add_get("/video.mp4", self._bytes(VIDEO, "video/mp4"))
        app.router.add_get("/sd.mp4", self._bytes(SD_VIDEO, "video/mp4"))
        app.router.add_get("/octet.jpg", self._bytes(JPEG, "application/octet-stream"))
        app.router.add_get("/octet-junk", self._bytes(os.urandom(1000), "application/octet-stream"))
        app.router.add_get("/page.html", self._bytes(b"<html></html>", "text/html"))
        app.router.add_get("/logo.svg", self._bytes(b"<svg/>", "image/svg+xml"))
        app.router.add_get("/video-as-image", self._bytes(VIDEO, "video/mp4"))
        app.router.add_get("/gzip.jpg", self._gzip)
        app.router.add_get("/hang", self._hang)
        app.router.add_get("/hang-mid-body", self._hang_mid_body)
        app.router.add_get("/flaky/{name}", self._flaky)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/redirect/{n}", self._redirect)
        app.router.add_get("/redirect-to", self._redirect_to)
        app.router.add_get("/chunked/{size}", self._chunked)
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        return await handler(request)

    @staticmethod
    def _bytes(data: bytes, content_type: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return web.Response(body=data, headers={"Content-Type": content_type})

        return handle

    async def _gzip(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=JPEG, headers={"Content-Type": "image/jpeg", "Content-Encoding": "gzip"}
        )

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        await self.stop.wait()  # no headers until the server stops
        return web.Response(status=204)

    async def _hang_mid_body(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.content_length = len(JPEG)
        await response.prepare(request)
        await response.write(JPEG[:1000])
        await self.stop.wait()
        return response

    async def _flaky(self, request: web.Request) -> web.StreamResponse:
        """500 for the first two requests of each name, then the image."""
        if self.hits[request.path] <= 2:
            return web.Response(status=500, text="try again")
        return web.Response(body=JPEG, headers={"Content-Type": "image/jpeg"})

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=int(request.match_info["code"]), text="URL signature expired")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        location = "/img.jpg" if n == 0 else f"/redirect/{n - 1}"
        raise web.HTTPFound(location)

    async def _redirect_to(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.query["target"])

    async def _chunked(self, request: web.Request) -> web.StreamResponse:
        """A JPEG of ``size`` bytes sent chunked: no Content-Length to check up front."""
        size = int(request.match_info["size"])
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(JPEG[:16])
        sent = 16
        block = os.urandom(64 * 1024)
        while sent < size:
            piece = block[: size - sent]
            await response.write(piece)
            sent += len(piece)
        await response.write_eof()
        return response


@asynccontextmanager
async def run_cdn() -> AsyncIterator[Cdn]:
    cdn = Cdn()
    runner = web.AppRunner(cdn.app(), shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    cdn.base_url = f"http://127.0.0.1:{port}"
    try:
        yield cdn
    finally:
        cdn.stop.set()
        await runner.cleanup()


class LyingServer:
    """Raw HTTP: announces ``Content-Length: 1000`` and sends ``sent`` bytes of JPEG."""

    def __init__(self, sent: int) -> None:
        self.sent = sent
        self.connections = 0
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        head = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"
        writer.write(head + (JPEG * 2)[: self.sent])
        try:
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except ConnectionError:
            pass


@asynccontextmanager
async def run_lying_server(sent: int) -> AsyncIterator[LyingServer]:
    lying = LyingServer(sent)
    server = await asyncio.start_server(lying._handle, "127.0.0.1", 0, family=socket.AF_INET)
    port = server.sockets[0].getsockname()[1]
    lying.url = f"http://127.0.0.1:{port}/img.jpg"
    try:
        yield lying
    finally:
        server.close()
        await server.wait_closed()
