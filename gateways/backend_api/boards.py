"""Boards: list, create, rename, delete, and the creatives on them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.library.boards import (
    add_to_board,
    create_board,
    delete_board,
    list_boards,
    remove_from_board,
    rename_board,
)
from actors.library.errors import ConflictError, NotFoundError
from gateways.backend_api.common import Deps, bad_field, not_found, path_uuid
from gateways.backend_api.schemas import Added, AddToBoard, Board, BoardName, BoardsPage
from mango.http import ProblemError, decode_body, json_response

__all__ = ["BoardHandlers"]


def _board(row: Any) -> Board:
    return Board(
        id=str(row["id"]),
        name=row["name"],
        created_at=row["created_at"],
        creative_count=row["creative_count"],
    )


def _name(body: BoardName) -> str:
    name = body.name.strip()
    if not name:
        raise bad_field("$.name", "the name is blank")
    return name


def _name_taken() -> ProblemError:
    return ProblemError(
        409, detail="you have a board of that name", type="urn:mango:problem:board-name-taken"
    )


class BoardHandlers:
    """Handlers of ``/v1/boards*``."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[web.AbstractRouteDef]:
        """The routes of this group."""
        return [
            web.get("/v1/boards", self.list_boards),
            web.post("/v1/boards", self.create_board),
            web.patch("/v1/boards/{board_id}", self.rename_board),
            web.delete("/v1/boards/{board_id}", self.delete_board),
            web.post("/v1/boards/{board_id}/creatives", self.add_creatives),
            web.delete("/v1/boards/{board_id}/creatives/{creative_id}", self.remove_creative),
        ]

    async def list_boards(self, request: web.Request) -> web.Response:
        """``GET /v1/boards`` (an API token may read it: the extension's picker)."""
        caller = await self.deps.caller(request, api_token=True)
        rows = await list_boards(self.deps.pool, caller.user_id)
        return json_response(BoardsPage(boards=[_board(row) for row in rows]))

    async def create_board(self, request: web.Request) -> web.Response:
        """``POST /v1/boards``."""
        caller = await self.deps.caller(request)
        name = _name(await decode_body(request, BoardName))
        try:
            row = await create_board(self.deps.pool, caller.user_id, name)
        except ConflictError:
            raise _name_taken() from None
        return json_response(_board(row), status=201)

    async def rename_board(self, request: web.Request) -> web.Response:
        """``PATCH /v1/boards/{id}``."""
        caller = await self.deps.caller(request)
        board_id = path_uuid(request, "board_id", "board")
        name = _name(await decode_body(request, BoardName))
        try:
            row = await rename_board(self.deps.pool, caller.user_id, board_id, name)
        except NotFoundError:
            raise not_found("board") from None
        except ConflictError:
            raise _name_taken() from None
        return json_response(_board(row))

    async def delete_board(self, request: web.Request) -> web.Response:
        """``DELETE /v1/boards/{id}`` (the creatives stay saved)."""
        caller = await self.deps.caller(request)
        board_id = path_uuid(request, "board_id", "board")
        if not await delete_board(self.deps.pool, caller.user_id, board_id):
            raise not_found("board")
        return web.Response(status=204)

    async def add_creatives(self, request: web.Request) -> web.Response:
        """``POST /v1/boards/{id}/creatives``: all or nothing."""
        caller = await self.deps.caller(request)
        board_id = path_uuid(request, "board_id", "board")
        body = await decode_body(request, AddToBoard)
        try:
            added = await add_to_board(self.deps.pool, caller.user_id, board_id, body.creative_ids)
        except NotFoundError as exc:
            raise ProblemError(404, detail=str(exc), type="urn:mango:problem:not-found") from None
        return json_response(Added(added=added))

    async def remove_creative(self, request: web.Request) -> web.Response:
        """``DELETE /v1/boards/{id}/creatives/{creative_id}``."""
        caller = await self.deps.caller(request)
        board_id = path_uuid(request, "board_id", "board")
        creative_id = path_uuid(request, "creative_id", "creative")
        if not await remove_from_board(self.deps.pool, caller.user_id, board_id, creative_id):
            raise not_found("creative on this board")
        return web.Response(status=204)
