"""Accounts with passwords, and log-in sessions (opaque tokens stored as SHA-256).

A session token is ``ms_`` followed by the URL-safe base64 of 32 random bytes; like API
tokens (:mod:`actors.accounts`) it carries 256 bits of entropy, so its SHA-256 is what is
stored and looked up, and the secret itself never reaches the database.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from actors.library.errors import ConflictError

__all__ = [
    "SESSION_PREFIX",
    "SessionPrincipal",
    "User",
    "as_uuid",
    "authenticate_session",
    "create_session",
    "delete_session",
    "find_password_hash",
    "get_api_token",
    "get_user",
    "is_session_token",
    "list_api_tokens",
    "normalise_email",
    "register_user",
    "set_password_hash",
]

SESSION_PREFIX = "ms_"
_SESSION_TOKEN = re.compile(r"ms_[A-Za-z0-9_-]{43}")
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+")
_SEEN_RESOLUTION = timedelta(minutes=5)

Pool = Any
"""An ``asyncpg.Pool`` or connection."""


@dataclass(frozen=True)
class User:
    """A user as the API shows it.

    Attributes:
        id: The user's id (a UUID, as text).
        email: The email address (normalised).
        created_at: When the account was made.
    """

    id: str
    email: str
    created_at: datetime


@dataclass(frozen=True)
class SessionPrincipal:
    """Who a session-authenticated request acts for.

    Attributes:
        user_id: The user's id.
        email: The user's email.
        session_id: The session's id.
        expires_at: When the session ends.
    """

    user_id: str
    email: str
    session_id: str
    expires_at: datetime


def as_uuid(value: str) -> uuid.UUID | None:
    """Parse ``value`` as a UUID, or return ``None``."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def normalise_email(email: str) -> str:
    """Trim and lower-case ``email``.

    Raises:
        ValueError: It cannot be an address (one ``@``, no spaces, 3-320 characters).
    """
    email = email.strip().lower()
    if not 3 <= len(email) <= 320 or not _EMAIL.fullmatch(email):
        raise ValueError("not an email address")
    return email


def is_session_token(token: str) -> bool:
    """Return whether ``token`` has the shape of a session token."""
    return bool(_SESSION_TOKEN.fullmatch(token))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


async def register_user(pool: Pool, email: str, password_hash: str) -> User:
    """Create a user with a password.

    Raises:
        ConflictError: The email (compared case-insensitively) has an account.
    """
    try:
        row = await pool.fetchrow(
            "INSERT INTO users (email, password_hash) VALUES ($1, $2) "
            "RETURNING id, email, created_at",
            email,
            password_hash,
        )
    except asyncpg.UniqueViolationError:
        raise ConflictError("an account with this email exists") from None
    return User(str(row["id"]), row["email"], row["created_at"])


async def find_password_hash(pool: Pool, email: str) -> tuple[User, str | None] | None:
    """Return the user with ``email`` and their password hash, or ``None``."""
    row = await pool.fetchrow(
        "SELECT id, email, created_at, password_hash FROM users WHERE lower(email) = lower($1)",
        email,
    )
    if row is None:
        return None
    return User(str(row["id"]), row["email"], row["created_at"]), row["password_hash"]


async def set_password_hash(pool: Pool, user_id: str, password_hash: str) -> None:
    """Replace a user's password hash (after a re-hash with newer parameters)."""
    await pool.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


async def get_user(pool: Pool, user_id: str) -> User | None:
    """Return the user with ``user_id``, or ``None``."""
    owner = as_uuid(user_id)
    if owner is None:
        return None
    row = await pool.fetchrow("SELECT id, email, created_at FROM users WHERE id = $1", owner)
    return None if row is None else User(str(row["id"]), row["email"], row["created_at"])


async def create_session(
    pool: Pool, user_id: str, *, ttl: timedelta, user_agent: str | None = None
) -> tuple[str, datetime]:
    """Start a session for ``user_id``.

    Returns:
        ``(token, expires_at)``: the token is given to the client and never stored.
    """
    token = SESSION_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(
        "ascii"
    )
    expires_at = await pool.fetchval(
        """
        INSERT INTO sessions (user_id, token_hash, expires_at, user_agent)
        VALUES ($1, $2, now() + $3::interval, $4) RETURNING expires_at
        """,
        as_uuid(user_id),
        _digest(token),
        ttl,
        (user_agent or "")[:512] or None,
    )
    return token, expires_at


async def authenticate_session(pool: Pool, token: str) -> SessionPrincipal | None:
    """Return who the session ``token`` belongs to, or ``None`` (unknown or expired)."""
    if not is_session_token(token):
        return None
    row = await pool.fetchrow(
        """
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, u.email, now() AS checked_at
        FROM sessions AS s JOIN users AS u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now()
        """,
        _digest(token),
    )
    if row is None:
        return None
    if row["checked_at"] - row["last_seen_at"] >= _SEEN_RESOLUTION:
        await pool.execute("UPDATE sessions SET last_seen_at = now() WHERE id = $1", row["id"])
    return SessionPrincipal(str(row["user_id"]), row["email"], str(row["id"]), row["expires_at"])


async def delete_session(pool: Pool, session_id: str) -> None:
    """End a session (log-out); expired sessions of the same user go too."""
    await pool.execute(
        """
        DELETE FROM sessions WHERE id = $1
           OR (user_id = (SELECT user_id FROM sessions WHERE id = $1) AND expires_at <= now())
        """,
        as_uuid(session_id),
    )


_TOKEN_COLUMNS = "id, name, prefix, created_at, last_used_at"  # noqa: S105 - columns


async def list_api_tokens(pool: Pool, user_id: str) -> list[Any]:
    """Return the user's live (not revoked) API tokens, newest first, without secrets."""
    return list(
        await pool.fetch(
            f"SELECT {_TOKEN_COLUMNS} FROM api_tokens"  # noqa: S608 - a fixed column list
            " WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id",
            as_uuid(user_id),
        )
    )


async def get_api_token(pool: Pool, user_id: str, token_id: str) -> Any:
    """Return one live API token of the user (without its secret), or ``None``."""
    return await pool.fetchrow(
        f"SELECT {_TOKEN_COLUMNS} FROM api_tokens"  # noqa: S608 - a fixed column list
        " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        as_uuid(token_id),
        as_uuid(user_id),
    )
