"""API tokens: created once-shown, listed without secrets, revoked; read-only in the
Backend API; a revoked token stops working on the real Ads API within seconds."""

from __future__ import annotations

import asyncio
import time

from tests.gateways.conftest import running_ads_api


async def test_tokens_create_list_revoke(api):
    """The token is shown once; the list has ids, names and prefixes but no secrets;
    revoking removes it from the list; revoking again is 404."""
    client = await api.user()
    created = await client.call("POST", "/v1/tokens", {"name": "laptop"})
    assert created.status == 201
    token = created.body["token"]
    assert token.startswith("mm_")
    assert token.startswith(created.body["prefix"])
    listed = await client.call("GET", "/v1/tokens")
    assert listed.status == 200
    assert [t["id"] for t in listed.body["tokens"]] == [created.body["id"]]
    assert "token" not in listed.body["tokens"][0]
    assert token not in str(listed.body)
    assert (await client.call("POST", "/v1/tokens", {"name": "   "})).status == 400
    assert (await client.call("DELETE", f"/v1/tokens/{created.body['id']}")).status == 204
    assert (await client.call("GET", "/v1/tokens")).body["tokens"] == []
    assert (await client.call("DELETE", f"/v1/tokens/{created.body['id']}")).status == 404
    assert (await client.call("DELETE", "/v1/tokens/not-a-uuid")).status == 404


async def test_api_token_reads_boards_but_cannot_write(api):
    """An API token reads /v1/boards in the extension's shape and /v1/me, and gets 403
    on writes and on token management."""
    client = await api.user()
    await client.call("POST", "/v1/boards", {"name": "Hooks"})
    token = (await client.call("POST", "/v1/tokens", {"name": "ext"})).body["token"]
    extension = await api.client()
    extension.bearer = token
    boards = await extension.call("GET", "/v1/boards")
    assert boards.status == 200
    assert [(b["name"], isinstance(b["id"], str)) for b in boards.body["boards"]] == [
        ("Hooks", True)
    ]
    me = await extension.call("GET", "/v1/me")
    assert me.body["auth"] == "api_token"
    assert me.body["id"] == client.user_id
    assert (await extension.call("POST", "/v1/boards", {"name": "X"})).status == 403
    assert (await extension.call("GET", "/v1/tokens")).status == 403
    assert (await extension.call("POST", "/v1/tokens", {"name": "more"})).status == 403
    assert (await extension.call("POST", "/v1/auth/logout")).status == 403


async def test_revoked_token_stops_working_on_the_ads_api(
    api, monkeypatch, backend_database, moto_server
):
    """A token revoked through the Backend API is refused by the running Ads API (on the
    same database) within its cache time (1 s here; 5 s by default)."""
    client = await api.user()
    created = (await client.call("POST", "/v1/tokens", {"name": "ext"})).body
    async with running_ads_api(
        monkeypatch, backend_database, moto_server, auth_cache_seconds="1"
    ) as ads:
        headers = {"Authorization": f"Bearer {created['token']}"}
        async with ads.session.get(ads.url + "/v1/whoami", headers=headers) as response:
            assert response.status == 200
        assert (await client.call("DELETE", f"/v1/tokens/{created['id']}")).status == 204
        revoked_at = time.monotonic()
        while True:
            async with ads.session.get(ads.url + "/v1/whoami", headers=headers) as response:
                if response.status == 401:
                    break
                assert response.status == 200
            assert time.monotonic() - revoked_at < 5, "still accepted 5 s after revocation"
            await asyncio.sleep(0.2)
