"""Sign-up, log-in, log-out, the current user and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from actors.accounts import create_api_token, revoke_api_token
from actors.library.errors import ConflictError
from actors.library.passwords import hash_password, needs_rehash, verify_password
from actors.library.sessions import (
    User,
    create_session,
    delete_session,
    find_password_hash,
    get_api_token,
    get_user,
    list_api_tokens,
    normalise_email,
    register_user,
    set_password_hash,
)
from gateways.backend_api.auth import (
    clear_session_cookies,
    csrf_token_for,
    session_expiry_seconds,
    set_session_cookies,
)
from gateways.backend_api.common import Deps, bad_field, not_found, path_uuid
from gateways.backend_api.schemas import (
    ApiToken,
    Credentials,
    Me,
    NewApiToken,
    SessionStarted,
    TokenName,
    TokensPage,
    UserView,
)
from mango.http import ProblemError, decode_body, json_response

__all__ = ["AccountHandlers"]

_WRONG_CREDENTIALS = "wrong email or password"


class AccountHandlers:
    """Handlers of ``/v1/auth/*``, ``/v1/me`` and ``/v1/tokens``."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[web.AbstractRouteDef]:
        """The routes of this group."""
        return [
            web.post("/v1/auth/signup", self.signup),
            web.post("/v1/auth/login", self.login),
            web.post("/v1/auth/logout", self.logout),
            web.get("/v1/me", self.me),
            web.post("/v1/tokens", self.create_token),
            web.get("/v1/tokens", self.list_tokens),
            web.delete("/v1/tokens/{token_id}", self.revoke_token),
        ]

    async def signup(self, request: web.Request) -> web.Response:
        """``POST /v1/auth/signup``: create an account and sign in."""
        credentials = await decode_body(request, Credentials)
        try:
            email = normalise_email(credentials.email)
        except ValueError:
            raise bad_field("$.email", "not an email address") from None
        password_hash = await hash_password(credentials.password)
        try:
            user = await register_user(self.deps.pool, email, password_hash)
        except ConflictError:
            raise ProblemError(
                409,
                detail="an account with this email exists; log in instead",
                type="urn:mango:problem:email-taken",
            ) from None
        return await self._start_session(request, user, credentials.transport, status=201)

    async def login(self, request: web.Request) -> web.Response:
        """``POST /v1/auth/login``: check the password (rate limited) and sign in."""
        credentials = await decode_body(request, Credentials)
        email = credentials.email.strip().lower()
        ip = self._client_address(request)
        # Counted before checking: concurrent guesses cannot all pass the limit.
        attempt = await self.deps.login_limiter.attempt(email, ip)
        if attempt.wait > 0:
            raise ProblemError(
                429,
                detail="too many failed log-ins; wait before trying again",
                type="urn:mango:problem:rate-limited",
                headers={"Retry-After": self.deps.login_limiter.retry_after(attempt.wait)},
            )
        found = await find_password_hash(self.deps.pool, email)
        # Unknown emails are verified against a dummy hash: same time, same answer.
        ok = await verify_password(found[1] if found else None, credentials.password)
        if found is None or not ok:
            raise ProblemError(
                401, detail=_WRONG_CREDENTIALS, type="urn:mango:problem:wrong-credentials"
            )
        user, stored_hash = found
        await self.deps.login_limiter.succeeded(attempt)
        if stored_hash and needs_rehash(stored_hash):
            new_hash = await hash_password(credentials.password)
            await set_password_hash(self.deps.pool, user.id, new_hash)
        return await self._start_session(request, user, credentials.transport, status=200)

    async def logout(self, request: web.Request) -> web.Response:
        """``POST /v1/auth/logout``: end the session and clear the cookies."""
        caller = await self.deps.caller(request)
        await delete_session(self.deps.pool, caller.credential_id)
        response = web.Response(status=204)
        clear_session_cookies(response, secure=self.deps.settings.cookie_secure)
        return response

    async def me(self, request: web.Request) -> web.Response:
        """``GET /v1/me``: the signed-in user."""
        caller = await self.deps.caller(request, api_token=True)
        user = await get_user(self.deps.pool, str(caller.user_id))
        if user is None:
            raise not_found("user")
        return json_response(
            Me(id=user.id, email=user.email, created_at=user.created_at, auth=caller.kind)
        )

    async def create_token(self, request: web.Request) -> web.Response:
        """``POST /v1/tokens``: a new API token, shown once."""
        caller = await self.deps.caller(request)
        body = await decode_body(request, TokenName)
        name = body.name.strip()
        if not name:
            raise bad_field("$.name", "the name is blank")
        token_id, token = await create_api_token(self.deps.pool, str(caller.user_id), name)
        row = await get_api_token(self.deps.pool, str(caller.user_id), token_id)
        if row is None:  # revoked in between by another request of the same user
            raise not_found("API token")
        return json_response(NewApiToken(**_token_fields(row), token=token), status=201)

    async def list_tokens(self, request: web.Request) -> web.Response:
        """``GET /v1/tokens``: the live API tokens, without their secrets."""
        caller = await self.deps.caller(request)
        rows = await list_api_tokens(self.deps.pool, str(caller.user_id))
        return json_response(TokensPage(tokens=[ApiToken(**_token_fields(r)) for r in rows]))

    async def revoke_token(self, request: web.Request) -> web.Response:
        """``DELETE /v1/tokens/{id}``: revoke an API token."""
        caller = await self.deps.caller(request)
        token_id = path_uuid(request, "token_id", "API token")
        if not await revoke_api_token(self.deps.pool, str(caller.user_id), str(token_id)):
            raise not_found("API token")
        return web.Response(status=204)

    async def _start_session(
        self, request: web.Request, user: User, transport: str, *, status: int
    ) -> web.Response:
        ttl = timedelta(days=self.deps.settings.session_days)
        token, expires_at = await create_session(
            self.deps.pool, user.id, ttl=ttl, user_agent=request.headers.get("User-Agent")
        )
        body = SessionStarted(
            user=UserView(id=user.id, email=user.email, created_at=user.created_at),
            csrf_token=csrf_token_for(token),
            expires_at=expires_at,
            session_token=token if transport == "bearer" else None,
        )
        response = json_response(body, status=status, headers={"Cache-Control": "no-store"})
        if transport == "cookie":
            max_age = session_expiry_seconds(expires_at, datetime.now(UTC))
            set_session_cookies(
                response, token, max_age=max_age, secure=self.deps.settings.cookie_secure
            )
        return response

    def _client_address(self, request: web.Request) -> str:
        if self.deps.settings.trust_forwarded_for:
            forwarded = request.headers.get("X-Forwarded-For", "")
            first = forwarded.split(",")[0].strip()
            if first:
                return first[:100]
        return request.remote or "unknown"


def _token_fields(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "prefix": row["prefix"],
        "created_at": row["created_at"],
        "last_used_at": row["last_used_at"],
    }
