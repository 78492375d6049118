"""OpenAPI 3.1 documents generated from route descriptions and msgspec types.

A gateway describes each of its operations once; request and response bodies are msgspec
types, turned into JSON Schema by :func:`msgspec.json.schema_components` (OpenAPI 3.1
uses JSON Schema 2020-12 as is). Every error response is ``application/problem+json``
with the :class:`ProblemDocument` schema, the shape :mod:`mango.http.problems` sends::

    OPERATIONS = [
        ApiOperation(
            method="post", path="/v1/notes", operation_id="createNote",
            summary="Create a note", request_body=(Note,),
            responses={201: ApiResponse("Created", body=Note), 400: ApiResponse("Invalid")},
        ),
    ]
    document = openapi_document(title="Notes", version="1", operations=OPERATIONS)

    class NotesGateway(HttpGateway):
        def routes(self):
            return [web.post("/v1/notes", self.create_note), openapi_route(document)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web

from mango.http.problems import PROBLEM_CONTENT_TYPE, FieldError

__all__ = [
    "BEARER_SCHEME",
    "OPENAPI_PATH",
    "ApiOperation",
    "ApiResponse",
    "ProblemDocument",
    "openapi_document",
    "openapi_route",
]

OPENAPI_PATH = "/openapi.json"
_REF_TEMPLATE = "#/components/schemas/{name}"

BEARER_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token sent as `Authorization: Bearer <token>`.",
}
"""A security scheme for bearer tokens, for ``openapi_document(security_schemes=...)``."""


class ProblemDocument(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem, as every error response of a mango gateway carries it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    field: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """One documented response of an operation.

    Attributes:
        description: What the response means.
        body: The msgspec type of a JSON body; ``None`` for an error status (documented as
            a problem) or for no body.
        headers: Response headers, name to description (e.g. ``Retry-After``).
    """

    description: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiOperation:
    """One operation (a method on a path) of a gateway.

    Attributes:
        method: HTTP method, e.g. ``"post"``.
        path: The route's path, e.g. ``"/v1/creatives"``.
        operation_id: Unique name of the operation (clients use it as a function name).
        summary: One line on what it does.
        description: Longer text (Markdown).
        request_body: msgspec types the JSON body may take (several: ``anyOf``).
        responses: Status to response.
        security: Names of the security schemes that authenticate it (any one suffices).
        tags: Groups in documentation tools.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    description: str | None = None
    request_body: Sequence[Any] = ()
    responses: Mapping[int, ApiResponse] = field(default_factory=dict)
    security: Sequence[str] = ()
    tags: Sequence[str] = ()


def openapi_document(
    *,
    title: str,
    version: str,
    operations: Iterable[ApiOperation],
    description: str | None = None,
    security_schemes: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build an OpenAPI 3.1 document.

    Args:
        title: The API's name.
        version: The API document's version.
        operations: Every operation to document.
        description: Text on the API as a whole (Markdown).
        security_schemes: Scheme name to its OpenAPI definition (see ``BEARER_SCHEME``).

    Returns:
        The document as JSON-ready builtins.

    Raises:
        ValueError: Two operations share a method and path, or an operation's security
            names an undeclared scheme.
    """
    operations = list(operations)
    types: list[Any] = [ProblemDocument]
    for operation in operations:
        types.extend(operation.request_body)
        types.extend(r.body for r in operation.responses.values() if r.body is not None)
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=_REF_TEMPLATE)
    schema_of = dict(zip(unique, schemas, strict=True))
    schemes = dict(security_schemes or {})
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        method = operation.method.lower()
        item = paths.setdefault(operation.path, {})
        if method in item:
            raise ValueError(f"operation {method.upper()} {operation.path} is described twice")
        unknown = set(operation.security) - set(schemes)
        if unknown:
            raise ValueError(f"{operation.operation_id}: undeclared security {sorted(unknown)}")
        item[method] = _operation(operation, schema_of)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components},
    }
    if description:
        document["info"]["description"] = description
    if schemes:
        document["components"]["securitySchemes"] = {k: dict(v) for k, v in schemes.items()}
    return document


def openapi_route(document: Mapping[str, Any], path: str = OPENAPI_PATH) -> web.RouteDef:
    """Return a ``GET`` route serving ``document`` (encoded once, cached by clients briefly)."""
    body = msgspec.json.encode(document)

    async def serve_openapi(request: web.Request) -> web.Response:
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"Cache-Control": "public, max-age=60"},
        )

    return web.get(path, serve_openapi)


def _operation(operation: ApiOperation, schema_of: Mapping[Any, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "responses": {
            str(status): _response(response, status, schema_of)
            for status, response in sorted(operation.responses.items())
        },
    }
    if operation.description:
        result["description"] = operation.description
    if operation.tags:
        result["tags"] = list(operation.tags)
    if operation.security:
        result["security"] = [{name: []} for name in operation.security]
    if operation.request_body:
        bodies = [schema_of[body] for body in operation.request_body]
        schema = bodies[0] if len(bodies) == 1 else {"anyOf": bodies}
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return result


def _response(response: ApiResponse, status: int, schema_of: Mapping[Any, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"description": response.description}
    if response.body is not None:
        result["content"] = {"application/json": {"schema": schema_of[response.body]}}
    elif status >= 400:
        result["content"] = {PROBLEM_CONTENT_TYPE: {"schema": schema_of[ProblemDocument]}}
    if response.headers:
        result["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in response.headers.items()
        }
    return result
