"""The Ads API's operations, as documented in its ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from actors.ads.messages import Creative, CreativeBatch
from gateways.ads_api.intake import BoardList, CreativesAccepted, WhoAmI
from mango.http.openapi import BEARER_SCHEME, ApiOperation, ApiResponse, openapi_document

__all__ = ["OPERATIONS", "ads_api_document"]

_RETRY_AFTER = {"Retry-After": "Seconds to wait before retrying."}
_CHALLENGE = {"WWW-Authenticate": "`Bearer` challenge (RFC 6750)."}
_AUTH_ERRORS = {
    401: ApiResponse("Missing, malformed, unknown or revoked API token.", headers=_CHALLENGE),
    429: ApiResponse("Too many requests with this token.", headers=_RETRY_AFTER),
    503: ApiResponse("A dependency (queue, database) is unavailable.", headers=_RETRY_AFTER),
}

OPERATIONS = [
    ApiOperation(
        method="post",
        path="/v1/creatives",
        operation_id="collectCreatives",
        summary="Save creatives captured from the Ads Library",
        description=(
            'A batch (`{"creatives": [...]}`, 1 to 50) or a single creative object. '
            "Repeated Library IDs in one request are kept once (the last wins). NUL "
            "characters are removed from strings. Answers 202 once the queue holds "
            "the creatives; storing them follows asynchronously and idempotently."
        ),
        request_body=(CreativeBatch, Creative),
        responses={
            202: ApiResponse("The creatives are queued for storage.", body=CreativesAccepted),
            400: ApiResponse("Malformed JSON or invalid creatives (the field path is given)."),
            413: ApiResponse("The body, or one creative, is too large."),
            415: ApiResponse("The body is not JSON."),
            **_AUTH_ERRORS,
        },
        security=("bearer",),
        tags=("creatives",),
    ),
    ApiOperation(
        method="get",
        path="/v1/whoami",
        operation_id="whoami",
        summary="Who the API token belongs to (to test a token)",
        responses={200: ApiResponse("The token's user.", body=WhoAmI), **_AUTH_ERRORS},
        security=("bearer",),
        tags=("account",),
    ),
    ApiOperation(
        method="get",
        path="/v1/boards",
        operation_id="listBoards",
        summary="The token's boards, for the extension's board picker",
        responses={200: ApiResponse("The user's boards, by name.", body=BoardList), **_AUTH_ERRORS},
        security=("bearer",),
        tags=("boards",),
    ),
]
"""Every operation of the Ads API besides the health and metrics endpoints."""


def ads_api_document() -> dict[str, Any]:
    """Build the Ads API's OpenAPI document."""
    return openapi_document(
        title="Magic Mango Ads API",
        version="1",
        description=(
            "Takes the creatives the browser extension captures from the Facebook Ads "
            "Library. Errors are `application/problem+json` (RFC 9457)."
        ),
        operations=OPERATIONS,
        security_schemes={"bearer": BEARER_SCHEME},
    )
