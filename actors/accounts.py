"""Users and their API tokens: create, authenticate, revoke.

API tokens are ``mm_`` followed by the URL-safe base64 of 32 random bytes. Only their
SHA-256 is stored: a token carries 256 bits of entropy, so a fast hash is the right tool
(argon2 is for low-entropy passwords), and it lets a request find its token through the
unique index on ``token_hash`` in one lookup. The lookup is by the hash, never by the
secret itself, so its timing tells an attacker nothing about the secret; the fetched hash
is still compared with :func:`hmac.compare_digest` as a second, explicit guard.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "TOKEN_PREFIX",
    "ApiPrincipal",
    "authenticate_token",
    "create_api_token",
    "create_user",
    "hash_token",
    "normalize_email",
    "revoke_api_token",
]

TOKEN_PREFIX = "mm_"  # noqa: S105 - the public prefix of every token, not a secret
_TOKEN_BYTES = 32
# "mm_" + 43 characters of unpadded URL-safe base64; anything much longer is not ours.
_MAX_TOKEN_LENGTH = 128
_LAST_USED_RESOLUTION = timedelta(minutes=1)

Pool = Any
"""An ``asyncpg.Pool`` (or anything with its ``fetchrow``/``fetchval``/``execute``)."""


@dataclass(frozen=True)
class ApiPrincipal:
    """Who an authenticated API request acts for.

    Attributes:
        user_id: The user's id (a UUID, as text).
        email: The user's email address.
        token_id: The id of the token that authenticated the request (a UUID, as text).
    """

    user_id: str
    email: str
    token_id: str


def hash_token(token: str) -> bytes:
    """Return the SHA-256 digest stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def _new_token() -> str:
    raw = secrets.token_bytes(_TOKEN_BYTES)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _display_prefix(token: str) -> str:
    """The first characters of a token, kept so that a user can tell tokens apart."""
    return token[: len(TOKEN_PREFIX) + 6]


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def normalize_email(email: str) -> str:
    """Trim ``email``; raise ``ValueError`` when it cannot be an address."""
    email = email.strip()
    if not 3 <= len(email) <= 320 or "@" not in email or "\x00" in email:
        raise ValueError(f"not an email address: {email!r}")
    return email


async def create_user(pool: Pool, email: str) -> str:
    """Create the user with ``email`` unless one exists (emails compare case-insensitively).

    Args:
        pool: The database pool.
        email: The user's email address.

    Returns:
        The user's id (a UUID, as text), new or existing.

    Raises:
        ValueError: ``email`` is not an email address.
    """
    email = normalize_email(email)
    user_id = await pool.fetchval(
        """
        WITH inserted AS (
            INSERT INTO users (email) VALUES ($1)
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING id
        )
        SELECT id FROM inserted
        UNION ALL
        SELECT id FROM users WHERE lower(email) = lower($1)
        LIMIT 1
        """,
        email,
    )
    return str(user_id)


async def create_api_token(pool: Pool, user_id: str, name: str) -> tuple[str, str]:
    """Issue a new API token for ``user_id``; only its hash is stored.

    Args:
        pool: The database pool.
        user_id: The owner's id.
        name: A label the user chose ("laptop extension").

    Returns:
        ``(token_id, plaintext_token)``: the plaintext is shown once and never again.

    Raises:
        LookupError: No user has ``user_id``.
    """
    owner = _as_uuid(user_id)
    if owner is None:
        raise LookupError(f"no user with id {user_id!r}")
    token = _new_token()
    token_id = await pool.fetchval(
        """
        INSERT INTO api_tokens (user_id, name, token_hash, prefix)
        SELECT id, $2, $3, $4 FROM users WHERE id = $1
        RETURNING id
        """,
        owner,
        name[:200],
        hash_token(token),
        _display_prefix(token),
    )
    if token_id is None:
        raise LookupError(f"no user with id {user_id!r}")
    return str(token_id), token


async def authenticate_token(pool: Pool, token: str) -> ApiPrincipal | None:
    """Return who ``token`` belongs to, or ``None`` when it is unknown or revoked.

    ``last_used_at`` is refreshed at most once a minute, so that authentication does not
    cost a write per request.

    Args:
        pool: The database pool.
        token: The bearer token as the client sent it.

    Returns:
        The principal, or ``None``.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    row = await pool.fetchrow(
        """
        SELECT t.id, t.user_id, t.token_hash, t.last_used_at, u.email,
               now() AS checked_at
        FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL
        """,
        digest,
    )
    if row is None or not hmac.compare_digest(bytes(row["token_hash"]), digest):
        return None
    last_used: datetime | None = row["last_used_at"]
    if last_used is None or row["checked_at"] - last_used >= _LAST_USED_RESOLUTION:
        await pool.execute(
            """
            UPDATE api_tokens SET last_used_at = now()
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::interval)
            """,
            row["id"],
            _LAST_USED_RESOLUTION,
        )
    return ApiPrincipal(user_id=str(row["user_id"]), email=row["email"], token_id=str(row["id"]))


async def revoke_api_token(pool: Pool, user_id: str, token_id: str) -> bool:
    """Revoke ``user_id``'s token ``token_id``.

    Args:
        pool: The database pool.
        user_id: The owner; another user's token is never revoked.
        token_id: The token's id.

    Returns:
        ``True`` when a live token was revoked; ``False`` when there was none to revoke
        (unknown, someone else's, or already revoked).
    """
    owner, token = _as_uuid(user_id), _as_uuid(token_id)
    if owner is None or token is None:
        return False
    revoked = await pool.fetchval(
        """
        UPDATE api_tokens SET revoked_at = now()
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
        RETURNING id
        """,
        token,
        owner,
    )
    return revoked is not None
