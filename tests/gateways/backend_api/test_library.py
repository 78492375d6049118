"""The library: list, filters, full-text search, sorts, cursor pages, one creative with its
media, tags, notes and boards (including a save from the extension naming a board)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime

from tests.gateways.backend_api.conftest import days_ago, save_creative


async def _ids(client, **params) -> list[str]:
    answer = await client.call("GET", "/v1/creatives", params=params)
    assert answer.status == 200, answer.body
    return [item["id"] for item in answer.body["items"]]


async def test_filters(api):
    """Each filter narrows the list to the matching saved creatives only."""
    client = await api.user()
    uid = client.user_id
    a = await save_creative(
        api.pool,
        uid,
        page_id="42",
        page_name="Nike Running",
        platforms=["FACEBOOK"],
        display_format="VIDEO",
        is_active=True,
        saved_at=days_ago(1),
    )
    b = await save_creative(
        api.pool,
        uid,
        page_name="Adidas 100%_Original",
        is_active=False,
        platforms=["instagram"],
        saved_at=days_ago(10),
        start_date=datetime(2024, 1, 1, tzinfo=UTC),
        end_date=datetime(2024, 6, 1, tzinfo=UTC),
    )
    c = await save_creative(api.pool, uid, start_date=None, saved_at=days_ago(30))
    await save_creative(api.pool, (await api.user()).user_id, page_id="42")  # another user's
    assert await _ids(client) == [a, b, c]
    assert await _ids(client, page="42") == [a]
    assert await _ids(client, page="nike") == [a]
    assert await _ids(client, page="NIK") == [a]  # words starting with what is typed
    assert await _ids(client, page="run nik") == [a]  # every word, in any order
    assert await _ids(client, page="ike") == []  # not the middle of a word
    assert await _ids(client, page="100%_") == [b]
    assert await _ids(client, page="orig") == [b]
    assert await _ids(client, page="%%") == []  # no words: only a page id could match
    assert await _ids(client, page="_") == []
    assert await _ids(client, page="4") == []  # page ids match exactly
    for hostile in ["'", "\\", "a'b", "x:*", "!(a|b)", "~u", "\x01", "ü" * 200]:
        answer = await client.call("GET", "/v1/creatives", params={"page": hostile})
        assert answer.status == 200, (hostile, answer.body)
    assert await _ids(client, platform="facebook") == [a, c]
    assert await _ids(client, display_format="video") == [a]
    assert await _ids(client, active="false") == [b]
    assert await _ids(client, active="true") == [a, c]
    assert await _ids(client, saved_from=days_ago(5).isoformat()) == [a]
    assert await _ids(client, saved_to=days_ago(5).date().isoformat()) == [b, c]
    assert await _ids(client, min_days_running="100") == [b]
    assert await _ids(client, min_days_running="10") == [a, b]
    for bad in [
        {"limit": "0"},
        {"limit": "101"},
        {"active": "maybe"},
        {"saved_from": "yesterday"},
        {"sort": "random"},
        {"cursor": "!!"},
        {"sort": "relevance"},
        {"min_days_running": "-1"},
    ]:
        answer = await client.call("GET", "/v1/creatives", params=bad)
        assert answer.status == 400, bad
        assert answer.body["field"].startswith("$."), answer.body


async def test_search_ranks_and_ignores_sql_metacharacters(api):
    """Full-text search finds by title/body words, ranks title hits first, supports the
    web-search syntax, and SQL metacharacters are only text."""
    client = await api.user()
    uid = client.user_id
    title_hit = await save_creative(
        api.pool, uid, title="Protein shake", body="Tasty", saved_at=days_ago(3)
    )
    body_hit = await save_creative(
        api.pool, uid, title="Gym", body="our protein bars", saved_at=days_ago(1)
    )
    await save_creative(api.pool, uid, title="Shoes", body="Nothing else")
    answer = await client.call("GET", "/v1/creatives", params={"q": "protein"})
    assert [i["id"] for i in answer.body["items"]] == [title_hit, body_hit]
    assert answer.body["items"][0]["rank"] > answer.body["items"][1]["rank"] > 0
    assert await _ids(client, q="protein -bars") == [title_hit]
    assert await _ids(client, q='"protein bars"') == [body_hit]
    assert await _ids(client, q="protein", sort="saved_desc") == [body_hit, title_hit]
    for hostile in [
        "'; DROP TABLE creatives; --",
        "\\",
        "%' OR '1'='1",
        "!!(&|:*)",
        "protein' OR 1=1 --",
        "\x01",
        "ü" * 400,
    ]:
        answer = await client.call("GET", "/v1/creatives", params={"q": hostile})
        assert answer.status == 200, (hostile, answer.body)
    assert await api.pool.fetchval("SELECT count(*) FROM creatives") >= 3


async def test_a_broad_search_ranks_a_window_of_recent_matches(api, monkeypatch):
    """Up to EXACT_RANK_LIMIT matches, every match is ranked; beyond, the RANK_WINDOW
    most recently saved matches among the RANK_WINDOW_SCAN most recent saves are, and
    the page says so. The newest-first sort still lists every match."""
    from actors.library import listing

    client = await api.user()
    uid = client.user_id
    # Newest first: m0 (weak), other, m1 (strong), m2 (weak), other, m3 (strong), m4, m5.
    m0 = await save_creative(api.pool, uid, title="Gym", body="protein", saved_at=days_ago(0))
    await save_creative(api.pool, uid, title="Shoes", body="Nothing", saved_at=days_ago(1))
    m1 = await save_creative(api.pool, uid, title="Protein", body="x", saved_at=days_ago(2))
    m2 = await save_creative(api.pool, uid, title="Bar", body="protein", saved_at=days_ago(3))
    await save_creative(api.pool, uid, title="Socks", body="Nothing", saved_at=days_ago(4))
    m3 = await save_creative(api.pool, uid, title="Protein", body="y", saved_at=days_ago(5))
    m4 = await save_creative(api.pool, uid, title="Protein", body="z", saved_at=days_ago(6))
    m5 = await save_creative(api.pool, uid, title="Oats", body="protein", saved_at=days_ago(7))

    exact = await client.call("GET", "/v1/creatives", params={"q": "protein"})
    assert exact.body["relevance_window"] is None
    assert [i["id"] for i in exact.body["items"]][:3] == sorted(
        [m1, m3, m4], key=lambda i: uuid.UUID(i), reverse=True
    )  # equal title ranks tie-break on the id
    assert sorted(i["id"] for i in exact.body["items"][3:]) == sorted([m0, m2, m5])

    monkeypatch.setattr(listing, "EXACT_RANK_LIMIT", 4)
    monkeypatch.setattr(listing, "RANK_WINDOW", 3)
    monkeypatch.setattr(listing, "RANK_WINDOW_SCAN", 6)
    windowed = await client.call("GET", "/v1/creatives", params={"q": "protein"})
    assert windowed.body["relevance_window"] == 3
    # The 3 most recent matches (m0, m1, m2), ranked: the title hit first.
    ranked = [i["id"] for i in windowed.body["items"]]
    assert ranked[0] == m1
    assert sorted(ranked) == sorted([m0, m1, m2])
    monkeypatch.setattr(listing, "RANK_WINDOW", 10)  # the scan of 6 saves bounds it
    scanned = await client.call("GET", "/v1/creatives", params={"q": "protein"})
    assert sorted(i["id"] for i in scanned.body["items"]) == sorted([m0, m1, m2, m3])
    assert scanned.body["relevance_window"] == 4  # how many were ranked
    pages, cursor = [], None
    while True:
        params = {"q": "protein", "limit": "2", **({"cursor": cursor} if cursor else {})}
        answer = await client.call("GET", "/v1/creatives", params=params)
        pages += [i["id"] for i in answer.body["items"]]
        cursor = answer.body["next_cursor"]
        if cursor is None:
            break
    assert pages == [i["id"] for i in scanned.body["items"]]
    newest = await client.call(
        "GET", "/v1/creatives", params={"q": "protein", "sort": "saved_desc"}
    )
    assert [i["id"] for i in newest.body["items"]] == [m0, m1, m2, m3, m4, m5]
    assert newest.body["relevance_window"] is None


async def test_search_documents_follow_saves_and_creatives(api):
    """A save's search document is written with the save, follows a later sighting that
    fills the creative's texts or page, and never lets a search reach another user."""
    alice, bob = await api.user(), await api.user()
    creative = await save_creative(
        api.pool, alice.user_id, title=None, body=None, page_name=None, page_id=None
    )
    assert await _ids(alice, q="kombucha") == []
    await api.pool.execute(
        "UPDATE creatives SET title = 'Kombucha', page_name = 'Fizz Labs', page_id = '777'"
        " WHERE id = $1",
        uuid.UUID(creative),
    )
    assert await _ids(alice, q="kombucha") == [creative]
    assert await _ids(alice, page="fizz") == [creative]
    assert await _ids(alice, page="777") == [creative]
    # Bob saves the same creative later: his own document, his own results.
    assert await _ids(bob, q="kombucha") == []
    await save_creative(
        api.pool,
        bob.user_id,
        library_id=await api.pool.fetchval(
            "SELECT library_id FROM creatives WHERE id = $1", uuid.UUID(creative)
        ),
    )
    assert await _ids(bob, q="kombucha") == [creative]
    # Marker lexemes cannot be typed: Alice's owner marker as a search finds nothing of hers.
    marker = "~u" + alice.user_id.replace("-", "")
    assert await _ids(bob, q=marker) == []
    assert await _ids(bob, page=marker) == []
    await api.pool.execute("DELETE FROM creative_saves WHERE user_id = $1", uuid.UUID(bob.user_id))
    assert await _ids(bob, q="kombucha") == []
    assert await _ids(alice, q="kombucha") == [creative]


async def test_sorts_and_cursor_pages(api):
    """Every sort pages through all creatives exactly once with opaque cursors, in order."""
    client = await api.user()
    uid = client.user_id
    ids = []
    for n in range(7):
        ids.append(
            await save_creative(
                api.pool,
                uid,
                saved_at=days_ago(n),
                collation_count=n % 3 + 1,
                start_date=datetime(2025, 1, 1, tzinfo=UTC),
                end_date=datetime(2025, 1, 2 + n % 4, tzinfo=UTC),
            )
        )
    for sort in ["saved_desc", "running_longest", "most_versions"]:
        seen, cursor, pages = [], None, 0
        while True:
            params = {"sort": sort, "limit": "3", **({"cursor": cursor} if cursor else {})}
            answer = await client.call("GET", "/v1/creatives", params=params)
            assert answer.status == 200
            seen += answer.body["items"]
            cursor = answer.body["next_cursor"]
            pages += 1
            if cursor is None:
                break
        assert sorted(i["id"] for i in seen) == sorted(ids), sort
        assert pages == 3
        if sort == "saved_desc":
            assert [i["id"] for i in seen] == ids
        if sort == "most_versions":
            versions = [i["versions"] for i in seen]
            assert versions == sorted(versions, reverse=True)
        if sort == "running_longest":
            days = [i["days_running"] for i in seen]
            assert days == sorted(days, reverse=True)
    first = await client.call("GET", "/v1/creatives", params={"limit": "2"})
    other_sort = await client.call(
        "GET",
        "/v1/creatives",
        params={"sort": "most_versions", "cursor": first.body["next_cursor"]},
    )
    assert other_sort.status == 400


async def test_one_creative_with_media_served_by_the_api(api):
    """The detail has cards, media (URL only when stored) and boards; the stored file is
    streamed to its owner only."""
    client = await api.user()
    data = b"\x89PNG fake image bytes"
    digest = hashlib.sha256(data).hexdigest()
    key = f"media/{digest[:2]}/{digest}"
    path = api.media_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    creative_id = await save_creative(
        api.pool,
        client.user_id,
        cards=[{"title": "Card 1"}],
        media=[
            {
                "status": "stored",
                "object_key": key,
                "content_type": "image/png",
                "size_bytes": len(data),
            },
            {"status": "expired"},
        ],
    )
    board = (await client.call("POST", "/v1/boards", {"name": "Mood"})).body
    await client.call(
        "POST", f"/v1/boards/{board['id']}/creatives", {"creative_ids": [creative_id]}
    )
    detail = await client.call("GET", f"/v1/creatives/{creative_id}")
    assert detail.status == 200
    assert detail.body["cards"] == [{"title": "Card 1"}]
    assert detail.body["boards"] == [{"id": board["id"], "name": "Mood"}]
    stored, expired = detail.body["media"]
    assert stored["url"] == f"/v1/media/{stored['id']}"
    assert expired["url"] is None
    assert detail.body["thumbnail_url"] == stored["url"]
    media = await client.call("GET", stored["url"])
    assert media.status == 200
    assert media.body == data
    assert media.headers["Content-Type"] == "image/png"
    assert (await client.call("GET", f"/v1/media/{expired['id']}")).status == 404
    other = await api.user()
    assert (await other.call("GET", stored["url"])).status == 404
    assert (await client.call("GET", "/v1/media/99999999999")).status == 404


async def test_tags_and_notes(api):
    """Tags are normalised and replace the set; the tag filter and tag counts follow;
    notes are set, changed and deleted."""
    client = await api.user()
    a = await save_creative(api.pool, client.user_id)
    b = await save_creative(api.pool, client.user_id)
    answer = await client.call(
        "PUT", f"/v1/creatives/{a}/tags", {"tags": [" Hooks", "ugc", "hooks", ""]}
    )
    assert answer.status == 200
    assert answer.body == {"tags": ["hooks", "ugc"]}
    await client.call("PUT", f"/v1/creatives/{b}/tags", {"tags": ["hooks"]})
    assert await _ids(client, tag="UGC") == [a]
    assert (await client.call("GET", "/v1/tags")).body["tags"] == [
        {"tag": "hooks", "count": 2},
        {"tag": "ugc", "count": 1},
    ]
    await client.call("PUT", f"/v1/creatives/{a}/tags", {"tags": ["new"]})
    assert (await client.call("GET", f"/v1/creatives/{a}")).body["tags"] == ["new"]
    too_many = await client.call(
        "PUT", f"/v1/creatives/{a}/tags", {"tags": [f"t{n}" for n in range(51)]}
    )
    assert too_many.status == 400
    note = await client.call("PUT", f"/v1/creatives/{a}/note", {"note": "Great hook"})
    assert note.status == 200
    assert note.body["note"] == "Great hook"
    assert (await client.call("GET", f"/v1/creatives/{a}")).body["note"] == "Great hook"
    cleared = await client.call("PUT", f"/v1/creatives/{a}/note", {"note": ""})
    assert cleared.body == {"note": None, "updated_at": None}
    nul = await client.call("PUT", f"/v1/creatives/{a}/note", {"note": "a\u0000b"})
    assert nul.status == 400


async def test_boards(api):
    """Boards are created, listed with counts, renamed (names unique ignoring case),
    filled all-or-nothing, emptied, deleted (creatives stay saved)."""
    client = await api.user()
    a = await save_creative(api.pool, client.user_id)
    b = await save_creative(api.pool, client.user_id)
    board = await client.call("POST", "/v1/boards", {"name": "Hooks"})
    assert board.status == 201
    assert board.body["creative_count"] == 0
    bid = board.body["id"]
    assert (await client.call("POST", "/v1/boards", {"name": "hooks"})).status == 409
    assert (await client.call("POST", "/v1/boards", {"name": ""})).status == 400
    other = (await client.call("POST", "/v1/boards", {"name": "Other"})).body
    assert (
        await client.call("PATCH", f"/v1/boards/{other['id']}", {"name": "HOOKS"})
    ).status == 409
    renamed = await client.call("PATCH", f"/v1/boards/{bid}", {"name": "Best hooks"})
    assert renamed.status == 200
    assert renamed.body["name"] == "Best hooks"
    add = await client.call("POST", f"/v1/boards/{bid}/creatives", {"creative_ids": [a, b, a]})
    assert add.status == 200
    assert add.body == {"added": 2}
    missing = await client.call(
        "POST", f"/v1/boards/{bid}/creatives", {"creative_ids": [str(uuid.uuid4())]}
    )
    assert missing.status == 404
    boards = (await client.call("GET", "/v1/boards")).body["boards"]
    assert [(x["name"], x["creative_count"]) for x in boards] == [("Best hooks", 2), ("Other", 0)]
    assert sorted(await _ids(client, board_id=bid)) == sorted([a, b])
    assert (await client.call("DELETE", f"/v1/boards/{bid}/creatives/{a}")).status == 204
    assert (await client.call("DELETE", f"/v1/boards/{bid}/creatives/{a}")).status == 404
    assert await _ids(client, board_id=bid) == [b]
    assert (
        await client.call("GET", "/v1/creatives", params={"board_id": str(uuid.uuid4())})
    ).status == 404
    assert (await client.call("DELETE", f"/v1/boards/{bid}")).status == 204
    assert (await client.call("DELETE", f"/v1/boards/{bid}")).status == 404
    assert len(await _ids(client)) == 2


async def test_extension_save_with_a_board_id_puts_it_on_the_board(api):
    """A save recorded with one of the user's board ids lands on that board; someone
    else's board id is ignored."""
    client = await api.user()
    other = await api.user()
    mine = (await client.call("POST", "/v1/boards", {"name": "Picked"})).body["id"]
    theirs = (await other.call("POST", "/v1/boards", {"name": "Theirs"})).body["id"]
    creative_id = await save_creative(api.pool, client.user_id)
    for board in (mine, theirs, "not-a-uuid"):
        await api.pool.execute(
            "UPDATE creative_saves SET board_id = $3 WHERE user_id = $1 AND creative_id = $2",
            uuid.UUID(client.user_id),
            uuid.UUID(creative_id),
            board,
        )
    assert await _ids(client, board_id=mine) == [creative_id]
    assert await _ids(other, board_id=theirs) == []


def test_cursor_is_opaque_base64():
    """Cursors decode as URL-safe base64 JSON (opaque to clients, stable to the API)."""
    from actors.library import decode_cursor, encode_cursor

    creative_id = uuid.uuid4()
    cursor = encode_cursor("most_versions", 3.0, creative_id)
    assert base64.urlsafe_b64decode(cursor + "==").startswith(b'["most_versions"')
    assert decode_cursor(cursor, "most_versions") == (3.0, creative_id)
