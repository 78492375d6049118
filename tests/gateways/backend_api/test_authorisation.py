"""The authorisation matrix: two users, every endpoint with an id; another user's ids
answer 404 and change nothing. And every endpoint refuses the anonymous."""

from __future__ import annotations

import hashlib

from gateways.backend_api import backend_api_document
from tests.gateways.backend_api.conftest import save_creative


async def test_no_cross_user_access(api):
    """Bob, signed in, gets 404 for each of Alice's creatives, media, boards, tokens and
    tasks, on every operation; Alice's data is unchanged afterwards."""
    alice, bob = await api.user(), await api.user()
    data = b"alice's image"
    key = f"media/{hashlib.sha256(data).hexdigest()}"
    (api.media_dir / "media").mkdir(parents=True, exist_ok=True)
    (api.media_dir / key).write_bytes(data)
    creative = await save_creative(
        api.pool,
        alice.user_id,
        media=[
            {"status": "stored", "object_key": key, "content_type": "image/png", "size_bytes": 13}
        ],
    )
    bob_creative = await save_creative(api.pool, bob.user_id)
    await alice.call("PUT", f"/v1/creatives/{creative}/note", {"note": "secret"})
    await alice.call("PUT", f"/v1/creatives/{creative}/tags", {"tags": ["mine"]})
    board = (await alice.call("POST", "/v1/boards", {"name": "Alice"})).body["id"]
    bob_board = (await bob.call("POST", "/v1/boards", {"name": "Bob"})).body["id"]
    await alice.call("POST", f"/v1/boards/{board}/creatives", {"creative_ids": [creative]})
    token = (await alice.call("POST", "/v1/tokens", {"name": "t"})).body["id"]
    task = (
        await alice.call("POST", "/v1/content-tasks", {"kind": "brief", "creative_ids": [creative]})
    ).body["id"]
    media = (await alice.call("GET", f"/v1/creatives/{creative}")).body["media"][0]["id"]

    attempts = [
        ("GET", f"/v1/creatives/{creative}", None),
        ("PUT", f"/v1/creatives/{creative}/note", {"note": "hacked"}),
        ("PUT", f"/v1/creatives/{creative}/tags", {"tags": ["hacked"]}),
        ("GET", f"/v1/media/{media}", None),
        ("PATCH", f"/v1/boards/{board}", {"name": "hacked"}),
        ("POST", f"/v1/boards/{board}/creatives", {"creative_ids": [bob_creative]}),
        ("POST", f"/v1/boards/{bob_board}/creatives", {"creative_ids": [creative]}),
        ("DELETE", f"/v1/boards/{board}/creatives/{creative}", None),
        ("DELETE", f"/v1/boards/{board}", None),
        ("DELETE", f"/v1/tokens/{token}", None),
        ("GET", f"/v1/content-tasks/{task}", None),
        ("POST", "/v1/content-tasks", {"kind": "brief", "creative_ids": [creative]}),
    ]
    for method, path, body in attempts:
        answer = await bob.call(method, path, body)
        assert answer.status == 404, (method, path, answer.status, answer.body)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    listed = await bob.call("GET", "/v1/creatives", params={"board_id": board})
    assert listed.status == 404
    assert [i["id"] for i in (await bob.call("GET", "/v1/creatives")).body["items"]] == [
        bob_creative
    ]
    assert (await bob.call("GET", "/v1/creatives", params={"tag": "mine"})).body["items"] == []
    assert [b["name"] for b in (await bob.call("GET", "/v1/boards")).body["boards"]] == ["Bob"]
    assert (await bob.call("GET", "/v1/tokens")).body["tokens"] == []
    assert (await bob.call("GET", "/v1/content-tasks")).body["tasks"] == []
    assert (await bob.call("GET", "/v1/tags")).body["tags"] == []

    detail = (await alice.call("GET", f"/v1/creatives/{creative}")).body
    assert detail["note"] == "secret"
    assert detail["tags"] == ["mine"]
    assert detail["boards"] == [{"id": board, "name": "Alice"}]
    assert len((await alice.call("GET", "/v1/tokens")).body["tokens"]) == 1
    assert (await alice.call("GET", f"/v1/media/{media}")).body == data


async def test_every_operation_needs_credentials(api):
    """Every documented operation but sign-up and log-in answers 401 without credentials."""
    anonymous = await api.client()
    document = backend_api_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not operation.get("security"):
                continue
            concrete = path.replace("{media_id}", "1")
            for name in ("creative_id", "board_id", "token_id", "task_id"):
                concrete = concrete.replace(
                    "{" + name + "}", "00000000-0000-0000-0000-000000000000"
                )
            body = {} if method in ("post", "put", "patch") else None
            answer = await anonymous.call(method.upper(), concrete, body)
            assert answer.status == 401, (method, path, answer.status)
