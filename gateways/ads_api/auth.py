"""Bearer API tokens: parse the ``Authorization`` header, look the token up, cache briefly.

A successful lookup is reused for a few seconds (``ttl``), so that a busy extension costs
one database query per token every few seconds, and a revoked token stops working within
``ttl``. A failed lookup is remembered for ``failure_ttl`` only (one second by default):
enough to absorb a client hammering with a bad token, too short to matter otherwise.
Concurrent requests with the same token share one lookup.

Tokens never appear in logs or error messages; the cache is keyed by the token's SHA-256.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import structlog

from mango.http import ProblemError

__all__ = ["Principal", "TokenAuthenticator", "TokenLookup", "unauthorized"]

log = structlog.get_logger("gateways.ads_api.auth")

# "mm_" and unpadded URL-safe base64; the length bound keeps garbage away from the database.
_TOKEN = re.compile(r"mm_[A-Za-z0-9_-]{16,125}")
_AUTH_ERROR = "urn:mango:problem:unauthorized"
_LOOKUP_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
_RETRY_AFTER_SECONDS = "5"


class Principal(Protocol):
    """Who a request acts for (``actors.accounts.ApiPrincipal`` fits)."""

    @property
    def user_id(self) -> str:
        """The user's id."""

    @property
    def email(self) -> str:
        """The user's email address."""

    @property
    def token_id(self) -> str:
        """The id of the token used."""


TokenLookup = Callable[[str], Awaitable[Principal | None]]
"""Returns the principal of a token, or ``None`` when it is unknown or revoked."""


def unauthorized(detail: str, *, error: str | None = "invalid_token") -> ProblemError:
    """Return a 401 problem with the ``WWW-Authenticate: Bearer`` challenge (RFC 6750)."""
    challenge = 'Bearer realm="ads-api"'
    if error is not None:
        challenge += f', error="{error}"'
    return ProblemError(
        401,
        detail=detail,
        type=_AUTH_ERROR,
        headers={"WWW-Authenticate": challenge},
    )


class TokenAuthenticator:
    """Checks bearer tokens against a lookup function, with a short cache.

    Args:
        lookup: Resolves a token (e.g. ``actors.accounts.authenticate_token`` on a pool).
        ttl: Seconds a successful lookup is reused (0 disables the cache).
        failure_ttl: Seconds an unknown token is remembered as unknown.
        max_entries: Most tokens cached at once (the oldest are dropped first).
        clock: Monotonic clock in seconds.
    """

    def __init__(
        self,
        lookup: TokenLookup,
        *,
        ttl: float = 5.0,
        failure_ttl: float = 1.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[bytes, tuple[float, Principal | None]] = OrderedDict()
        self._inflight: dict[bytes, asyncio.Future[Principal | None]] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        """Return the principal of an ``Authorization`` header value.

        Raises:
            ProblemError: 401 for a missing, malformed, unknown or revoked token; 503
                when the token store cannot be reached.
        """
        token = _bearer_token(authorization)
        key = hashlib.sha256(token.encode("ascii")).digest()
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            principal = cached[1]
        else:
            principal = await self._shared_lookup(key, token)
        if principal is None:
            raise unauthorized("the API token is unknown or revoked")
        return principal

    def authenticate_cached(self, authorization: str | None) -> Principal | None:
        """Return the principal of a header value when a recent lookup is cached.

        The synchronous fast path of :meth:`authenticate` (no coroutine per request);
        ``None`` means "not cached: await ``authenticate``".

        Raises:
            ProblemError: 401 for a missing or malformed token, or one recently found
                unknown or revoked.
        """
        token = _bearer_token(authorization)
        cached = self._cache.get(hashlib.sha256(token.encode("ascii")).digest())
        if cached is None or cached[0] <= self._clock():
            return None
        if cached[1] is None:
            raise unauthorized("the API token is unknown or revoked")
        return cached[1]

    def forget(self) -> None:
        """Drop every cached result (e.g. after revoking tokens in a test)."""
        self._cache.clear()

    async def _shared_lookup(self, key: bytes, token: str) -> Principal | None:
        pending = self._inflight.get(key)
        if pending is not None:
            await asyncio.wait([pending])  # never cancels the shared lookup
            if not pending.cancelled():
                return pending.result()
            return await self._shared_lookup(key, token)
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            principal = await self._lookup(token)
        except _LOOKUP_ERRORS as exc:
            log.warning("auth.lookup_failed", error=type(exc).__name__)
            problem = ProblemError(
                503,
                detail="cannot check the API token right now; retry later",
                headers={"Retry-After": _RETRY_AFTER_SECONDS},
            )
            future.set_exception(problem)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise problem from None
        except Exception as exc:
            future.set_exception(exc)
            future.exception()
            raise
        except BaseException:  # cancelled: the waiters look up on their own
            future.cancel()
            raise
        else:
            future.set_result(principal)
            self._remember(key, principal)
            return principal
        finally:
            del self._inflight[key]

    def _remember(self, key: bytes, principal: Principal | None) -> None:
        ttl = self.ttl if principal is not None else self.failure_ttl
        if ttl <= 0:
            return
        self._cache[key] = (self._clock() + ttl, principal)
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("send an API token as `Authorization: Bearer mm_...`", error=None)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("the Authorization header must be `Bearer <API token>`")
    if not _TOKEN.fullmatch(token):
        raise unauthorized("the API token is malformed (expected `mm_` and 43 characters)")
    return token
