"""The dev front door: static front ends, SPA fallback, traversal refused, APIs forwarded."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web

from gateways.web import WebFront, WebSettings
from mango import Runtime


async def _upstream() -> tuple[web.AppRunner, str]:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        response = web.json_response(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "body": body.decode(),
                "cookie": request.headers.get("Cookie"),
            },
            status=201,
        )
        response.set_cookie("session", "abc", httponly=True)
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def test_front_door_serves_front_ends_and_forwards_apis(tmp_path: Path) -> None:
    """/ is the landing page, /app/ the app with SPA fallback, /api/ and /ads/ are
    forwarded with the prefix stripped (method, query, body, cookies both ways)."""
    landing = tmp_path / "landing"
    app_dir = tmp_path / "app"
    (landing / "faq").mkdir(parents=True)
    app_dir.mkdir()
    (landing / "index.html").write_text("<h1>landing</h1>")
    (landing / "faq" / "index.html").write_text("<h1>faq</h1>")
    (app_dir / "index.html").write_text("<h1>app shell</h1>")
    (app_dir / "main.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("do not serve")
    (tmp_path / "ext.zip").write_bytes(b"PK\x03\x04zip")
    runner, upstream = await _upstream()
    settings = WebSettings(
        port=0,
        app_dir=str(app_dir),
        landing_dir=str(landing),
        backend_api_url=upstream,
        ads_api_url=upstream,
        extension_zip=str(tmp_path / "ext.zip"),
    )
    try:
        async with Runtime() as runtime:
            gateway = WebFront(settings=settings, host="127.0.0.1")
            await runtime.spawn(lambda: gateway)
            front = f"http://127.0.0.1:{gateway.port}"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{front}/") as response:
                    assert "landing" in await response.text()
                async with http.get(f"{front}/faq") as response:
                    assert "faq" in await response.text()
                async with http.get(f"{front}/app/library/123") as response:
                    assert "app shell" in await response.text()
                async with http.get(f"{front}/app/main.js") as response:
                    assert "console.log" in await response.text()
                for hostile in ("/..%2fsecret.txt", "/app/..%2f..%2fsecret.txt", "/%2e%2e/x.txt"):
                    async with http.get(f"{front}{hostile}") as response:
                        assert "do not serve" not in await response.text()
                async with http.post(
                    f"{front}/api/v1/auth/login?x=1",
                    data=b'{"email":"a"}',
                    headers={"Cookie": "mango_session=s1"},
                ) as response:
                    assert response.status == 201
                    echoed = await response.json()
                    assert "session=abc" in response.headers["Set-Cookie"]
                assert echoed["path"] == "/v1/auth/login"
                assert echoed["query"] == {"x": "1"}
                assert echoed["body"] == '{"email":"a"}'
                assert echoed["cookie"] == "mango_session=s1"
                async with http.get(f"{front}/ads/v1/whoami") as response:
                    assert (await response.json())["path"] == "/v1/whoami"
                async with http.get(f"{front}/downloads/magic-mango-extension.zip") as response:
                    assert await response.read() == b"PK\x03\x04zip"
                    assert "attachment" in response.headers["Content-Disposition"]
                async with http.get(f"{front}/healthz") as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
