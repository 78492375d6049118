"""Saved creatives: list, search, one creative, its media files, tags and note."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from aiohttp import web

from actors.library import CreativeFilter, InvalidCursorError, decode_cursor, list_creatives
from actors.library.boards import board_exists
from actors.library.creatives import (
    get_creative,
    list_tags,
    normalise_tags,
    set_note,
    set_tags,
    stored_media,
)
from actors.library.errors import NotFoundError
from actors.media import ObjectNotFoundError
from gateways.backend_api.common import (
    Deps,
    bad_field,
    not_found,
    path_int,
    path_uuid,
    query_params,
)
from gateways.backend_api.schemas import (
    BoardRef,
    CreativeDetail,
    CreativeListQuery,
    CreativesPage,
    CreativeSummary,
    Media,
    Note,
    NoteBody,
    TagCount,
    Tags,
    TagsBody,
    TagsPage,
)
from mango.http import decode_body, json_response

__all__ = ["LibraryHandlers"]

_CARDS = msgspec.json.Decoder(list[Any])


def media_url(media_id: int | None) -> str | None:
    """The API path serving media ``media_id``."""
    return None if media_id is None else f"/v1/media/{media_id}"


def _summary_fields(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "source": row["source"],
        "library_id": row["library_id"],
        "page_id": row["page_id"],
        "page_name": row["page_name"],
        "page_profile_picture_url": row["page_profile_picture_url"],
        "display_format": row["display_format"],
        "platforms": list(row["platforms"]),
        "is_active": row["is_active"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "days_running": row["days_running"],
        "versions": row["versions"],
        "title": row["title"],
        "body": row["body"],
        "cta_text": row["cta_text"],
        "link_url": row["link_url"],
        "saved_at": row["saved_at"],
        "tags": list(row["tags"]),
        "note": row["note"],
        "board_ids": [str(board) for board in row["board_ids"]],
        "thumbnail_url": media_url(row["thumbnail_id"]),
    }


def _time_bound(text: str | None, field: str, *, upper: bool) -> datetime | None:
    """Parse a ``saved_from``/``saved_to`` value; ``upper`` turns it into an exclusive bound."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if upper else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_field(f"$.{field}", "expected YYYY-MM-DD or an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment + timedelta(microseconds=1) if upper else moment


class LibraryHandlers:
    """Handlers of ``/v1/creatives*``, ``/v1/media/{id}`` and ``/v1/tags``."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[web.AbstractRouteDef]:
        """The routes of this group."""
        return [
            web.get("/v1/creatives", self.list_creatives),
            web.get("/v1/creatives/{creative_id}", self.get_creative),
            web.put("/v1/creatives/{creative_id}/note", self.put_note),
            web.put("/v1/creatives/{creative_id}/tags", self.put_tags),
            web.get("/v1/tags", self.list_tags),
            web.get("/v1/media/{media_id}", self.get_media),
        ]

    async def list_creatives(self, request: web.Request) -> web.Response:
        """``GET /v1/creatives``: filter, search, sort and page the saved creatives."""
        caller = await self.deps.caller(request, api_token=True)
        query = query_params(request, CreativeListQuery)
        q = query.q.strip() if query.q is not None else None
        q = q or None
        sort = query.sort or ("relevance" if q else "saved_desc")
        if sort == "relevance" and q is None:
            raise bad_field("$.sort", "sort=relevance needs a search (q)")
        board_id = query.board_id
        if board_id is not None and not await board_exists(
            self.deps.pool, caller.user_id, board_id
        ):
            raise not_found("board")
        flt = CreativeFilter(
            q=q,
            page=query.page.strip() or None if query.page is not None else None,
            platform=query.platform,
            display_format=query.display_format,
            active=query.active,
            saved_from=_time_bound(query.saved_from, "saved_from", upper=False),
            saved_before=_time_bound(query.saved_to, "saved_to", upper=True),
            min_days_running=query.min_days_running,
            board_id=board_id,
            tag=query.tag.strip().lower() if query.tag is not None else None,
        )
        after = None
        if query.cursor is not None:
            try:
                after = decode_cursor(query.cursor, sort)
            except InvalidCursorError as exc:
                raise bad_field("$.cursor", str(exc)) from None
        page = await list_creatives(
            self.deps.pool, caller.user_id, flt, sort=sort, limit=query.limit, after=after
        )
        items = [CreativeSummary(**_summary_fields(row), rank=row["rank"]) for row in page.rows]
        return json_response(
            CreativesPage(
                items=items,
                next_cursor=page.next_cursor,
                relevance_window=page.relevance_window,
            )
        )

    async def get_creative(self, request: web.Request) -> web.Response:
        """``GET /v1/creatives/{id}``: one saved creative with cards, media and boards."""
        caller = await self.deps.caller(request, api_token=True)
        creative_id = path_uuid(request, "creative_id", "creative")
        found = await get_creative(self.deps.pool, caller.user_id, creative_id)
        if found is None:
            raise not_found("creative")
        row, media, boards = found
        detail = CreativeDetail(
            **_summary_fields(row),
            caption=row["caption"],
            link_description=row["link_description"],
            cta_type=row["cta_type"],
            page_url=row["page_url"],
            page_profile_uri=row["page_profile_uri"],
            collation_id=row["collation_id"],
            first_seen_at=row["first_seen_at"],
            last_seen_at=row["last_seen_at"],
            cards=_CARDS.decode(row["cards"]),
            media=[
                Media(
                    id=m["id"],
                    kind=m["kind"],
                    card_index=m["card_index"],
                    position=m["position"],
                    status=m["status"],
                    content_type=m["content_type"],
                    size_bytes=m["size_bytes"],
                    url=media_url(m["id"]) if m["status"] == "stored" else None,
                )
                for m in media
            ],
            boards=[BoardRef(id=str(b["id"]), name=b["name"]) for b in boards],
        )
        return json_response(detail)

    async def put_note(self, request: web.Request) -> web.Response:
        """``PUT /v1/creatives/{id}/note``: set or delete the note."""
        caller = await self.deps.caller(request)
        creative_id = path_uuid(request, "creative_id", "creative")
        body = await decode_body(request, NoteBody)
        try:
            row = await set_note(self.deps.pool, caller.user_id, creative_id, body.note.strip())
        except NotFoundError:
            raise not_found("creative") from None
        if row is None:
            return json_response(Note(note=None, updated_at=None))
        return json_response(Note(note=row["body"], updated_at=row["updated_at"]))

    async def put_tags(self, request: web.Request) -> web.Response:
        """``PUT /v1/creatives/{id}/tags``: replace the tags."""
        caller = await self.deps.caller(request)
        creative_id = path_uuid(request, "creative_id", "creative")
        body = await decode_body(request, TagsBody)
        try:
            tags = normalise_tags(body.tags)
        except ValueError as exc:
            raise bad_field("$.tags", str(exc)) from None
        try:
            saved = await set_tags(self.deps.pool, caller.user_id, creative_id, tags)
        except NotFoundError:
            raise not_found("creative") from None
        return json_response(Tags(tags=saved))

    async def list_tags(self, request: web.Request) -> web.Response:
        """``GET /v1/tags``: the user's tags with counts."""
        caller = await self.deps.caller(request, api_token=True)
        tags = await list_tags(self.deps.pool, caller.user_id)
        return json_response(TagsPage(tags=[TagCount(tag=t, count=n) for t, n in tags]))

    async def get_media(self, request: web.Request) -> web.StreamResponse:
        """``GET /v1/media/{id}``: the archived file, streamed or redirected to S3."""
        caller = await self.deps.caller(request, api_token=True)
        media_id = path_int(request, "media_id", "media")
        media = await stored_media(self.deps.pool, caller.user_id, media_id)
        store = self.deps.store
        if media is None or store is None:
            raise not_found("media")
        url = await store.presigned_url(
            media.object_key, expires_in=self.deps.settings.media_url_seconds
        )
        if url is not None:
            return web.Response(
                status=302, headers={"Location": url, "Cache-Control": "private, no-store"}
            )
        chunks = store.stream(media.object_key)
        try:
            first = await anext(chunks)
        except StopAsyncIteration:
            first = b""
        except ObjectNotFoundError:
            raise not_found("media") from None
        response = web.StreamResponse(
            headers={
                "Content-Type": media.content_type,
                "Cache-Control": "private, max-age=3600",
                "X-Content-Type-Options": "nosniff",
            }
        )
        if media.size_bytes is not None:
            response.content_length = media.size_bytes
        await response.prepare(request)
        await response.write(first)
        async for chunk in chunks:
            await response.write(chunk)
        await response.write_eof()
        return response
