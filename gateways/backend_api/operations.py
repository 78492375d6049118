"""The Backend API's operations, as documented in its ``/openapi.json``.

:func:`mango.http.openapi.openapi_document` describes bodies; this module adds the path
and query parameters (from the msgspec query types) to the document it builds.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from actors.content import ContentTask, ContentTaskPage, known_kinds
from gateways.backend_api.schemas import (
    Added,
    AddToBoard,
    Board,
    BoardName,
    BoardsPage,
    ContentTaskRequest,
    CreativeDetail,
    CreativeListQuery,
    CreativesPage,
    Credentials,
    Me,
    NewApiToken,
    Note,
    NoteBody,
    SessionStarted,
    Tags,
    TagsBody,
    TagsPage,
    TaskListQuery,
    TokenName,
    TokensPage,
)
from mango.http.openapi import BEARER_SCHEME, ApiOperation, ApiResponse, openapi_document

__all__ = ["OPERATIONS", "backend_api_document"]

_RETRY = {"Retry-After": "Seconds to wait before retrying."}
_COMMON = {
    400: ApiResponse("Invalid input (the field is named)."),
    401: ApiResponse("Not signed in.", headers={"WWW-Authenticate": "`Bearer` challenge."}),
    403: ApiResponse("CSRF check failed, or an API token where a session is needed."),
    503: ApiResponse("A dependency is unavailable.", headers=_RETRY),
}
_BODY = {
    413: ApiResponse("The body is too large."),
    415: ApiResponse("The body is not JSON."),
}
_NOT_FOUND = {404: ApiResponse("No such id among yours.")}
_SECURITY = ("session_cookie", "bearer")
_QUERIES: dict[str, type[msgspec.Struct]] = {
    "listCreatives": CreativeListQuery,
    "listContentTasks": TaskListQuery,
}
_PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")


def _op(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    ok: dict[int, ApiResponse],
    *,
    body: Any = None,
    extra: dict[int, ApiResponse] | None = None,
    public: bool = False,
    tags: tuple[str, ...] = (),
) -> ApiOperation:
    responses = {**ok, **_COMMON, **(extra or {})}
    if body is not None:
        responses.update(_BODY)
    if "{" in path:
        responses.update(_NOT_FOUND)
    return ApiOperation(
        method=method,
        path=path,
        operation_id=operation_id,
        summary=summary,
        request_body=(body,) if body is not None else (),
        responses=responses,
        security=() if public else _SECURITY,
        tags=tags,
    )


_SESSION = {200: ApiResponse("Signed in.", body=SessionStarted)}
_NO_CONTENT = {204: ApiResponse("Done.")}

OPERATIONS = [
    _op("post", "/v1/auth/signup", "signup", "Create an account and sign in",
        {201: ApiResponse("Signed up and in.", body=SessionStarted)}, body=Credentials,
        extra={409: ApiResponse("The email has an account.")}, public=True, tags=("account",)),
    _op("post", "/v1/auth/login", "login", "Sign in with email and password", _SESSION,
        body=Credentials, public=True, tags=("account",),
        extra={429: ApiResponse("Too many failed log-ins.", headers=_RETRY)}),
    _op("post", "/v1/auth/logout", "logout", "End the session", _NO_CONTENT, tags=("account",)),
    _op("get", "/v1/me", "me", "The signed-in user", {200: ApiResponse("You.", body=Me)},
        tags=("account",)),
    _op("post", "/v1/tokens", "createToken", "Create an API token (shown once)",
        {201: ApiResponse("The new token.", body=NewApiToken)}, body=TokenName,
        tags=("tokens",)),
    _op("get", "/v1/tokens", "listTokens", "Your live API tokens",
        {200: ApiResponse("Tokens.", body=TokensPage)}, tags=("tokens",)),
    _op("delete", "/v1/tokens/{token_id}", "revokeToken", "Revoke an API token", _NO_CONTENT,
        tags=("tokens",)),
    _op("get", "/v1/creatives", "listCreatives", "List, filter and search saved creatives",
        {200: ApiResponse("A page.", body=CreativesPage)},
        extra=_NOT_FOUND, tags=("library",)),
    _op("get", "/v1/creatives/{creative_id}", "getCreative", "One saved creative",
        {200: ApiResponse("The creative.", body=CreativeDetail)}, tags=("library",)),
    _op("put", "/v1/creatives/{creative_id}/note", "putNote", "Set or delete the note",
        {200: ApiResponse("The note.", body=Note)}, body=NoteBody, tags=("library",)),
    _op("put", "/v1/creatives/{creative_id}/tags", "putTags", "Replace the tags",
        {200: ApiResponse("The tags.", body=Tags)}, body=TagsBody, tags=("library",)),
    _op("get", "/v1/tags", "listTags", "Your tags with counts",
        {200: ApiResponse("Tags.", body=TagsPage)}, tags=("library",)),
    _op("get", "/v1/media/{media_id}", "getMedia", "An archived media file",
        {200: ApiResponse("The file's bytes."),
         302: ApiResponse("A presigned URL.", headers={"Location": "The URL."})},
        tags=("library",)),
    _op("get", "/v1/boards", "listBoards", "Your boards",
        {200: ApiResponse("Boards.", body=BoardsPage)}, tags=("boards",)),
    _op("post", "/v1/boards", "createBoard", "Create a board",
        {201: ApiResponse("The board.", body=Board)}, body=BoardName,
        extra={409: ApiResponse("The name is taken.")}, tags=("boards",)),
    _op("patch", "/v1/boards/{board_id}", "renameBoard", "Rename a board",
        {200: ApiResponse("The board.", body=Board)}, body=BoardName,
        extra={409: ApiResponse("The name is taken.")}, tags=("boards",)),
    _op("delete", "/v1/boards/{board_id}", "deleteBoard", "Delete a board", _NO_CONTENT,
        tags=("boards",)),
    _op("post", "/v1/boards/{board_id}/creatives", "addToBoard", "Put creatives on a board",
        {200: ApiResponse("Added.", body=Added)}, body=AddToBoard, tags=("boards",)),
    _op("delete", "/v1/boards/{board_id}/creatives/{creative_id}", "removeFromBoard",
        "Take a creative off a board", _NO_CONTENT, tags=("boards",)),
    _op("post", "/v1/content-tasks", "createContentTask", "Request content (asynchronous)",
        {202: ApiResponse("Queued.", body=ContentTask, headers={"Location": "The task."})},
        body=ContentTaskRequest, extra=_NOT_FOUND, tags=("content",)),
    _op("get", "/v1/content-tasks", "listContentTasks", "Your content tasks",
        {200: ApiResponse("A page.", body=ContentTaskPage)}, tags=("content",)),
    _op("get", "/v1/content-tasks/{task_id}", "getContentTask", "One content task",
        {200: ApiResponse("The task.", body=ContentTask)}, tags=("content",)),
]  # fmt: skip
"""Every operation of the Backend API besides the health and metrics endpoints."""


def _query_parameters(model: type[msgspec.Struct]) -> list[dict[str, Any]]:
    schema = msgspec.json.schema(model)
    definition = schema["$defs"][model.__name__]
    parameters = []
    for name, field in definition["properties"].items():
        # An absent parameter is the null: a query string cannot carry null itself.
        options = [f for f in field.get("anyOf", [field]) if f.get("type") != "null"]
        value = options[0] if len(options) == 1 else {"anyOf": options}
        if "default" in field:
            value = {**value, "default": field["default"]}
        parameters.append({"name": name, "in": "query", "required": False, "schema": value})
    return parameters


def backend_api_document() -> dict[str, Any]:
    """Build the Backend API's OpenAPI document."""
    document = openapi_document(
        title="Magic Mango Backend API",
        version="1",
        description=(
            "The web application's API: accounts, API tokens, the library of saved "
            "creatives, boards and content tasks. Errors are `application/problem+json`. "
            "Cookie-authenticated writes need the `X-CSRF-Token` header."
        ),
        operations=OPERATIONS,
        security_schemes={
            "bearer": BEARER_SCHEME,
            "session_cookie": {"type": "apiKey", "in": "cookie", "name": "mango_session"},
        },
    )
    # Kinds are registered at run time (plugins), so the enum is filled in here.
    kind = document["components"]["schemas"]["ContentTaskRequest"]["properties"]["kind"]
    kind["enum"] = known_kinds()
    for operation in OPERATIONS:
        item = document["paths"][operation.path][operation.method]
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAMETER.findall(operation.path)
        ]
        query = _QUERIES.get(operation.operation_id)
        if query is not None:
            parameters += _query_parameters(query)
        if parameters:
            item["parameters"] = parameters
    return document
