"""Content tasks: create (task and outbox row in one transaction), list and get."""

from __future__ import annotations

import contextlib

from aiohttp import web

from actors.content import (
    ContentTaskError,
    CreativesNotFoundError,
    create_task,
    get_task,
    list_tasks,
)
from actors.outbox import RelayNow
from gateways.backend_api.common import Deps, bad_field, not_found, path_uuid, query_params
from gateways.backend_api.schemas import ContentTaskRequest, TaskListQuery
from mango import MangoError
from mango.http import ProblemError, decode_body, json_response, request_id

__all__ = ["TaskHandlers"]


def _task_problem(exc: ContentTaskError) -> ProblemError:
    if isinstance(exc, CreativesNotFoundError):
        return ProblemError(404, detail=str(exc), type="urn:mango:problem:not-found")
    return bad_field(f"$.{exc.field}" if exc.field else "$", str(exc))


class TaskHandlers:
    """Handlers of ``/v1/content-tasks*``."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[web.AbstractRouteDef]:
        """The routes of this group."""
        return [
            web.post("/v1/content-tasks", self.create_task),
            web.get("/v1/content-tasks", self.list_tasks),
            web.get("/v1/content-tasks/{task_id}", self.get_task),
        ]

    async def create_task(self, request: web.Request) -> web.Response:
        """``POST /v1/content-tasks``: 202 with the queued task."""
        caller = await self.deps.caller(request)
        body = await decode_body(request, ContentTaskRequest)
        try:
            async with self.deps.pool.acquire() as connection, connection.transaction():
                task_id = await create_task(
                    connection,
                    user_id=caller.user_id,
                    kind=body.kind,
                    creative_ids=body.creative_ids,
                    parameters=body.parameters,
                    trace_id=request_id(request),
                )
        except ContentTaskError as exc:
            raise _task_problem(exc) from None
        if self.deps.relay is not None:
            with contextlib.suppress(MangoError):  # the relay's next poll finds it anyway
                self.deps.relay.tell_nowait(RelayNow())
        task = await get_task(self.deps.pool, caller.user_id, task_id)
        if task is None:  # deleted in between (the user's account went away)
            raise not_found("content task")
        return json_response(task, status=202, headers={"Location": f"/v1/content-tasks/{task_id}"})

    async def list_tasks(self, request: web.Request) -> web.Response:
        """``GET /v1/content-tasks``: newest first, paged."""
        caller = await self.deps.caller(request, api_token=True)
        query = query_params(request, TaskListQuery)
        try:
            page = await list_tasks(
                self.deps.pool,
                caller.user_id,
                limit=query.limit,
                cursor=query.cursor,
                status=query.status,
                kind=query.kind,
            )
        except ContentTaskError as exc:
            raise _task_problem(exc) from None
        return json_response(page)

    async def get_task(self, request: web.Request) -> web.Response:
        """``GET /v1/content-tasks/{id}``: status, result and error."""
        caller = await self.deps.caller(request, api_token=True)
        task_id = path_uuid(request, "task_id", "content task")
        task = await get_task(self.deps.pool, caller.user_id, task_id)
        if task is None:
            raise not_found("content task")
        return json_response(task)
