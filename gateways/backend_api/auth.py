"""Who a request acts for: session cookie, bearer session token, or bearer API token.

CSRF protection is a signed double submit: the CSRF token is derived from the session
token (a one-way hash of it), set as the ``mango_csrf`` cookie that JavaScript can read,
and must come back in the ``X-CSRF-Token`` header on every cookie-authenticated request
that is not ``GET``/``HEAD``/``OPTIONS``. Another site can make the browser send the
cookies but cannot read them, so it cannot send the header; and since the value is bound
to the session, a cookie planted from a sibling subdomain does not pass either. Bearer
requests are not subject to it: browsers never add an ``Authorization`` header by
themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from actors.accounts import TOKEN_PREFIX, authenticate_token
from actors.library.sessions import authenticate_session
from mango.http import ProblemError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Authenticator",
    "Caller",
    "clear_session_cookies",
    "csrf_token_for",
    "set_session_cookies",
]

SESSION_COOKIE = "mango_session"
CSRF_COOKIE = "mango_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="backend-api"'}


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request.

    Attributes:
        user_id: The user's id.
        email: The user's email.
        kind: ``session`` or ``api_token``.
        credential_id: The session's or the API token's id.
    """

    user_id: uuid.UUID
    email: str
    kind: Literal["session", "api_token"]
    credential_id: str


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: a one-way function of the session token."""
    digest = hashlib.sha256(b"mango-csrf:" + session_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def set_session_cookies(
    response: web.StreamResponse, token: str, *, max_age: int, secure: bool
) -> None:
    """Set the session cookie (``HttpOnly``) and the CSRF cookie (readable by scripts)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token_for(token),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="Lax",
    )


def clear_session_cookies(response: web.StreamResponse, *, secure: bool) -> None:
    """Expire both cookies."""
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.del_cookie(name, path="/", secure=secure, samesite="Lax")


def unauthorized(detail: str) -> ProblemError:
    """A 401 problem with a ``Bearer`` challenge."""
    return ProblemError(
        401, detail=detail, type="urn:mango:problem:unauthorized", headers=_CHALLENGE
    )


TokenLookup = Callable[[Any, str], Awaitable[Any]]


class Authenticator:
    """Resolves a request's credentials against the database.

    Args:
        pool: The database pool.
    """

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def authenticate(self, request: web.Request, *, allow_api_token: bool) -> Caller:
        """Return the caller, checking CSRF for cookie-authenticated writes.

        Args:
            request: The request.
            allow_api_token: Whether an API token may be used for this operation.

        Raises:
            ProblemError: 401 without valid credentials; 403 for an API token where it
                is not allowed, or a failed CSRF check.
        """
        authorization = request.headers.get("Authorization")
        if authorization is not None:
            return await self._bearer(authorization, allow_api_token=allow_api_token)
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise unauthorized("sign in first (session cookie or `Authorization: Bearer`)")
        principal = await authenticate_session(self.pool, token)
        if principal is None:
            raise unauthorized("the session has ended; sign in again")
        if request.method not in _SAFE_METHODS:
            _check_csrf(request, token)
        return Caller(
            uuid.UUID(principal.user_id), principal.email, "session", principal.session_id
        )

    async def _bearer(self, authorization: str, *, allow_api_token: bool) -> Caller:
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            raise unauthorized("the Authorization header must be `Bearer <token>`")
        if token.startswith(TOKEN_PREFIX):
            api = await authenticate_token(self.pool, token)
            if api is None:
                raise unauthorized("the API token is unknown or revoked")
            if not allow_api_token:
                raise ProblemError(
                    403,
                    detail="API tokens may only read; sign in to do this",
                    type="urn:mango:problem:forbidden",
                )
            return Caller(uuid.UUID(api.user_id), api.email, "api_token", api.token_id)
        session = await authenticate_session(self.pool, token)
        if session is None:
            raise unauthorized("the session token is unknown or expired; sign in again")
        return Caller(uuid.UUID(session.user_id), session.email, "session", session.session_id)


def _check_csrf(request: web.Request, session_token: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = csrf_token_for(session_token)
    if not (
        sent
        and hmac.compare_digest(sent.encode(), cookie.encode())
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise ProblemError(
            403,
            title="CSRF check failed",
            detail=f"send the {CSRF_COOKIE} cookie's value in the {CSRF_HEADER} header",
            type="urn:mango:problem:csrf",
        )


def session_expiry_seconds(expires_at: datetime, now: datetime) -> int:
    """Seconds from ``now`` to ``expires_at`` (at least 0), for the cookies' ``Max-Age``."""
    return max(0, int((expires_at - now).total_seconds()))
